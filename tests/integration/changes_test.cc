// The change feed (api.md §11) over real HTTP: every write exactly once and in order, the
// writer, long poll, retention, the event stream, a restart, and the log switched off.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/time_format.h"
#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kChanges = "/cloud/v2/universes/42/changes";

json ReadChanges(HttpClient& c, const std::string& query = "") {
  auto r = c.Get(kChanges + query);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json();
}

// Every change after `start_after`, page by page.
std::vector<json> ReadAll(HttpClient& c, const std::string& start_after = "0") {
  std::vector<json> out;
  std::string cursor = start_after;
  for (;;) {
    json page = ReadChanges(c, "?maxPageSize=500&startAfter=" + cursor);
    for (const json& change : page["changes"]) out.push_back(change);
    if (page["nextPageToken"] == cursor) return out;
    cursor = page["nextPageToken"];
  }
}

TEST_CASE("changes: concurrent writers each appear exactly once in sequence order",
          "[integration]") {
  ServerFixture f;
  constexpr int kWriters = 16;
  constexpr int kWrites = 20;
  std::vector<std::future<int>> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.push_back(std::async(std::launch::async, [&f, w] {
      auto c = f.NewClient();
      int ok = 0;
      for (int i = 0; i < kWrites; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto r = c->Send("POST", kEntries + "/" + id + ":increment", R"({"amount":1})",
                         {{"Strongbox-Writer", "server " + std::to_string(w)}});
        ok += r.status == 200;
      }
      return ok;
    }));
  }
  int written = 0;
  for (auto& w : writers) written += w.get();
  REQUIRE(written == kWriters * kWrites);
  std::vector<json> changes = ReadAll(*f.client);
  REQUIRE(changes.size() == kWriters * kWrites);
  std::set<std::string> paths;
  for (size_t i = 0; i < changes.size(); ++i) {
    const json& c = changes[i];
    INFO(c.dump());
    CHECK(c["sequence"] == std::to_string(i + 1));  // no gap, no repeat
    CHECK(c["kind"] == "entry");
    CHECK(c["operation"] == "create");
    CHECK(c["revisionId"].is_string());
    CHECK(c["writer"]["apiKeyId"] == "admin");
    CHECK(c["writer"]["label"].get<std::string>().rfind("server ", 0) == 0);
    paths.insert(c["path"]);
  }
  CHECK(paths.size() == kWriters * kWrites);
  CHECK(paths.count("universes/42/data-stores/Inventory/scopes/global/entries/w3-7") == 1);
  // An update of a live entry is an "increment"; its revision is the entry's.
  auto again = f.client->Post(kEntries + "/w3-7:increment", R"({"amount":1})");
  REQUIRE(again.status == 200);
  json last = ReadChanges(*f.client, "?startAfter=" + std::to_string(kWriters * kWrites));
  REQUIRE(last["changes"].size() == 1);
  CHECK(last["changes"][0]["operation"] == "increment");
  CHECK(last["changes"][0]["revisionId"] == again.Json()["revisionId"]);
  CHECK(last["changes"][0]["writer"].count("label") == 0);
}

