// Session locks and the lock guard over real HTTP.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kLocks = "/cloud/v2/universes/42/session-locks";

std::vector<std::pair<std::string, std::string>> Guard(const std::string& token) {
  return {{"Strongbox-Lock-Id", "player-7"}, {"Strongbox-Fencing-Token", token}};
}

json Acquire(HttpClient& c, const std::string& owner, const std::string& ttl = "60s") {
  auto r = c.Post(kLocks + "/player-7:acquire", json{{"owner", owner}, {"ttl", ttl}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json();
}

TEST_CASE("fencing: a writer whose lease expired can never overwrite the new holder",
          "[integration]") {
  ServerFixture f;
  json a = Acquire(*f.client, "server-a", "0.5s");
  CHECK(a["state"] == "HELD");
  CHECK(a["fencingToken"] == "1");
  auto a_write = f.client->Send("PATCH", kEntries + "/p7?allowMissing=true",
                                R"({"value":{"coins":10}})", Guard("1"));
  REQUIRE(a_write.status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // A stalls past its lease
  json b = Acquire(*f.client, "server-b");
  CHECK(b["fencingToken"] == "2");
  REQUIRE(
      f.client->Send("PATCH", kEntries + "/p7", R"({"value":{"coins":50}})", Guard("2")).status ==
      200);
  // A wakes up and saves its stale copy with its old token.
  auto late = f.client->Send("PATCH", kEntries + "/p7", R"({"value":{"coins":10}})", Guard("1"));
  CHECK(late.status == 409);
  CHECK(late.Json()["details"][0]["reason"] == "LOCK_LOST");
  CHECK(f.client->Get(kEntries + "/p7").Json()["value"] == json{{"coins", 50}});
  // Every kind of write is guarded the same way.
  CHECK(f.client->Send("POST", kEntries + "/counter:increment", "{}", Guard("1")).status == 409);
  CHECK(f.client->Get(kEntries + "/counter").status == 404);
  CHECK(f.client->Send("DELETE", kEntries + "/p7", "", Guard("1")).status == 409);
  CHECK(f.client
            ->Send("POST", kEntries + "/p7:patch",
                   R"({"operations":[{"op":"add","path":"/x","value":1}]})", Guard("1"))
            .status == 409);
  CHECK(f.client
            ->Send("POST",
                   "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry"
                   "?datastoreName=Inventory&entryKey=p7",
                   "1", Guard("1"))
            .status == 409);
  CHECK(f.client->Get(kEntries + "/p7").Json()["value"] == json{{"coins", 50}});
}

TEST_CASE("fencing after a steal, renew after steal fails, requestRelease reaches the holder",
          "[integration]") {
  ServerFixture f;
  Acquire(*f.client, "server-a");
  auto asked = f.client->Post(kLocks + "/player-7:requestRelease",
                              R"({"requester":"server-b","reason":"player joined server-b"})");
  REQUIRE(asked.status == 200);
  auto renewed = f.client->Post(kLocks + "/player-7:renew",
                                R"({"owner":"server-a","fencingToken":"1","ttl":"60s"})");
  REQUIRE(renewed.status == 200);
  CHECK(renewed.Json()["releaseRequested"] == true);
  CHECK(renewed.Json()["releaseRequest"]["requester"] == "server-b");
  auto stolen = f.client->Post(kLocks + "/player-7:steal",
                               R"({"owner":"server-b","ttl":"60s","reason":"a hung"})");
  REQUIRE(stolen.status == 200);
  CHECK(stolen.Json()["fencingToken"] == "2");
  CHECK(f.client
            ->Post(kLocks + "/player-7:renew",
                   R"({"owner":"server-a","fencingToken":"1","ttl":"60s"})")
            .Json()["details"][0]["reason"] == "LOCK_LOST");
  CHECK(f.client->Send("PATCH", kEntries + "/p7?allowMissing=true", R"({"value":1})", Guard("1"))
            .status == 409);
  CHECK(f.client->Get(kEntries + "/p7").status == 404);  // nothing was written
  auto released =
      f.client->Post(kLocks + "/player-7:release", R"({"owner":"server-b","fencingToken":"2"})");
  REQUIRE(released.status == 200);
  CHECK(released.Json()["state"] == "FREE");
  CHECK(f.client->Get(kLocks + "/player-7").Json()["state"] == "FREE");
  CHECK(f.client->Get(kLocks + "/never").status == 404);
}

TEST_CASE("50 owners racing to acquire: exactly one holder", "[integration]") {
  ServerFixture f;
  std::atomic<int> held{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c(f.server.port(), f.server.admin_key());
      auto r = c.Post(kLocks + "/contested:acquire",
                      json{{"owner", "server-" + std::to_string(i)}, {"ttl", "60s"}}.dump());
      if (r.status == 200) {
        ++held;
      } else if (r.status == 409 && r.Json()["details"][0]["reason"] == "LOCK_HELD") {
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(held == 1);
  CHECK(refused == 49);
}

TEST_CASE("a guarded write racing a steal never succeeds after the steal", "[integration]") {
  ServerFixture f;
  for (int round = 0; round < 20; ++round) {
    const std::string id = "race-" + std::to_string(round);
    auto a = f.client->Post(kLocks + "/" + id + ":acquire", R"({"owner":"a","ttl":"60s"})");
    REQUIRE(a.status == 200);
    const std::string token = a.Json()["fencingToken"];
    HttpResponse write, steal;
    std::thread writer([&] {
      HttpClient c(f.server.port(), f.server.admin_key());
      write = c.Send("PATCH", kEntries + "/" + id + "?allowMissing=true", R"({"value":1})",
                     {{"Strongbox-Lock-Id", id}, {"Strongbox-Fencing-Token", token}});
    });
    std::thread stealer([&] {
      HttpClient c(f.server.port(), f.server.admin_key());
      steal = c.Post(kLocks + "/" + id + ":steal", R"({"owner":"b","ttl":"60s"})");
    });
    writer.join();
    stealer.join();
    REQUIRE(steal.status == 200);
    if (write.status == 200) {
      // It committed before the steal did: its revision is older than the new lease.
      CHECK(write.Json()["revisionCreateTime"].get<std::string>() <=
            steal.Json()["acquireTime"].get<std::string>());
    } else {
      CHECK(write.status == 409);
      CHECK(f.client->Get(kEntries + "/" + id).status == 404);
    }
  }
}

TEST_CASE("tokens keep increasing across a clean restart and a SIGKILL", "[integration]") {
  ServerFixture f;
  Acquire(*f.client, "a");
  REQUIRE(f.Restart() == 0);
  auto after_restart = f.client->Post(kLocks + "/player-7:steal", R"({"owner":"b","ttl":"60s"})");
  CHECK(after_restart.Json()["fencingToken"] == "2");
  f.server.Kill();  // right after the acknowledged steal
  f.server.Start();
  f.client = f.NewClient();
  auto after_kill = f.client->Post(kLocks + "/player-7:steal", R"({"owner":"c","ttl":"60s"})");
  CHECK(after_kill.Json()["fencingToken"] == "3");
}

TEST_CASE("an acquire with waitTime is woken by the release", "[integration]") {
  ServerFixture f;
  Acquire(*f.client, "a", "600s");
  HttpResponse waited;
  const auto start = std::chrono::steady_clock::now();
  std::thread waiter([&] {
    HttpClient c(f.server.port(), f.server.admin_key());
    waited = c.Post(kLocks + "/player-7:acquire", R"({"owner":"b","ttl":"60s","waitTime":"20s"})");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(
      f.client->Post(kLocks + "/player-7:release", R"({"owner":"a","fencingToken":"1"})").status ==
      200);
  waiter.join();
  CHECK(waited.status == 200);
  CHECK(waited.Json()["owner"] == "b");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // Without waitTime, a held lock answers at once.
  CHECK(f.client->Post(kLocks + "/player-7:acquire", R"({"owner":"c","ttl":"60s"})").status == 409);
}

// An acquire of player-7 that asks to wait up to 20 s, sent on a connection of its own that is
// closed 0.3 s later without reading the answer: a game server that crashed, or timed out.
void AcquireAndHangUp(ServerFixture& f) {
  const std::string body = R"({"owner":"gone","ttl":"600s","waitTime":"20s"})";
  SendAndHangUp(f.server.port(),
                "POST " + kLocks +
                    "/player-7:acquire HTTP/1.1\r\nHost: x\r\nx-api-key: " + f.server.admin_key() +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body,
                std::chrono::milliseconds(300));
}

TEST_CASE("an acquire whose client hung up during its wait never takes the lock", "[integration]") {
  ServerFixture f;
  Acquire(*f.client, "a", "600s");
  AcquireAndHangUp(f);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(
      f.client->Post(kLocks + "/player-7:release", R"({"owner":"a","fencingToken":"1"})").status ==
      200);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // time for a wrong take
  // Free for the next caller, not held by the one that left for the next 600 s.
  auto next = f.client->Post(kLocks + "/player-7:acquire", R"({"owner":"c","ttl":"60s"})");
  INFO(next.body);
  CHECK(next.status == 200);
  CHECK(next.Json()["owner"] == "c");
}

TEST_CASE("an acquire whose client hung up leaves its wait at the close", "[integration]") {
  ServerFixture f;
  Acquire(*f.client, "a", "600s");
  const auto answered = [&] {
    return AnsweredCount(f.client->Get("/metrics").body, ":acquire", 503);
  };
  REQUIRE(answered() == 0);
  const auto start = std::chrono::steady_clock::now();
  AcquireAndHangUp(f);
  // Ended (and counted) at the close, not after its 20 s waitTime or the holder's 600 s lease.
  CHECK(WaitFor([&] { return answered() == 1; }, std::chrono::seconds(5)));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(6));
  CHECK(f.client->Get(kLocks + "/player-7").Json()["owner"] == "a");
}

TEST_CASE("bad lock input and bad guard headers are 400 and change nothing", "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kEntries + "?id=safe", R"({"value":1})").status == 200);
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"Strongbox-Lock-Id", "player-7"}},
           {{"Strongbox-Fencing-Token", "1"}},
           {{"Strongbox-Lock-Id", "player-7"}, {"Strongbox-Fencing-Token", "abc"}},
           {{"Strongbox-Lock-Id", "player-7"}, {"Strongbox-Fencing-Token", "0"}},
           {{"Strongbox-Lock-Id", std::string(129, 'x')}, {"Strongbox-Fencing-Token", "1"}}}) {
    auto r = f.client->Send("PATCH", kEntries + "/safe", R"({"value":2})", headers);
    CHECK(r.status == 400);
  }
  CHECK(f.client->Get(kEntries + "/safe").Json()["value"] == 1);
  for (const char* body : {R"({"ttl":"60s"})", R"({"owner":"a"})", R"({"owner":"a","ttl":"x"})",
                           R"({"owner":"a","ttl":"999999999s"})",
                           R"({"owner":"a","ttl":"60s","waitTime":"99999s"})"}) {
    INFO(body);
    CHECK(f.client->Post(kLocks + "/l:acquire", body).status == 400);
  }
  CHECK(f.client->Post(kLocks + "/l:renew", R"({"owner":"a","ttl":"60s"})").status == 400);
  CHECK(f.client->Get(kLocks + "/l").status == 404);
}

TEST_CASE("list session locks with filter and pages", "[integration]") {
  ServerFixture f;
  for (const char* id : {"player-1", "player-2", "player-3", "guild-1"}) {
    REQUIRE(
        f.client->Post(kLocks + "/" + std::string(id) + ":acquire", R"({"owner":"a","ttl":"60s"})")
            .status == 200);
  }
  auto page = f.client->Get(kLocks + "?filter=id.startsWith(%22player%22)&maxPageSize=2").Json();
  REQUIRE(page["sessionLocks"].size() == 2);
  CHECK(page["sessionLocks"][0]["id"] == "player-1");
  auto rest = f.client
                  ->Get(kLocks + "?filter=id.startsWith(%22player%22)&maxPageSize=2&pageToken=" +
                        page["nextPageToken"].get<std::string>())
                  .Json();
  REQUIRE(rest["sessionLocks"].size() == 1);
  CHECK(rest["nextPageToken"] == "");
}

}  // namespace
}  // namespace strongbox::testing
