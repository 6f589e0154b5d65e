// Webhooks (api.md §11, proto-docs/changes.md "Webhooks") over real HTTP: the server POSTs a
// subscription's changes to a real receiver on 127.0.0.1, signed, in order, again after a
// failure or a restart, and never to a host outside its allow-list.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "core/digest.h"
#include "integration/fixture.h"
#include "integration/webhook_receiver.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kSubscriptions = "/cloud/v2/universes/42/subscriptions";

// Fast retries and scans, so a test waits tenths of seconds, not minutes.
std::vector<std::string> WebhookFlags(const std::string& allowed = "127.0.0.1") {
  return {"--webhook-allowed-hosts",     allowed, "--webhook-retry-initial-ms", "20",
          "--webhook-retry-max-ms",      "200",   "--webhook-scan-interval-ms", "50",
          "--webhook-max-batch-changes", "7"};
}

// Checks `post`'s Strongbox-Signature against `secret`: t=<unix>,v1=<hex HMAC of "t.body">.
void CheckSignature(const ReceivedPost& post, const std::string& secret) {
  const std::string header = post.headers.count("strongbox-signature") != 0
                                 ? post.headers.at("strongbox-signature")
                                 : std::string();
  INFO(header);
  REQUIRE(header.rfind("t=", 0) == 0);
  const size_t comma = header.find(",v1=");
  REQUIRE(comma != std::string::npos);
  const std::string t = header.substr(2, comma - 2);
  const std::string v1 = header.substr(comma + 4);
  CHECK(v1 == core::HexEncode(core::HmacSha256(secret, t + "." + post.body)));
  CHECK(v1 != core::HexEncode(core::HmacSha256(secret + "x", t + "." + post.body)));
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  CHECK(std::llabs(now - std::stoll(t)) < 300);
}

json CreateHook(HttpClient& c, const std::string& id, const std::string& url,
                const std::string& filter = "") {
  json body = {{"id", id}, {"deliveryUrl", url}};
  if (!filter.empty()) body["filter"] = filter;
  auto r = c.Post(kSubscriptions, body.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json();
}

// The sequences of the changes in the accepted posts, in arrival order.
std::vector<uint64_t> DeliveredSequences(const WebhookReceiver& receiver) {
  std::vector<uint64_t> out;
  for (const ReceivedPost& p : receiver.Accepted()) {
    json body = json::parse(p.body);
    for (const json& change : body["changes"]) {
      out.push_back(std::stoull(change["sequence"].get<std::string>()));
    }
  }
  return out;
}

void WriteEntries(HttpClient& c, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    auto r = c.Post(kEntries + "/" + prefix + std::to_string(i) + ":increment", R"({"amount":1})");
    REQUIRE(r.status == 200);
  }
}

