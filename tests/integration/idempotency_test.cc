// Idempotency-Key over real HTTP: retries apply once, duplicates wait, records survive restarts.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

std::vector<std::pair<std::string, std::string>> Key(const std::string& k) {
  return {{"Idempotency-Key", k}};
}

TEST_CASE("an increment retried after a dropped connection is applied once", "[integration]") {
  ServerFixture f;
  const std::string body = R"({"amount":25})";
  // Send the request and hang up without reading the answer, as a client that timed out would.
  const std::string raw = "POST " + kEntries +
                          "/gold:increment HTTP/1.1\r\nHost: x\r\nIdempotency-Key: purchase-77\r\n"
                          "x-api-key: " +
                          f.server.admin_key() +
                          "\r\n"
                          "Content-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  RawExchange(f.server.port(), raw);
  // The retry: same key, same request.
  auto retry = f.client->Send("POST", kEntries + "/gold:increment", body, Key("purchase-77"));
  REQUIRE(retry.status == 200);
  CHECK(retry.Header("idempotent-replayed") == "true");
  CHECK(retry.Json()["value"] == 25);
  CHECK(f.client->Get(kEntries + "/gold").Json()["value"] == 25);
  // A new key is a new purchase.
  auto next = f.client->Send("POST", kEntries + "/gold:increment", body, Key("purchase-78"));
  CHECK(next.Json()["value"] == 50);
  CHECK(next.Header("idempotent-replayed").empty());
}

TEST_CASE("concurrent duplicates wait for the first and get its response", "[integration]") {
  ServerFixture f;
  constexpr int kClients = 12;
  std::atomic<int> replayed{0}, fresh{0}, other{0};
  std::vector<std::string> bodies(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client(f.server.port(), f.server.admin_key());
      auto r = client.Send("POST", kEntries + "/coins:increment", R"({"amount":1})",
                           Key("same-request"));
      if (r.status != 200) {
        ++other;
      } else if (r.Header("idempotent-replayed") == "true") {
        ++replayed;
      } else {
        ++fresh;
      }
      bodies[c] = r.body;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(other == 0);
  CHECK(fresh == 1);
  CHECK(replayed == kClients - 1);
  for (const auto& b : bodies) CHECK(b == bodies[0]);  // the very same response
  CHECK(f.client->Get(kEntries + "/coins").Json()["value"] == 1);
}

TEST_CASE("a reused key with another request is 409 KEY_REUSED and changes nothing",
          "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Send("POST", kEntries + "?id=k", R"({"value":1})", Key("k1")).status == 200);
  auto reused = f.client->Send("PATCH", kEntries + "/k", R"({"value":2})", Key("k1"));
  CHECK(reused.status == 409);
  CHECK(reused.Json()["details"][0]["reason"] == "KEY_REUSED");
  auto other_body = f.client->Send("POST", kEntries + "?id=k", R"({"value":3})", Key("k1"));
  CHECK(other_body.status == 409);
  CHECK(f.client->Get(kEntries + "/k").Json()["value"] == 1);
  // The same key in another universe is another key.
  CHECK(f.client
            ->Send("POST", "/cloud/v2/universes/43/data-stores/Inventory/entries?id=k",
                   R"({"value":1})", Key("k1"))
            .Header("idempotent-replayed")
            .empty());
  for (const std::string& bad : {std::string(129, 'x'), std::string("has space")}) {
    auto r = f.client->Send("POST", kEntries + "/n:increment", "{}", Key(bad));
    CHECK(r.status == 400);
  }
  CHECK(f.client->Get(kEntries + "/n").status == 404);
  // v1 carries an entry's users and attributes in headers: changing them is another request.
  const std::string set =
      "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry"
      "?datastoreName=D&entryKey=tagged";
  auto with_users = [](const std::string& users) {
    auto headers = Key("v1-set");
    headers.emplace_back("roblox-entry-userids", users);
    return headers;
  };
  REQUIRE(f.client->Send("POST", set, "1", with_users("[7]")).status == 200);
  auto other_users = f.client->Send("POST", set, "1", with_users("[8]"));
  CHECK(other_users.status == 409);
  CHECK(other_users.Json()["errorDetails"][0]["datastoreErrorCode"] == "PreconditionFailed");
  CHECK(f.client->Send("POST", set, "1", with_users("[7]")).Header("idempotent-replayed") ==
        "true");
  CHECK(f.client->Get(set).Header("roblox-entry-userids") == "[7]");
}

TEST_CASE("failed requests are not stored, a retry runs again", "[integration]") {
  ServerFixture f;
  auto missing = f.client->Send("PATCH", kEntries + "/later", R"({"value":1})", Key("try"));
  CHECK(missing.status == 404);
  REQUIRE(f.client->Post(kEntries + "?id=later", R"({"value":0})").status == 200);
  auto retry = f.client->Send("PATCH", kEntries + "/later", R"({"value":1})", Key("try"));
  CHECK(retry.status == 200);
  CHECK(retry.Header("idempotent-replayed").empty());
}

TEST_CASE("idempotency records survive a restart, v1 replays too", "[integration]") {
  ServerFixture f;
  const std::string v1 =
      "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry/increment"
      "?datastoreName=D&entryKey=n&incrementBy=3";
  auto first = f.client->Send("POST", v1, "", Key("v1-key"));
  REQUIRE(first.status == 200);
  auto patch = f.client->Send("POST", kEntries + "/p:patch",
                              R"({"allowMissing":true,"operations":[
                                   {"op":"increment","path":"/n","value":1}]})",
                              Key("patch-key"));
  REQUIRE(patch.status == 200);
  REQUIRE(f.Restart() == 0);
  auto again = f.client->Send("POST", v1, "", Key("v1-key"));
  CHECK(again.status == 200);
  CHECK(again.body == "3");
  CHECK(again.Header("idempotent-replayed") == "true");
  CHECK(again.Header("roblox-entry-version") == first.Header("roblox-entry-version"));
  auto patch_again = f.client->Send("POST", kEntries + "/p:patch",
                                    R"({"allowMissing":true,"operations":[
                                   {"op":"increment","path":"/n","value":1}]})",
                                    Key("patch-key"));
  CHECK(patch_again.Header("idempotent-replayed") == "true");
  CHECK(f.client->Get(kEntries + "/p").Json()["value"] == json{{"n", 1}});
}

TEST_CASE("idempotency records expire after idempotency_ttl_seconds", "[integration]") {
  ServerFixture f({"--idempotency-ttl-seconds", "1"});
  REQUIRE(f.client->Send("POST", kEntries + "/e:increment", "{}", Key("short")).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto after = f.client->Send("POST", kEntries + "/e:increment", "{}", Key("short"));
  CHECK(after.Header("idempotent-replayed").empty());
  CHECK(after.Json()["value"] == 2);
}

}  // namespace
}  // namespace strongbox::testing