TEST_CASE("changes: every kind of write is recorded with its own path and operation",
          "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  REQUIRE(c.Post(kEntries + "?id=hero", R"({"value":1})").status == 200);
  // A write that fails inside its commit (an etag mismatch) records nothing.
  REQUIRE(c.Delete(kEntries + "/hero?etag=nope").status == 409);
  REQUIRE(c.Delete(kEntries + "/hero").status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/ordered-data-stores/Board/scopes/global/entries?id=p1",
                 R"({"value":5})")
              .status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/memory-store/sorted-maps/lobby/items?id=s1",
                 R"({"value":"x","ttl":"60s"})")
              .status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/memory-store/hash-maps/tickets/items?id=t1",
                 R"({"value":"x","ttl":"60s"})")
              .status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/memory-store/queues/jobs/items:add",
                 R"({"data":"x","ttl":"60s"})")
              .status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/session-locks/p7:acquire",
                 R"({"owner":"server-a","ttl":"60s"})")
              .status == 200);
  std::vector<json> changes = ReadAll(c);
  REQUIRE(changes.size() == 7);
  auto is = [&](size_t i, const char* kind, const char* operation, const std::string& path) {
    INFO(changes[i].dump());
    CHECK(changes[i]["kind"] == kind);
    CHECK(changes[i]["operation"] == operation);
    CHECK(changes[i]["path"] == path);
  };
  is(0, "entry", "create", "universes/42/data-stores/Inventory/scopes/global/entries/hero");
  is(1, "entry", "delete", "universes/42/data-stores/Inventory/scopes/global/entries/hero");
  is(2, "orderedEntry", "create",
     "universes/42/ordered-data-stores/Board/scopes/global/entries/p1");
  is(3, "sortedMapItem", "create", "cloud/v2/universes/42/memory-store/sorted-maps/lobby/items/s1");
  CHECK(changes[3]["etag"].is_string());
  is(4, "hashMapItem", "create", "cloud/v2/universes/42/memory-store/hash-maps/tickets/items/t1");
  CHECK(changes[5]["kind"] == "queueItem");
  CHECK(changes[5]["operation"] == "add");
  is(6, "sessionLock", "acquire", "universes/42/session-locks/p7");
  CHECK(changes[6]["fencingToken"] == "1");
  // Filters: by kind and by container.
  json entries = ReadChanges(c, "?filter=" + std::string("kind%20%3D%3D%20%22entry%22"));
  CHECK(entries["changes"].size() == 2);
  CHECK(entries["nextPageToken"] == "7");
  json lobby = ReadChanges(c, "?filter=dataStore%3D%3D%22lobby%22");
  REQUIRE(lobby["changes"].size() == 1);
  CHECK(lobby["changes"][0]["sequence"] == "4");
  CHECK(c.Get(kChanges + "?filter=colour%3D%3D%22red%22").status == 400);
  // A transaction: one record per operation, sharing the first one's sequence as its id.
  json commit = {
      {"operations",
       {{{"entry", {{"dataStore", "Inventory"}, {"id", "t1"}}}, {"create", {{"value", 1}}}},
        {{"entry", {{"dataStore", "Inventory"}, {"id", "t2"}}}, {"create", {{"value", 2}}}}}}};
  auto committed = c.Post("/cloud/v2/universes/42:commit", commit.dump());
  INFO(committed.body);
  REQUIRE(committed.status == 200);
  json transaction = ReadChanges(c, "?startAfter=7");
  REQUIRE(transaction["changes"].size() == 2);
  CHECK(transaction["changes"][0]["transactionId"] == "8");
  CHECK(transaction["changes"][1]["transactionId"] == "8");
  CHECK(transaction["changes"][1]["path"] ==
        "universes/42/data-stores/Inventory/scopes/global/entries/t2");
  // Another universe has a log of its own.
  auto other = c.Get("/cloud/v2/universes/43/changes");
  REQUIRE(other.status == 200);
  CHECK(other.Json()["changes"].empty());
}

TEST_CASE("changes: the Strongbox-Writer header is validated", "[integration]") {
  ServerFixture f;
  auto bad = f.client->Send("POST", kEntries + "/a:increment", R"({"amount":1})",
                            {{"Strongbox-Writer", std::string(129, 'x')}});
  CHECK(bad.status == 400);
  CHECK(bad.body.find("Strongbox-Writer") != std::string::npos);
  auto control = f.client->Send("POST", kEntries + "/a:increment", R"({"amount":1})",
                                {{"Strongbox-Writer", "tab\there"}});
  CHECK(control.status == 400);
  // Nothing was written.
  CHECK(f.client->Get(kEntries + "/a").status == 404);
  CHECK(ReadChanges(*f.client)["changes"].empty());
}