TEST_CASE("webhooks: a receiver that fails the first attempts still gets every change in order",
          "[integration]") {
  WebhookReceiver receiver(/*fail_first=*/3);
  ServerFixture f(WebhookFlags());
  const json created = CreateHook(*f.client, "relay", receiver.Url("/hook?token=abc"));
  const std::string secret = created["secret"];
  CHECK(secret.rfind("whsec_", 0) == 0);
  CHECK(secret.size() == 6 + 64);
  CHECK(created["deliveryUrl"] == receiver.Url("/hook?token=abc"));
  // The secret is shown once: never by a read.
  auto read = f.client->Get(kSubscriptions + "/relay");
  CHECK(read.Json().count("secret") == 0);
  CHECK(read.body.find(secret) == std::string::npos);
  CHECK(f.client->Get(kSubscriptions).body.find(secret) == std::string::npos);

  constexpr int kWrites = 40;
  WriteEntries(*f.client, "gift-", kWrites);
  REQUIRE(WaitFor([&] { return DeliveredSequences(receiver).size() >= kWrites; },
                  std::chrono::seconds(30)));
  // In order, each exactly once among the accepted batches (a failed batch is not accepted).
  const std::vector<uint64_t> sequences = DeliveredSequences(receiver);
  REQUIRE(sequences.size() == kWrites);
  for (size_t i = 0; i < sequences.size(); ++i) CHECK(sequences[i] == i + 1);

  const std::vector<ReceivedPost> posts = receiver.Posts();
  REQUIRE(posts.size() >= 4);
  // The first three attempts failed: the same batch, sent again with the next attempt number.
  for (int i = 0; i < 4; ++i) {
    INFO(i);
    CHECK(posts[i].body == posts[0].body);
    CHECK(posts[i].headers.at("strongbox-attempt") == std::to_string(i + 1));
  }
  CHECK(posts[3].answered == 200);
  for (const ReceivedPost& p : posts) {
    CheckSignature(p, secret);
    CHECK(p.target == "/hook?token=abc");
    CHECK(p.headers.at("content-type") == "application/json");
    CHECK(p.headers.at("strongbox-subscription") == "relay");
    json body = json::parse(p.body);
    CHECK(body["subscription"] == "universes/42/subscriptions/relay");
    CHECK(body["changes"].size() <= 7);  // webhook_max_batch_changes
    CHECK(body["cursor"] == body["changes"].back()["sequence"]);
    CHECK(body["changes"][0]["kind"] == "entry");
    CHECK(body["changes"][0]["path"].get<std::string>().find("/entries/gift-") !=
          std::string::npos);
  }
  // The cursor moved with the deliveries; the delivery state says what happened.
  REQUIRE(WaitFor([&] { return f.client->Get(kSubscriptions + "/relay").Json()["cursor"] == "40"; },
                  std::chrono::seconds(10)));
  json state = f.client->Get(kSubscriptions + "/relay").Json()["delivery"];
  INFO(state.dump());
  CHECK(state["state"] == "waiting");
  CHECK(state["failedAttempts"] == "3");
  CHECK(state["deliveredChanges"] == "40");
  CHECK(state["lastStatusCode"] == 200);
  CHECK(state["lastError"] == "the receiver answered HTTP 503");
  CHECK(state["lastSuccessTime"].is_string());
  auto metrics = f.client->Get("/metrics").body;
  CHECK(Metric(metrics, "strongbox_webhook_changes_delivered_total") == kWrites);
  CHECK(Metric(metrics, "strongbox_webhook_failed_attempts_total") == 3);
  CHECK(Metric(metrics, "strongbox_webhook_subscriptions") == 1);
}

TEST_CASE("webhooks: only the changes the filter matches are posted", "[integration]") {
  WebhookReceiver receiver;
  ServerFixture f(WebhookFlags());
  CreateHook(*f.client, "gifts", receiver.Url(), R"(id.startsWith("gift"))");
  WriteEntries(*f.client, "other-", 5);
  WriteEntries(*f.client, "gift-", 3);
  REQUIRE(
      WaitFor([&] { return DeliveredSequences(receiver).size() >= 3; }, std::chrono::seconds(20)));
  CHECK(DeliveredSequences(receiver) == std::vector<uint64_t>{6, 7, 8});
  // The skipped records moved the cursor too.
  REQUIRE(WaitFor([&] { return f.client->Get(kSubscriptions + "/gifts").Json()["cursor"] == "8"; },
                  std::chrono::seconds(10)));
}

TEST_CASE("webhooks: a batch stays within the byte bound", "[integration]") {
  WebhookReceiver receiver;
  std::vector<std::string> flags = WebhookFlags();
  flags.insert(flags.end(), {"--webhook-max-batch-bytes", "1024"});
  ServerFixture f(flags);
  // Refused while the entries are written, so the batch in hand is then the first seven records
  // (over 1024 bytes together): it must be halved to go.
  receiver.SetFailAll(true);
  CreateHook(*f.client, "small", receiver.Url());
  WriteEntries(*f.client, "a-rather-long-entry-name-to-fill-the-batch-", 20);
  REQUIRE(WaitFor([&] { return !receiver.Posts().empty(); }, std::chrono::seconds(20)));
  receiver.SetFailAll(false);
  REQUIRE(
      WaitFor([&] { return DeliveredSequences(receiver).size() >= 20; }, std::chrono::seconds(20)));
  const std::vector<uint64_t> sequences = DeliveredSequences(receiver);
  REQUIRE(sequences.size() == 20);
  for (size_t i = 0; i < sequences.size(); ++i) CHECK(sequences[i] == i + 1);
  size_t most = 0;
  for (const ReceivedPost& p : receiver.Accepted()) {
    INFO(p.body);
    const size_t changes = json::parse(p.body)["changes"].size();
    CHECK((p.body.size() <= 1024 || changes == 1));
    most = std::max(most, changes);
  }
  // Halved, not cut to one: the first batch after the refusals held more than one record.
  CHECK(most > 1);
  CHECK(most < 7);
}

TEST_CASE("webhooks: a delivery URL outside the allow-list is refused", "[integration]") {
  WebhookReceiver receiver;
  {
    // The default allows no host at all.
    ServerFixture f;
    auto r =
        f.client->Post(kSubscriptions, json{{"id", "s"}, {"deliveryUrl", receiver.Url()}}.dump());
    INFO(r.body);
    CHECK(r.status == 400);
    CHECK(r.body.find("webhook_allowed_hosts") != std::string::npos);
  }
  ServerFixture f(WebhookFlags("127.0.0.1:" + std::to_string(receiver.port())));
  const std::string other_port = "http://127.0.0.1:" + std::to_string(receiver.port() + 1) + "/";
  for (const std::string& url :
       {other_port, std::string("http://localhost:") + std::to_string(receiver.port()) + "/",
        std::string("http://169.254.169.254/latest/meta-data/"), std::string("https://127.0.0.1/"),
        std::string("http://user:pw@127.0.0.1:") + std::to_string(receiver.port()) + "/",
        std::string("ftp://127.0.0.1/"), std::string("http://127.0.0.1:0/"),
        std::string("http:///x")}) {
    auto r = f.client->Post(kSubscriptions, json{{"id", "s"}, {"deliveryUrl", url}}.dump());
    INFO(url << " " << r.body);
    CHECK(r.status == 400);
    CHECK(r.Json()["code"] == "INVALID_ARGUMENT");
  }
  CHECK(f.client->Get(kSubscriptions + "/s").status == 404);
  // The allowed host and port works.
  CreateHook(*f.client, "s", receiver.Url());
  WriteEntries(*f.client, "a", 1);
  CHECK(
      WaitFor([&] { return DeliveredSequences(receiver).size() == 1; }, std::chrono::seconds(20)));
  // A malformed allow-list stops the start with a message naming the field.
  ServerProcess bad(f.dir.path(), f.dir.Child("bad-data"),
                    {"--webhook-allowed-hosts", "127.0.0.1:99999"});
  CHECK_THROWS_WITH(bad.Start(), Catch::Contains("webhook_allowed_hosts"));
}

TEST_CASE("webhooks: a restart resumes delivery from the acknowledged cursor", "[integration]") {
  WebhookReceiver receiver;
  receiver.SetFailAll(true);
  ServerFixture f(WebhookFlags());
  const std::string secret = CreateHook(*f.client, "relay", receiver.Url())["secret"];
  WriteEntries(*f.client, "before-", 10);
  REQUIRE(WaitFor([&] { return receiver.Posts().size() >= 2; }, std::chrono::seconds(20)));
  json state;
  // Between attempts; a GET during one sees "delivering".
  CHECK(WaitFor(
      [&] {
        state = f.client->Get(kSubscriptions + "/relay").Json()["delivery"];
        return state["state"] == "retrying";
      },
      std::chrono::seconds(10)));
  INFO(state.dump());
  CHECK(state["nextAttemptTime"].is_string());
  CHECK(state["lastStatusCode"] == 503);
  CHECK(f.client->Get(kSubscriptions + "/relay").Json()["cursor"] == "0");

  REQUIRE(f.Restart() == 0);
  WriteEntries(*f.client, "after-", 5);
  receiver.SetFailAll(false);
  REQUIRE(
      WaitFor([&] { return DeliveredSequences(receiver).size() >= 15; }, std::chrono::seconds(30)));
  std::vector<uint64_t> sequences = DeliveredSequences(receiver);
  REQUIRE(sequences.size() == 15);
  for (size_t i = 0; i < sequences.size(); ++i) CHECK(sequences[i] == i + 1);
  for (const ReceivedPost& p : receiver.Posts()) CheckSignature(p, secret);  // kept across it
}