TEST_CASE("changes: a long poll is answered by the next write", "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kEntries + "/a:increment", R"({"amount":1})").status == 200);
  // "latest": only what commits from now on.
  auto waiting = std::async(std::launch::async, [&f] {
    auto c = f.NewClient();
    return c->Get(kChanges + "?startAfter=latest&waitTime=20s");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(waiting.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  REQUIRE(f.client->Post(kEntries + "/b:increment", R"({"amount":1})").status == 200);
  REQUIRE(waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto r = waiting.get();
  REQUIRE(r.status == 200);
  json page = r.Json();
  REQUIRE(page["changes"].size() == 1);
  CHECK(page["changes"][0]["sequence"] == "2");
  CHECK(page["nextPageToken"] == "2");
  // waitTime past the limit, a cursor past the end, a malformed cursor.
  CHECK(f.client->Get(kChanges + "?waitTime=3600s").status == 400);
  CHECK(f.client->Get(kChanges + "?startAfter=3").status == 400);
  CHECK(f.client->Get(kChanges + "?startAfter=-1").status == 400);
  CHECK(f.client->Get(kChanges + "?startAfter=abc").status == 400);
  CHECK(f.client->Get(kChanges + "?startTime=yesterday").status == 400);
  auto huge = f.client->Get(kChanges + "?startAfter=18446744073709551615");
  CHECK(huge.status == 400);
  CHECK(huge.Json()["code"] == "INVALID_ARGUMENT");
  CHECK(f.client->Get(kChanges + "?startAfter=1&pageToken=2").status == 400);
  // A window in the past holds nothing; one around now holds both writes.
  json old = ReadChanges(*f.client, "?startAfter=0&endTime=2000-01-01T00:00:00Z");
  CHECK(old["changes"].empty());
  CHECK(old["nextPageToken"] == "2");
  CHECK(ReadChanges(*f.client, "?startAfter=0&startTime=2000-01-01T00:00:00Z")["changes"].size() ==
        2);
}

TEST_CASE("changes: a cursor older than retention gets CHANGES_EXPIRED, never a gap",
          "[integration]") {
  ServerFixture f({"--changes-retention-count", "5", "--changes-prune-interval-ms", "20"});
  for (int i = 0; i < 12; ++i) {
    REQUIRE(f.client->Post(kEntries + "/k" + std::to_string(i) + ":increment", R"({"amount":1})")
                .status == 200);
  }
  json page;
  REQUIRE(WaitFor(
      [&] {
        auto r = f.client->Get(kChanges);
        page = r.Json();
        return r.status == 200 && page["changes"].size() == 5;
      },
      std::chrono::seconds(10)));
  CHECK(page["changes"][0]["sequence"] == "8");
  auto expired = f.client->Get(kChanges + "?startAfter=3");
  INFO(expired.body);
  REQUIRE(expired.status == 400);
  json error = expired.Json();
  CHECK(error["details"][0]["reason"] == "CHANGES_EXPIRED");
  CHECK(f.client->Get(kChanges + "?startAfter=7").status == 200);
}

TEST_CASE("changes: the log and a reader's cursor survive a restart", "[integration]") {
  ServerFixture f;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f.client->Post(kEntries + "/k" + std::to_string(i) + ":increment", R"({"amount":1})")
                .status == 200);
  }
  json page = ReadChanges(*f.client, "?maxPageSize=2");
  REQUIRE(page["changes"].size() == 2);
  const std::string cursor = page["nextPageToken"];
  REQUIRE(f.Restart() == 0);
  REQUIRE(f.client->Post(kEntries + "/k9:increment", R"({"amount":1})").status == 200);
  json rest = ReadChanges(*f.client, "?pageToken=" + cursor);
  REQUIRE(rest["changes"].size() == 2);
  CHECK(rest["changes"][0]["sequence"] == "3");
  CHECK(rest["changes"][1]["sequence"] == "4");
}

TEST_CASE("changes: the same reads as Server-Sent Events", "[integration]") {
  ServerFixture f;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f.client->Post(kEntries + "/k" + std::to_string(i) + ":increment", R"({"amount":1})")
                .status == 200);
  }
  auto r = f.client->Send("GET", kChanges, "", {{"Accept", "text/event-stream"}});
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-type").rfind("text/event-stream", 0) == 0);
  CHECK(r.body.find("id: 1\ndata: {") != std::string::npos);
  CHECK(r.body.find("id: 3\ndata: {") != std::string::npos);
  // Last-Event-ID resumes after the last event the browser saw, whatever the URL began with.
  auto resumed = f.client->Send("GET", kChanges + "?startAfter=0", "",
                                {{"Accept", "text/event-stream"}, {"Last-Event-ID", "2"}});
  REQUIRE(resumed.status == 200);
  CHECK(resumed.body.find("id: 2\n") == std::string::npos);
  CHECK(resumed.body.find("id: 3\ndata: {") != std::string::npos);
  // A client that also takes JSON gets JSON.
  auto json_too = f.client->Send("GET", kChanges, "",
                                 {{"Accept", "application/json, text/event-stream;q=0.1"}});
  CHECK(json_too.Json()["changes"].size() == 3);
  auto filtered = f.client->Send("GET", kChanges + "?waitTime=0s&filter=id.startsWith(%22zz%22)",
                                 "", {{"Accept", "text/event-stream"}});
  REQUIRE(filtered.status == 200);
  CHECK(filtered.body.find("data:") == std::string::npos);
  CHECK(filtered.body.find("id: 3\n\n") != std::string::npos);
}

TEST_CASE("changes: a key needs changes:read on the universe", "[integration]") {
  ServerFixture f;
  auto make = [&f](const std::string& scope) {
    json body = {{"name", "feed"},
                 {"scopes", json::array({{{"universe", "42"}, {"scope", scope}}})}};
    auto r = f.client->Post("/admin/v1/api-keys", body.dump());
    REQUIRE(r.status == 200);
    return HttpClient(f.server.port(), r.Json()["secret"]);
  };
  HttpClient reader = make("changes:read");
  CHECK(reader.Get(kChanges).status == 200);
  CHECK(reader.Get("/cloud/v2/universes/43/changes").status == 403);
  HttpClient objects = make("universe-datastores.objects:read");
  CHECK(objects.Get(kChanges).status == 403);
  // Subscriptions: reading needs changes:read, creating and acknowledging changes:subscribe.
  const std::string subs = "/cloud/v2/universes/42/subscriptions";
  CHECK(reader.Post(subs, R"({"id":"s"})").status == 403);
  HttpClient subscriber = make("changes:subscribe");
  CHECK(subscriber.Post(subs, R"({"id":"s"})").status == 200);
  CHECK(subscriber.Post(subs + "/s:ack", R"({"sequence":"latest"})").status == 200);
  CHECK(subscriber.Get(subs + "/s:read").status == 403);
  CHECK(reader.Get(subs + "/s:read").status == 200);
}