TEST_CASE("webhooks: deleting a subscription stops its retries", "[integration]") {
  WebhookReceiver receiver;
  receiver.SetFailAll(true);
  ServerFixture f(WebhookFlags());
  CreateHook(*f.client, "relay", receiver.Url());
  WriteEntries(*f.client, "x", 1);
  REQUIRE(WaitFor([&] { return receiver.Posts().size() >= 2; }, std::chrono::seconds(20)));
  REQUIRE(f.client->Delete(kSubscriptions + "/relay").status == 200);
  // Within a scan interval and a retry the worker is gone; then nothing more arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const size_t after_delete = receiver.Posts().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  CHECK(receiver.Posts().size() == after_delete);
  CHECK(Metric(f.client->Get("/metrics").body, "strongbox_webhook_subscriptions") == 0);
}

TEST_CASE("webhooks: an ack past a refused batch ends its retries", "[integration]") {
  WebhookReceiver receiver;
  receiver.SetFailAll(true);
  ServerFixture f(WebhookFlags());
  CreateHook(*f.client, "relay", receiver.Url());
  WriteEntries(*f.client, "poison-", 5);
  REQUIRE(WaitFor([&] { return receiver.Posts().size() >= 2; }, std::chrono::seconds(20)));
  // The batch in hand: what the receiver keeps refusing.
  const json refused = json::parse(receiver.Posts().back().body);
  const std::string skip_to = refused["cursor"];
  auto acked = f.client->Post(kSubscriptions + "/relay:ack", json{{"sequence", skip_to}}.dump());
  INFO(acked.body);
  REQUIRE(acked.status == 200);
  receiver.SetFailAll(false);
  WriteEntries(*f.client, "after-", 2);
  REQUIRE(WaitFor([&] { return f.client->Get(kSubscriptions + "/relay").Json()["cursor"] == "7"; },
                  std::chrono::seconds(20)));
  // Nothing at or before the acknowledged cursor was delivered after the ack; the rest was.
  std::vector<uint64_t> expected;
  for (uint64_t s = std::stoull(skip_to) + 1; s <= 7; ++s) expected.push_back(s);
  CHECK(DeliveredSequences(receiver) == expected);
  // The skipped batch's failures are over: the state says so, and so does the gauge.
  const json state = f.client->Get(kSubscriptions + "/relay").Json()["delivery"];
  INFO(state.dump());
  CHECK(state["state"] == "waiting");
  CHECK(state["consecutiveFailures"] == 0);
  CHECK(Metric(f.client->Get("/metrics").body, "strongbox_webhook_subscriptions_retrying") == 0);
}

TEST_CASE("webhooks: nothing is posted for a subscription after its DELETE answered",
          "[integration]") {
  WebhookReceiver receiver;
  // A slow scan: the worker is still there after the DELETE, in its long poll.
  std::vector<std::string> flags = WebhookFlags();
  auto scan = std::find(flags.begin(), flags.end(), "--webhook-scan-interval-ms");
  REQUIRE(scan != flags.end());
  *(scan + 1) = "3000";
  ServerFixture f(flags);
  CreateHook(*f.client, "relay", receiver.Url());
  WriteEntries(*f.client, "a", 1);
  REQUIRE(
      WaitFor([&] { return DeliveredSequences(receiver).size() == 1; }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // back in its long poll
  REQUIRE(f.client->Delete(kSubscriptions + "/relay").status == 200);
  WriteEntries(*f.client, "b", 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(receiver.Posts().size() == 1);
}

TEST_CASE("webhooks: a receiver that closes idle keep-alive connections costs no failed attempt",
          "[integration]") {
  WebhookReceiver receiver;
  receiver.SetKeepAlive(std::chrono::milliseconds(100));
  ServerFixture f(WebhookFlags());
  CreateHook(*f.client, "relay", receiver.Url());
  for (int i = 0; i < 4; ++i) {
    WriteEntries(*f.client, "k" + std::to_string(i) + "-", 1);
    REQUIRE(WaitFor([&] { return DeliveredSequences(receiver).size() == size_t(i + 1); },
                    std::chrono::seconds(20)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the receiver closes it
  }
  CHECK(receiver.Posts().size() == 4);
  const json state = f.client->Get(kSubscriptions + "/relay").Json()["delivery"];
  INFO(state.dump());
  CHECK(state["failedAttempts"] == "0");
}

TEST_CASE("webhooks: a stray answer on a kept connection is not taken for the next one",
          "[integration]") {
  WebhookReceiver receiver;
  receiver.SetKeepAlive(std::chrono::milliseconds(5000));
  receiver.SetDoubleAnswer(true);
  // Retries at least 300 ms apart: the stray answer (20 ms after each) is on the wire before the
  // next request takes the connection. (One that comes later, once that request is sent, cannot be
  // told from its answer in HTTP/1.1: a receiver that answers twice is out of contract.)
  std::vector<std::string> flags = WebhookFlags();
  auto initial = std::find(flags.begin(), flags.end(), "--webhook-retry-initial-ms");
  auto max = std::find(flags.begin(), flags.end(), "--webhook-retry-max-ms");
  REQUIRE((initial != flags.end() && max != flags.end()));
  *(initial + 1) = "600";
  *(max + 1) = "600";
  ServerFixture f(flags);
  CreateHook(*f.client, "relay", receiver.Url());
  WriteEntries(*f.client, "a", 1);
  REQUIRE(
      WaitFor([&] { return DeliveredSequences(receiver).size() == 1; }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the stray 200 has arrived
  receiver.SetFailAll(true);
  WriteEntries(*f.client, "b", 1);
  // The receiver refuses the second batch: it is not delivered, whatever was on the wire.
  REQUIRE(WaitFor([&] { return receiver.Posts().size() >= 3; }, std::chrono::seconds(20)));
  CHECK(f.client->Get(kSubscriptions + "/relay").Json()["cursor"] == "1");
  receiver.SetFailAll(false);
  REQUIRE(WaitFor([&] { return f.client->Get(kSubscriptions + "/relay").Json()["cursor"] == "2"; },
                  std::chrono::seconds(20)));
  CHECK(DeliveredSequences(receiver) == std::vector<uint64_t>{1, 2});
}

TEST_CASE("webhooks: a long 2xx answer body is a delivery, not a failure", "[integration]") {
  WebhookReceiver receiver;
  receiver.SetAnswerBytes(200 * 1024);  // past the client's 64 KiB answer limit
  ServerFixture f(WebhookFlags());
  CreateHook(*f.client, "relay", receiver.Url());
  WriteEntries(*f.client, "x", 3);
  REQUIRE(WaitFor([&] { return f.client->Get(kSubscriptions + "/relay").Json()["cursor"] == "3"; },
                  std::chrono::seconds(20)));
  CHECK(DeliveredSequences(receiver) == std::vector<uint64_t>{1, 2, 3});
  const json state = f.client->Get(kSubscriptions + "/relay").Json()["delivery"];
  INFO(state.dump());
  CHECK(state["failedAttempts"] == "0");
}

TEST_CASE("webhooks: a receiver on an IPv6 literal gets its batches", "[integration]") {
  std::unique_ptr<WebhookReceiver> receiver;
  try {
    receiver = std::make_unique<WebhookReceiver>(0, "::1");
  } catch (const std::exception& e) {
    WARN("no IPv6 loopback here (" << e.what() << "): skipped");
    return;
  }
  ServerFixture f(WebhookFlags("[::1]"));
  CHECK(receiver->Url().rfind("http://[::1]:", 0) == 0);
  CreateHook(*f.client, "v6", receiver->Url());
  WriteEntries(*f.client, "x", 2);
  REQUIRE(
      WaitFor([&] { return DeliveredSequences(*receiver).size() >= 2; }, std::chrono::seconds(20)));
  const ReceivedPost first = receiver->Accepted().front();
  CHECK(first.headers.at("host") == "[::1]:" + std::to_string(receiver->port()));
}

TEST_CASE("webhooks: '*' reaches no private address, written or resolved", "[integration]") {
  WebhookReceiver receiver;
  ServerFixture f(WebhookFlags("*"));
  const std::string port = std::to_string(receiver.port());
  // An address in the URL is judged at create...
  for (const std::string& url : {receiver.Url(), std::string("http://169.254.169.254/latest/"),
                                 std::string("http://[::1]:") + port + "/"}) {
    auto r = f.client->Post(kSubscriptions, json{{"id", "s"}, {"deliveryUrl", url}}.dump());
    INFO(url << " " << r.body);
    CHECK(r.status == 400);
    CHECK(r.body.find("special-purpose") != std::string::npos);
  }
  // ... a name by what it resolves to, before every connection: nothing reaches the receiver.
  CreateHook(*f.client, "by-name", "http://localhost:" + port + "/hook");
  WriteEntries(*f.client, "a", 2);
  json state;
  REQUIRE(WaitFor(
      [&] {
        state = f.client->Get(kSubscriptions + "/by-name").Json()["delivery"];
        return state.contains("lastError") &&
               state["lastError"].get<std::string>().find("resolves to") != std::string::npos;
      },
      std::chrono::seconds(10)));
  INFO(state.dump());
  // A resolved address may change, so the refusal is retried (not notAllowed); the poll may land
  // while the next attempt is under way, which reports "delivering".
  CHECK((state["state"] == "retrying" || state["state"] == "delivering"));
  CHECK(std::stoll(state["failedAttempts"].get<std::string>()) >= 1);
  CHECK(state["lastError"].get<std::string>().find("webhook_allowed_hosts") != std::string::npos);
  CHECK(receiver.Posts().empty());
  CHECK(f.client->Get(kSubscriptions + "/by-name").Json()["cursor"] == "0");
}

TEST_CASE("webhooks: a host taken off the allow-list is no longer called", "[integration]") {
  WebhookReceiver receiver;
  ServerFixture f(WebhookFlags());
  CreateHook(*f.client, "relay", receiver.Url());
  WriteEntries(*f.client, "a", 1);
  REQUIRE(
      WaitFor([&] { return DeliveredSequences(receiver).size() == 1; }, std::chrono::seconds(20)));
  REQUIRE(f.server.Stop() == 0);
  // The operator narrows the list and restarts: the stored subscription is judged again.
  std::vector<std::string> flags = WebhookFlags("10.11.12.13");
  ServerProcess narrowed(f.dir.path(), f.server.data_dir(), flags);
  narrowed.Start();
  HttpClient c(narrowed.port(), narrowed.admin_key());
  WriteEntries(c, "b", 2);
  json state;
  REQUIRE(WaitFor(
      [&] {
        state = c.Get(kSubscriptions + "/relay").Json()["delivery"];
        return state["state"] == "notAllowed";
      },
      std::chrono::seconds(10)));
  INFO(state.dump());
  CHECK(state["lastError"].get<std::string>().find("webhook_allowed_hosts") != std::string::npos);
  CHECK(Metric(c.Get("/metrics").body, "strongbox_webhook_subscriptions_stalled") == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(receiver.Posts().size() == 1);
  CHECK(c.Get(kSubscriptions + "/relay").Json()["cursor"] == "1");
}

TEST_CASE("webhooks: a subscription waiting for a delivery slot shows queued", "[integration]") {
  // A receiver that takes the connection (the kernel's backlog) and never answers holds the
  // node's only slot until webhook_timeout_ms: the other subscription, with a batch in hand,
  // must read "queued", not "waiting" (caught up).
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(silent >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(silent, 8) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const std::string silent_url =
      "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/hook";
  WebhookReceiver receiver;
  std::vector<std::string> flags = WebhookFlags();
  for (const char* extra : {"--webhook-max-concurrency", "1", "--webhook-timeout-ms", "4000"}) {
    flags.emplace_back(extra);
  }
  ServerFixture f(flags);
  auto& c = *f.client;
  CreateHook(c, "silent", silent_url);
  WriteEntries(c, "a", 1);
  // The silent receiver's POST goes first and holds the slot; then the second subscription.
  REQUIRE(WaitFor(
      [&] { return c.Get(kSubscriptions + "/silent").Json()["delivery"]["state"] == "delivering"; },
      std::chrono::seconds(5)));
  CreateHook(c, "queued", receiver.Url(), "");
  WriteEntries(c, "b", 1);  // a subscription starts at `latest`: this is its first batch
  const bool queued = WaitFor(
      [&] { return c.Get(kSubscriptions + "/queued").Json()["delivery"]["state"] == "queued"; },
      std::chrono::seconds(3));
  CHECK(queued);
  // Once the silent one times out, the slot passes and the queued batch is delivered.
  CHECK(WaitFor([&] { return !receiver.Accepted().empty(); }, std::chrono::seconds(10)));
  ::close(silent);
}

}  // namespace
}  // namespace strongbox::testing