TEST_CASE("changes: a subscription resumes after a restart where it acknowledged",
          "[integration]") {
  ServerFixture f;
  const std::string subs = "/cloud/v2/universes/42/subscriptions";
  REQUIRE(f.client->Post(kEntries + "/old:increment", R"({"amount":1})").status == 200);
  auto created = f.client->Post(
      subs,
      json{{"id", "gift-relay"}, {"filter", R"(dataStore == "Inventory" && id.startsWith("gift"))"}}
          .dump());
  INFO(created.body);
  REQUIRE(created.status == 200);
  CHECK(created.Json()["cursor"] == "1");  // from the end of the log at creation
  CHECK(created.Json()["path"] == "universes/42/subscriptions/gift-relay");
  CHECK(f.client->Post(subs, R"({"id":"gift-relay"})").status == 409);
  // The id in the query and in the body must agree; nothing is created when they do not.
  auto mismatch = f.client->Post(subs + "?id=q2", R"({"id":"q3"})");
  CHECK(mismatch.status == 400);
  CHECK(mismatch.body.find("differ") != std::string::npos);
  CHECK(f.client->Get(subs + "/q3").status == 404);
  CHECK(f.client->Get(subs + "/q2").status == 404);
  REQUIRE(f.client->Post(subs + "?id=q4", R"({"id":"q4"})").status == 200);
  REQUIRE(f.client->Post(subs + "?id=q5", "{}").status == 200);
  REQUIRE(f.client->Delete(subs + "/q4").status == 200);
  REQUIRE(f.client->Delete(subs + "/q5").status == 200);
  CHECK(f.client->Post(subs, R"({"id":"x","filter":"nope"})").status == 400);
  CHECK(f.client->Post(subs, R"({"id":"x","deliveryUrl":"http://127.0.0.1:9/"})").status == 400);

  for (const char* id : {"gift-1", "other", "gift-2"}) {
    REQUIRE(f.client->Post(kEntries + "/" + id + ":increment", R"({"amount":1})").status == 200);
  }
  auto read = f.client->Get(subs + "/gift-relay:read?maxPageSize=1");
  REQUIRE(read.status == 200);
  json page = read.Json();
  REQUIRE(page["changes"].size() == 1);
  CHECK(page["changes"][0]["sequence"] == "2");
  auto ack = f.client->Post(subs + "/gift-relay:ack", R"({"sequence":"2"})");
  REQUIRE(ack.status == 200);
  CHECK(ack.Json()["cursor"] == "2");
  // The same ack again (a retry) changes nothing.
  CHECK(f.client->Post(subs + "/gift-relay:ack", R"({"sequence":"2"})").Json()["cursor"] == "2");
  // A number in any whole spelling is the same sequence (api.md §1 "Numbers").
  for (const char* spelling : {"2", "2.0", "2e0"}) {
    auto r =
        f.client->Post(subs + "/gift-relay:ack", std::string("{\"sequence\":") + spelling + "}");
    INFO(spelling << " " << r.body);
    CHECK(r.Json()["cursor"] == "2");
  }
  CHECK(f.client->Post(subs + "/gift-relay:ack", R"({"sequence":2.5})").status == 400);
  CHECK(f.client->Post(subs + "/gift-relay:ack", R"({"sequence":-1})").status == 400);
  CHECK(f.client->Post(subs + "/gift-relay:ack", R"({"sequence":"99"})").status == 400);

  REQUIRE(f.Restart() == 0);
  page = f.client->Get(subs + "/gift-relay:read").Json();
  REQUIRE(page["changes"].size() == 1);
  CHECK(page["changes"][0]["sequence"] == "4");
  CHECK(page["nextPageToken"] == "4");
  // Acknowledging the token skips what the filter left out too; a waiting read is woken.
  REQUIRE(f.client->Post(subs + "/gift-relay:ack", R"({"sequence":"4"})").status == 200);
  auto waiting = std::async(std::launch::async, [&f, subs] {
    return f.NewClient()->Get(subs + "/gift-relay:read?waitTime=20s");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(f.client->Post(kEntries + "/gift-3:increment", R"({"amount":1})").status == 200);
  REQUIRE(waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  json woken = waiting.get().Json();
  REQUIRE(woken["changes"].size() == 1);
  CHECK(woken["changes"][0]["sequence"] == "5");

  json listed = f.client->Get(subs).Json();
  REQUIRE(listed["subscriptions"].size() == 1);
  CHECK(listed["subscriptions"][0]["id"] == "gift-relay");
  CHECK(f.client->Delete(subs + "/gift-relay").status == 200);
  CHECK(f.client->Get(subs + "/gift-relay").status == 404);
  CHECK(f.client->Get(subs + "/gift-relay:read").status == 404);
}

TEST_CASE("mailbox: a gift is sent once, seen by the holder and applied exactly once",
          "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  const std::string p7 = kEntries + "/p7";
  CHECK(c.Post(p7 + ":sendMessage", R"({"message":{"gold":50}})").status == 404);
  REQUIRE(c.Post(kEntries + "?id=p7", R"({"value":{"gold":10}})").status == 200);
  // The web shop retries its send: the Idempotency-Key makes it one message.
  auto sent = c.Send("POST", p7 + ":sendMessage", R"({"message":{"gold":50,"from":"shop"}})",
                     {{"Idempotency-Key", "order-991"}, {"Strongbox-Writer", "web-shop"}});
  INFO(sent.body);
  REQUIRE(sent.status == 200);
  const std::string id = sent.Json()["messageId"];
  auto retried = c.Send("POST", p7 + ":sendMessage", R"({"message":{"gold":50,"from":"shop"}})",
                        {{"Idempotency-Key", "order-991"}, {"Strongbox-Writer", "web-shop"}});
  CHECK(retried.Json()["messageId"] == id);
  CHECK(c.Post(p7 + ":sendMessage", "{}").status == 400);
  // Only a patch consumes: a plain update naming messages is refused, not silently ignored.
  CHECK(c.Patch(p7, json{{"value", {{"gold", 10}}}, {"consumeMessages", {id}}}.dump()).status ==
        400);
  // The holder's next read shows the mail; it lists it and applies it in one write.
  json entry = c.Get(p7).Json();
  CHECK(entry["pendingMessages"] == 1);
  json listed = c.Get(p7 + ":listMessages").Json();
  REQUIRE(listed["messages"].size() == 1);
  CHECK(listed["messages"][0]["messageId"] == id);
  CHECK(listed["messages"][0]["message"] == json{{"gold", 50}, {"from", "shop"}});
  const std::string apply = json{
      {"operations", {{{"op", "increment"}, {"path", "/gold"}, {"value", 50}}}},
      {"consumeMessages", {id}}}.dump();
  auto applied = c.Post(p7 + ":patch", apply);
  INFO(applied.body);
  REQUIRE(applied.status == 200);
  CHECK(applied.Json()["value"]["gold"] == 60);
  CHECK(applied.Json().count("pendingMessages") == 0);
  // Another server with a stale copy tries the same gift: refused whole, nothing added.
  auto twice = c.Post(p7 + ":patch", apply);
  CHECK(twice.status == 412);
  CHECK(twice.Json()["details"][0]["reason"] == "MESSAGE_NOT_FOUND");
  CHECK(c.Get(p7).Json()["value"]["gold"] == 60);
  // A transaction consumes the same way.
  const std::string second =
      c.Post(p7 + ":sendMessage", R"({"message":"friend request"})").Json()["messageId"];
  json commit = {{"operations",
                  {{{"entry", {{"dataStore", "Inventory"}, {"id", "p7"}}},
                    {"patch", {{{"op", "add"}, {"path", "/friends"}, {"value", 1}}}},
                    {"consumeMessages", {second}}}}}};
  auto committed = c.Post("/cloud/v2/universes/42:commit", commit.dump());
  INFO(committed.body);
  REQUIRE(committed.status == 200);
  CHECK(c.Get(p7 + ":listMessages").Json()["messages"].empty());
  CHECK(c.Post("/cloud/v2/universes/42:commit", commit.dump()).status == 412);
  // The feed shows the send with its message id and writer.
  std::vector<json> changes = ReadAll(c);
  bool seen = false;
  for (const json& change : changes) {
    if (change["operation"] == "sendMessage" && change["messageId"] == id) {
      seen = true;
      CHECK(change["writer"]["label"] == "web-shop");
    }
  }
  CHECK(seen);
  // An erasure takes the mailbox with the entry.
  REQUIRE(c.Post(kEntries + "?id=p8", R"({"value":{},"users":["users/88"]})").status == 200);
  REQUIRE(c.Post(kEntries + "/p8:sendMessage", R"({"message":"private"})").status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/data-stores:eraseUser", R"({"user":"users/88"})").status ==
          200);
  CHECK(c.Get(kEntries + "/p8:listMessages").Json()["messages"].empty());
  // Erased whole, the count of ids issued too (keyed by the entry's name, often the user's id):
  // made again, its messages start from 1.
  REQUIRE(c.Post(kEntries + "?id=p8", R"({"value":{}})").status == 200);
  auto after = c.Post(kEntries + "/p8:sendMessage", R"({"message":"new"})");
  REQUIRE(after.status == 200);
  CHECK(after.Json()["messageId"] == "1");
  CHECK(c.Get(kEntries + "/p8").Json()["pendingMessages"] == 1);
  // Nor do an increment or a restore: each would leave the gift to be applied again.
  const std::string first =
      c.Post(kEntries + "?id=n7", "{\"value\":1}").Json()["revisionId"].get<std::string>();
  REQUIRE(c.Post(kEntries + "/n7:sendMessage", R"({"message":"x"})").status == 200);
  CHECK(c.Post(kEntries + "/n7:increment", R"({"amount":5,"consumeMessages":["1"]})").status ==
        400);
  CHECK(c.Post(kEntries + "/n7:restoreRevision",
               json{{"revisionId", first}, {"consumeMessages", {"1"}}}.dump())
            .status == 400);
  CHECK(c.Get(kEntries + "/n7").Json()["value"] == 1);
  CHECK(c.Get(kEntries + "/n7").Json()["pendingMessages"] == 1);
}

TEST_CASE("changes: writes made while the log was off are a gap readers are told of",
          "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kEntries + "/a:increment", R"({"amount":1})").status == 200);
  REQUIRE(f.client->Post("/cloud/v2/universes/42/subscriptions", R"({"id":"s"})").status == 200);
  // Universe 43 has a subscription and no record yet: its cursor is 0.
  const std::string entries43 = "/cloud/v2/universes/43/data-stores/Inventory/entries";
  REQUIRE(f.client->Post("/cloud/v2/universes/43/subscriptions", R"({"id":"s"})").status == 200);
  REQUIRE(f.server.Stop() == 0);
  {
    ServerProcess off(f.dir.path(), f.dir.Child("data"), {"--change-log", "off"});
    off.Start();
    HttpClient c(off.port(), off.admin_key());
    REQUIRE(c.Post(kEntries + "/b:increment", R"({"amount":1})").status == 200);
    REQUIRE(c.Post(entries43 + "/gift:increment", R"({"amount":1})").status == 200);
    REQUIRE(off.Stop() == 0);
  }
  f.server.Start();
  f.client = f.NewClient();
  const std::string back_on = core::FormatRfc3339(core::SystemClock().Now());
  REQUIRE(f.client->Post(kEntries + "/c:increment", R"({"amount":1})").status == 200);
  REQUIRE(f.client->Post(entries43 + "/after:increment", R"({"amount":1})").status == 200);
  // The subscription of universe 43 is told of the gift it never saw.
  auto told43 = f.client->Get("/cloud/v2/universes/43/subscriptions/s:read");
  INFO(told43.body);
  CHECK(told43.status == 400);
  CHECK(told43.Json()["details"][0]["reason"] == "CHANGES_EXPIRED");
  // A reader asking only for what came after the log was back missed nothing.
  json since = ReadChanges(*f.client, "?startAfter=0&startTime=" + back_on);
  REQUIRE(since["changes"].size() == 1);
  CHECK(since["changes"][0]["path"] ==
        "universes/42/data-stores/Inventory/scopes/global/entries/c");
  // What came before the gap reads as before; the next read is told.
  json before = ReadChanges(*f.client, "?startAfter=0");
  REQUIRE(before["changes"].size() == 1);
  CHECK(before["nextPageToken"] == "1");
  auto told = f.client->Get(kChanges + "?startAfter=1");
  INFO(told.body);
  CHECK(told.status == 400);
  CHECK(told.Json()["details"][0]["reason"] == "CHANGES_EXPIRED");
  auto subscription = f.client->Get("/cloud/v2/universes/42/subscriptions/s:read");
  CHECK(subscription.status == 400);
  // Past the gap the log reads on.
  json after = ReadChanges(*f.client, "?startAfter=2");
  REQUIRE(after["changes"].size() == 1);
  CHECK(after["changes"][0]["path"] ==
        "universes/42/data-stores/Inventory/scopes/global/entries/c");
}

TEST_CASE("changes: the default page follows a smaller configured maximum", "[integration]") {
  ServerFixture f({"--changes-max-page-size", "2"});
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f.client->Post(kEntries + "/k" + std::to_string(i) + ":increment", R"({"amount":1})")
                .status == 200);
  }
  CHECK(ReadChanges(*f.client)["changes"].size() == 2);
  CHECK(ReadChanges(*f.client, "?maxPageSize=50")["changes"].size() == 2);
}

TEST_CASE("changes: with the log off the feed says so", "[integration]") {
  ServerFixture f({"--change-log", "off"});
  REQUIRE(f.client->Post(kEntries + "/a:increment", R"({"amount":1})").status == 200);
  auto r = f.client->Get(kChanges);
  CHECK(r.status == 400);
  CHECK(r.Json()["details"][0]["reason"] == "CHANGE_LOG_OFF");
}

}  // namespace
}  // namespace strongbox::testing

namespace strongbox::testing {
namespace {

// A key with the entry scopes on universe 42; its id and a client that sends it.
std::pair<std::string, std::unique_ptr<HttpClient>> EntryKey(ServerFixture& f,
                                                             const std::string& name) {
  json scopes = json::array();
  for (const char* scope :
       {"universe-datastores.objects:create", "universe-datastores.objects:update",
        "universe-datastores.objects:delete", "universe-datastores.objects:read"}) {
    scopes.push_back({{"universe", "42"}, {"scope", scope}});
  }
  auto r = f.client->Post("/admin/v1/api-keys", json{{"name", name}, {"scopes", scopes}}.dump());
  REQUIRE(r.status == 200);
  return {r.Json()["id"], std::make_unique<HttpClient>(f.server.port(), r.Json()["secret"])};
}

TEST_CASE("undo: everything one key changed in a window goes back, conflicts are skipped",
          "[integration]") {
  ServerFixture f;
  auto [good_id, good] = EntryKey(f, "good-build");
  auto [bad_id, bad] = EntryKey(f, "bad-build");
  const std::string start = core::FormatRfc3339(core::SystemClock().Now());
  auto put = [&](HttpClient& c, const std::string& key, int gold) {
    auto r = c.Patch(kEntries + "/" + key + "?allowMissing=true",
                     json{{"value", {{"gold", gold}}}}.dump());
    INFO(r.body);
    REQUIRE(r.status == 200);
  };
  put(*good, "e1", 10);  // good's
  put(*bad, "e1", 0);    // bad wipes it
  put(*bad, "e2", 999);  // bad creates one
  put(*good, "e3", 30);
  put(*bad, "e3", 0);
  put(*good, "e3", 31);  // good wrote again after bad: a conflict
  put(*good, "e4", 40);
  REQUIRE(bad->Delete(kEntries + "/e4").status == 200);  // bad deletes good's
  put(*good, "e5", 50);                                  // bad never touched it
  const std::string end = core::FormatRfc3339(core::SystemClock().Now());
  const std::string revert = "/cloud/v2/universes/42/data-stores/Inventory:revertChanges";
  json request = {{"writer", bad_id}, {"startTime", start}, {"endTime", end}};

  // The dry run (the default) shows the plan and writes nothing.
  auto plan = f.client->Post(revert, request.dump());
  INFO(plan.body);
  REQUIRE(plan.status == 200);
  json p = plan.Json();
  CHECK(p["dryRun"] == true);
  CHECK(p["done"] == true);
  REQUIRE(p["reverted"].size() == 3);
  CHECK(p["reverted"][0]["action"] == "restore");  // e1, back to good's 10
  CHECK(p["reverted"][1]["action"] == "delete");   // e2, bad created it
  CHECK(p["reverted"][2]["action"] == "restore");  // e4, undeleted
  REQUIRE(p["conflicts"].size() == 1);
  CHECK(p["conflicts"][0]["reason"] == "CHANGED_SINCE");
  CHECK(p["conflicts"][0]["path"] == "universes/42/data-stores/Inventory/scopes/global/entries/e3");
  CHECK(f.client->Get(kEntries + "/e1").Json()["value"]["gold"] == 0);

  // Applied, a page of one entry at a time.
  request["dryRun"] = false;
  request["maxEntries"] = 1;
  std::string token;
  int calls = 0;
  for (;;) {
    auto r = f.client->Post(revert + (token.empty() ? "" : "?pageToken=" + token), request.dump());
    INFO(r.body);
    REQUIRE(r.status == 200);
    ++calls;
    if (r.Json()["done"] == true) break;
    token = r.Json()["nextPageToken"];
    REQUIRE(calls < 10);
  }
  CHECK(calls == 4);
  CHECK(f.client->Get(kEntries + "/e1").Json()["value"]["gold"] == 10);
  CHECK(f.client->Get(kEntries + "/e2").status == 404);
  CHECK(f.client->Get(kEntries + "/e3").Json()["value"]["gold"] == 31);  // skipped
  CHECK(f.client->Get(kEntries + "/e4").Json()["value"]["gold"] == 40);
  CHECK(f.client->Get(kEntries + "/e5").Json()["value"]["gold"] == 50);
  // The undo is itself a set of writes by the caller, so it can be undone the same way; run
  // again, it finds nothing left to do.
  request.erase("maxEntries");
  json again = f.client->Post(revert, request.dump()).Json();
  for (const json& item : again["reverted"]) CHECK(item["action"] == "none");
  // Forced, the conflict goes back to the revision before bad's first change there.
  request["force"] = true;
  json forced = f.client->Post(revert, request.dump()).Json();
  CHECK(forced["conflicts"].empty());
  CHECK(f.client->Get(kEntries + "/e3").Json()["value"]["gold"] == 30);
  // Bad input.
  CHECK(f.client->Post(revert, R"({"startTime":"2026-01-01T00:00:00Z"})").status == 400);
  CHECK(f.client
            ->Post(revert, json{{"writer", bad_id}, {"startTime", end}, {"endTime", start}}.dump())
            .status == 400);
  // Undoing needs the change feed's scope as well as the entry scopes.
  CHECK(good->Post(revert, request.dump()).status == 403);
}

TEST_CASE("undo: runs racing each other delete each entry once and answer 200", "[integration]") {
  ServerFixture f;
  auto [bad_id, bad] = EntryKey(f, "bad-build");
  const std::string start = core::FormatRfc3339(core::SystemClock().Now());
  constexpr int kEntriesMade = 200;
  for (int i = 0; i < kEntriesMade; ++i) {
    REQUIRE(bad->Post(kEntries + "?id=e" + std::to_string(i), R"({"value":1})").status == 200);
  }
  const json request = {{"writer", bad_id},
                        {"startTime", start},
                        {"endTime", core::FormatRfc3339(core::SystemClock().Now())},
                        {"dryRun", false},
                        {"maxEntries", 1000}};
  const std::string revert = "/cloud/v2/universes/42/data-stores/Inventory:revertChanges";
  std::vector<HttpResponse> answers(4);
  {
    std::vector<std::jthread> runs;
    for (size_t i = 0; i < answers.size(); ++i) {
      runs.emplace_back([&, i] { answers[i] = f.NewClient()->Post(revert, request.dump()); });
    }
  }
  // Each entry is deleted by exactly one run; the others see a conflict or nothing to do,
  // never a 404 that would hide the deletes they made.
  int deletes = 0;
  for (const auto& answer : answers) {
    INFO(answer.body);
    REQUIRE(answer.status == 200);
    const json page = answer.Json();  // named: a range over a temporary's member would dangle
    for (const json& item : page["reverted"]) deletes += item["action"] == "delete";
    for (const json& conflict : page["conflicts"]) {
      CHECK(conflict["reason"] == "CHANGED_SINCE");
    }
  }
  CHECK(deletes == kEntriesMade);
  CHECK(f.client->Get(kEntries + "/e0").status == 404);
  CHECK(f.client->Get(kEntries + "/e" + std::to_string(kEntriesMade - 1)).status == 404);
}

TEST_CASE("undo: an entry erased and made again since is ERASED, not a retention loss",
          "[integration]") {
  ServerFixture f;
  auto [bad_id, bad] = EntryKey(f, "bad-build");
  const std::string start = core::FormatRfc3339(core::SystemClock().Now());
  REQUIRE(f.client->Post(kEntries + "?id=p9", R"({"value":1,"users":["users/99"]})").status == 200);
  REQUIRE(bad->Patch(kEntries + "/p9", R"({"value":2,"users":["users/99"]})").status == 200);
  const std::string end = core::FormatRfc3339(core::SystemClock().Now());
  REQUIRE(f.client->Post("/cloud/v2/universes/42/data-stores:eraseUser", R"({"user":"users/99"})")
              .status == 200);
  // Made again, with one revision: the bad write's revision (2) is past its history.
  REQUIRE(f.client->Post(kEntries + "?id=p9", R"({"value":3})").status == 200);
  auto plan =
      f.client->Post("/cloud/v2/universes/42/data-stores/Inventory:revertChanges",
                     json{{"writer", bad_id}, {"startTime", start}, {"endTime", end}}.dump());
  INFO(plan.body);
  REQUIRE(plan.status == 200);
  const json page = plan.Json();
  REQUIRE(page["conflicts"].size() == 1);
  CHECK(page["conflicts"][0]["reason"] == "ERASED");
  CHECK(f.client->Get(kEntries + "/p9").Json()["value"] == 3);
}

TEST_CASE("undo: pages end when a scope holds a NUL byte", "[integration]") {
  ServerFixture f;
  auto [bad_id, bad] = EntryKey(f, "bad-build");
  const std::string start = core::FormatRfc3339(core::SystemClock().Now());
  const std::string store = "/cloud/v2/universes/42/data-stores/Inventory/scopes/";
  for (const char* entry : {"a/entries/x", "a%00b/entries/c", "a%00b/entries/d", "b/entries/y"}) {
    auto r = bad->Patch(store + entry + "?allowMissing=true", R"({"value":1})");
    INFO(entry << " " << r.body);
    REQUIRE(r.status == 200);
  }
  json request = {{"writer", bad_id},
                  {"startTime", start},
                  {"endTime", core::FormatRfc3339(core::SystemClock().Now())},
                  {"maxEntries", 1}};
  const std::string revert = "/cloud/v2/universes/42/data-stores/Inventory:revertChanges";
  std::set<std::string> seen;
  std::string token;
  int calls = 0;
  for (; calls < 10; ++calls) {
    auto r = f.client->Post(revert + (token.empty() ? "" : "?pageToken=" + token), request.dump());
    INFO(r.body);
    REQUIRE(r.status == 200);
    const json page = r.Json();
    for (const json& item : page["reverted"]) {
      CHECK(seen.insert(item["path"].get<std::string>()).second);
    }
    if (page["done"] == true) break;
    token = page["nextPageToken"];
  }
  CHECK(calls == 3);  // four entries, one per page, each once
  CHECK(seen.size() == 4);
}

}  // namespace
}  // namespace strongbox::testing
