// Transactions and batch reads (api.md §8) over the real binary: :commit across entries,
// leaderboards, sorted maps and queues, all or nothing, with several fencing tokens; and
// :batchGet of entries and of ordered entries with ranks.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kCommit = "/cloud/v2/universes/42:commit";
const std::string kBoard = "/cloud/v2/universes/42/ordered-data-stores/Coins/scopes/global/entries";
const std::string kLocks = "/cloud/v2/universes/42/session-locks";
const std::string kQueue = "/cloud/v2/universes/42/memory-store/queues/TradeLog";
const std::string kMap = "/cloud/v2/universes/42/memory-store/sorted-maps/Market/items";

json EntryRef(const std::string& id) { return {{"dataStore", "Inventory"}, {"id", id}}; }

// A trade: `from` pays `price` coins for `to`'s `item`; coins may not go below 0 and the item
// must be there (its count must not go below 0 either).
json Trade(int from, int to, int64_t price, const std::string& item) {
  const std::string a = "users:" + std::to_string(from), b = "users:" + std::to_string(to);
  return {{"operations",
           {{{"entry", EntryRef(a)},
             {"patch",
              {{{"op", "increment"}, {"path", "/coins"}, {"value", -price}, {"min", 0}},
               {{"op", "increment"}, {"path", "/items/" + item}, {"value", 1}}}}},
            {{"entry", EntryRef(b)},
             {"patch",
              {{{"op", "increment"}, {"path", "/coins"}, {"value", price}},
               {{"op", "increment"}, {"path", "/items/" + item}, {"value", -1}, {"min", 0}}}}}}}};
}

json Inventory(HttpClient& c, int user) {
  auto r = c.Get(kEntries + "/users:" + std::to_string(user));
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json()["value"];
}

void Seed(HttpClient& c, int users, int64_t coins, int64_t swords) {
  for (int u = 0; u < users; ++u) {
    json value = {{"coins", coins}, {"items", {{"sword", swords}, {"shield", swords}}}};
    auto r = c.Post(kEntries + "?id=users:" + std::to_string(u), json{{"value", value}}.dump());
    REQUIRE(r.status == 200);
  }
}

TEST_CASE("commit: a trade applies both sides or neither, naming the failing operation",
          "[integration]") {
  ServerFixture f;
  Seed(*f.client, 2, 100, 1);
  auto r = f.client->Post(kCommit, Trade(0, 1, 60, "sword").dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  json results = r.Json()["results"];
  REQUIRE(results.size() == 2);
  // Each result is what the single :patch answers: the entry resource.
  CHECK(results[0]["value"]["coins"] == 40);
  CHECK(results[1]["value"]["coins"] == 160);
  CHECK(results[0]["path"] == "universes/42/data-stores/Inventory/entries/users:0");
  CHECK(Inventory(*f.client, 0)["items"]["sword"] == 2);
  CHECK(Inventory(*f.client, 1)["items"]["sword"] == 0);
  // Each side recorded one new revision, as a single call would.
  auto revisions = f.client->Get(kEntries + "/users:1:listRevisions").Json();
  CHECK(revisions["dataStoreEntries"].size() == 2);

  // Buyer 0 has 40 coins: a second trade fails at operation 0 (BELOW_MIN); nothing moves.
  r = f.client->Post(kCommit, Trade(0, 1, 60, "shield").dump());
  CHECK(r.status == 412);
  CHECK(r.Json()["details"][0]["reason"] == "BELOW_MIN");
  CHECK(r.Json()["details"][0]["metadata"]["operationIndex"] == "0");
  CHECK(r.Json()["details"][0]["metadata"]["patchOperationIndex"] == "0");
  // Seller 1 has no sword left: the failure is operation 1's, and operation 0 is rolled back.
  r = f.client->Post(kCommit, Trade(0, 1, 10, "sword").dump());
  CHECK(r.status == 412);
  CHECK(r.Json()["details"][0]["metadata"]["operationIndex"] == "1");
  json zero = Inventory(*f.client, 0), one = Inventory(*f.client, 1);
  CHECK(zero["coins"] == 40);
  CHECK(zero["items"]["sword"] == 2);
  CHECK(one["coins"] == 160);
  CHECK(f.client->Get(kEntries + "/users:0:listRevisions").Json()["dataStoreEntries"].size() == 2);
}

TEST_CASE("commit: every resource kind, its verbs and preconditions", "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  REQUIRE(c.Post(kEntries + "?id=a", R"({"value":1})").status == 200);
  const std::string etag_a = c.Get(kEntries + "/a").Json()["revisionId"];
  REQUIRE(
      c.Post(kMap + "?id=offer", R"({"value":{"p":5},"ttl":"600s","numericSortKey":5})").status ==
      200);
  const std::string map_etag = c.Get(kMap + "/offer").Json()["etag"];

  json ops = json::array();
  ops.push_back({{"entry", EntryRef("a")}, {"update", {{"value", 2}, {"etag", etag_a}}}});
  ops.push_back({{"entry", EntryRef("b")}, {"create", {{"value", {{"x", 1}}}}}});
  ops.push_back({{"entry", {{"dataStore", "Inventory"}, {"scope", "global"}, {"id", "n"}}},
                 {"increment", 5}});
  ops.push_back({{"orderedEntry", {{"store", "Coins"}, {"id", "p1"}}}, {"set", 10}});
  ops.push_back({{"orderedEntry", {{"store", "Coins"}, {"id", "p1"}}}, {"increment", 5}});
  ops.push_back({{"sortedMapItem", {{"map", "Market"}, {"id", "offer"}}},
                 {"update", {{"value", {{"p", 6}}}, {"etag", map_etag}}}});
  ops.push_back({{"sortedMapItem", {{"map", "Market"}, {"id", "new"}}},
                 {"create", {{"value", 1}, {"ttl", "60s"}, {"stringSortKey", "k"}}}});
  ops.push_back({{"queueItem", {{"queue", "TradeLog"}}},
                 {"add", {{"data", {{"trade", 1}}}, {"ttl", "3600s"}}}});
  auto r = c.Post(kCommit, json{{"operations", ops}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  json results = r.Json()["results"];
  REQUIRE(results.size() == ops.size());
  CHECK(results[0]["value"] == 2);
  CHECK(results[1]["value"] == json{{"x", 1}});
  CHECK(results[2]["value"] == 5);
  CHECK(results[2]["path"] == "universes/42/data-stores/Inventory/scopes/global/entries/n");
  CHECK(results[3]["value"] == 10);
  CHECK(results[4]["value"] == 15);  // sees the set staged before it
  CHECK(results[5]["value"] == json{{"p", 6}});
  CHECK(results[6]["stringSortKey"] == "k");
  CHECK(results[7]["data"] == json{{"trade", 1}});
  CHECK(c.Get(kBoard + "/p1").Json()["value"] == 15);
  CHECK(c.Get(kBoard + "/p1:rank?orderBy=value%20desc").Json()["rank"] == 1);
  auto read = c.Get(kQueue + "/items:read");
  CHECK(read.Json()["items"].size() == 1);

  // Preconditions, each the single call's error, and nothing of the commit written.
  auto fails = [&](json op, unsigned status, const std::string& reason_or_code) {
    json body = {
        {"operations", {{{"orderedEntry", {{"store", "Coins"}, {"id", "p2"}}}, {"set", 1}}, op}}};
    auto answer = c.Post(kCommit, body.dump());
    INFO(op.dump() << " → " << answer.body);
    CHECK(answer.status == status);
    json error = answer.Json();
    CHECK(error["details"][0]["metadata"]["operationIndex"] == "1");
    const std::string reason = error["details"][0].value("reason", "");
    CHECK((reason == reason_or_code || error["code"] == reason_or_code));
    CHECK(c.Get(kBoard + "/p2").status == 404);
  };
  fails({{"entry", EntryRef("a")}, {"update", {{"value", 3}, {"etag", etag_a}}}}, 409,
        "ETAG_MISMATCH");
  {
    // A later operation's etag check sees the earlier one's staged revision; its currentEtag
    // would name a revision the rollback removes, so it is left out.
    json body = {{"operations",
                  {{{"entry", EntryRef("a")}, {"update", {{"value", 7}}}},
                   {{"entry", EntryRef("a")}, {"update", {{"value", 8}, {"etag", etag_a}}}}}}};
    auto answer = c.Post(kCommit, body.dump());
    CHECK(answer.status == 409);
    CHECK(answer.Json()["details"][0]["metadata"].count("currentEtag") == 0);
  }
  fails({{"entry", EntryRef("b")}, {"create", {{"value", 3}}}}, 409, "ALREADY_EXISTS");
  fails({{"entry", EntryRef("missing")}, {"update", {{"value", 3}}}}, 404, "NOT_FOUND");
  fails(
      {{"entry", EntryRef("missing")}, {"patch", {{{"op", "add"}, {"path", "/x"}, {"value", 1}}}}},
      404, "NOT_FOUND");
  fails({{"entry", EntryRef("b")}, {"patch", {{{"op", "test"}, {"path", "/x"}, {"value", 2}}}}},
        412, "TEST_FAILED");
  fails({{"entry", EntryRef("b")}, {"delete", {{"etag", "stale"}}}}, 409, "ETAG_MISMATCH");
  fails({{"orderedEntry", {{"store", "Coins"}, {"id", "nobody"}}}, {"delete", json::object()}}, 404,
        "NOT_FOUND");
  fails({{"sortedMapItem", {{"map", "Market"}, {"id", "offer"}}},
         {"update", {{"value", 1}, {"etag", map_etag}}}},
        409, "ETAG_MISMATCH");
  fails({{"sortedMapItem", {{"map", "Market"}, {"id", "new"}}},
         {"create", {{"value", 1}, {"ttl", "60s"}}}},
        409, "ALREADY_EXISTS");
  // Malformed operations are refused before anything runs, naming their index.
  fails({{"entry", EntryRef("a")}}, 400, "INVALID_ARGUMENT");
  fails({{"entry", EntryRef("a")}, {"create", {{"value", 1}}}, {"delete", json::object()}}, 400,
        "INVALID_ARGUMENT");
  fails({{"table", {{"id", "x"}}}, {"create", json::object()}}, 400, "INVALID_ARGUMENT");
  fails({{"queueItem", {{"queue", "TradeLog"}}}, {"add", {{"data", 1}}}}, 400, "INVALID_ARGUMENT");
  fails({{"orderedEntry", {{"store", "Coins"}, {"id", "p1"}}}, {"increment", 0.5}}, 400,
        "INVALID_ARGUMENT");
  // A misplaced option is refused, not dropped: this etag belongs inside "update".
  fails({{"entry", EntryRef("a")}, {"update", {{"value", 3}}}, {"etag", "stale"}}, 400,
        "INVALID_ARGUMENT");
  fails({{"queueItem", {{"queue", "TradeLog"}}}, {"add", {{"data", 1}, {"ttl", "9s"}}}, {"ttl", 1}},
        400, "INVALID_ARGUMENT");
  // The deletes answer {} as DELETE does, and remove.
  json deletes = {
      {"operations",
       {{{"entry", EntryRef("b")}, {"delete", json::object()}},
        {{"orderedEntry", {{"store", "Coins"}, {"id", "p1"}}}, {"delete", nullptr}},
        {{"sortedMapItem", {{"map", "Market"}, {"id", "new"}}}, {"delete", json::object()}}}}};
  r = c.Post(kCommit, deletes.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.Json()["results"] == json::array({json::object(), json::object(), json::object()}));
  CHECK(c.Get(kEntries + "/b").status == 404);
  CHECK(c.Get(kBoard + "/p1").status == 404);
  CHECK(c.Get(kMap + "/new").status == 404);
}

TEST_CASE("commit: several fencing tokens, each checked in the commit", "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  auto acquire = [&](const std::string& lock) {
    auto r = c.Post(kLocks + "/" + lock + ":acquire", R"({"owner":"s1","ttl":"60s"})");
    REQUIRE(r.status == 200);
    return r.Json()["fencingToken"].get<std::string>();
  };
  const std::string t1 = acquire("player-1"), t2 = acquire("player-2");
  Seed(c, 2, 100, 1);
  json trade = Trade(0, 1, 10, "sword");
  trade["guards"] = {{{"lockId", "player-1"}, {"fencingToken", t1}},
                     {{"lockId", "player-2"}, {"fencingToken", std::stoll(t2)}}};
  auto r = c.Post(kCommit, trade.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  // player-2's lock is stolen: the next trade with the old token fails whole, naming the lock.
  REQUIRE(c.Post(kLocks + "/player-2:steal", R"({"owner":"s2","ttl":"60s"})").status == 200);
  r = c.Post(kCommit, trade.dump());
  CHECK(r.status == 409);
  CHECK(r.Json()["details"][0]["reason"] == "LOCK_LOST");
  CHECK(r.Json()["details"][0]["metadata"]["lockId"] == "player-2");
  // A token above int64 is a token like any other (unsigned 64-bit): not held, not malformed.
  json huge = trade;
  huge["guards"][0]["fencingToken"] = "18446744073709551615";
  CHECK(c.Post(kCommit, huge.dump()).status == 409);
  CHECK(Inventory(c, 0)["coins"] == 90);
  CHECK(Inventory(c, 1)["coins"] == 110);
  // The single-guard headers apply to a commit too.
  json plain = Trade(0, 1, 10, "sword");
  auto headed = c.Send("POST", kCommit, plain.dump(),
                       {{"Strongbox-Lock-Id", "player-2"}, {"Strongbox-Fencing-Token", t2}});
  CHECK(headed.status == 409);
  CHECK(headed.Json()["details"][0]["metadata"]["lockId"] == "player-2");
  CHECK(Inventory(c, 0)["coins"] == 90);
  // A malformed guard is a 400.
  json bad = plain;
  bad["guards"] = {{{"lockId", "player-1"}}};
  CHECK(c.Post(kCommit, bad.dump()).status == 400);
  // A token is a whole number however a client's JSON writer spells it (api.md §1): the stolen
  // token, written 1.0e0-style, is the stolen token (409), not a malformed one (400).
  for (const std::string& spelling : {t2 + ".0", t2 + "e0"}) {
    const std::string body = R"({"operations":)" + plain["operations"].dump() +
                             R"(,"guards":[{"lockId":"player-2","fencingToken":)" + spelling +
                             "}]}";
    auto spelt = c.Post(kCommit, body);
    INFO(spelling << " " << spelt.body);
    CHECK(spelt.status == 409);
  }
  // A misspelt "guard" is refused, never a commit without the guard.
  json unguarded = plain;
  unguarded["guard"] = {{{"lockId", "player-2"}, {"fencingToken", t2}}};
  auto typo = c.Post(kCommit, unguarded.dump());
  CHECK(typo.status == 400);
  CHECK(typo.Json()["message"].get<std::string>().find("'guard'") != std::string::npos);
  CHECK(Inventory(c, 0)["coins"] == 90);
}

TEST_CASE("commit: Idempotency-Key covers the whole commit, and limits and scopes are checked",
          "[integration]") {
  ServerFixture f({"--max-commit-operations", "3", "--max-commit-bytes", "2048"});
  auto& c = *f.client;
  Seed(c, 2, 100, 5);
  const json trade = Trade(0, 1, 10, "sword");
  auto first = c.Send("POST", kCommit, trade.dump(), {{"Idempotency-Key", "trade-1"}});
  REQUIRE(first.status == 200);
  auto again = c.Send("POST", kCommit, trade.dump(), {{"Idempotency-Key", "trade-1"}});
  CHECK(again.status == 200);
  CHECK(again.body == first.body);
  CHECK(Inventory(c, 0)["coins"] == 90);  // applied once

  json four = {{"operations", json::array()}};
  for (int i = 0; i < 4; ++i) {
    four["operations"].push_back(
        {{"orderedEntry", {{"store", "Coins"}, {"id", "p" + std::to_string(i)}}}, {"set", i}});
  }
  auto r = c.Post(kCommit, four.dump());
  CHECK(r.status == 400);
  CHECK(r.Json()["details"][0]["reason"] == "LIMIT_EXCEEDED");
  CHECK(r.Json()["details"][0]["metadata"]["limit"] == "max_commit_operations");
  json big = {{"operations",
               {{{"entry", EntryRef("big")}, {"create", {{"value", std::string(3000, 'x')}}}}}}};
  r = c.Post(kCommit, big.dump());
  CHECK(r.status == 400);
  CHECK(r.Json()["details"][0]["metadata"]["limit"] == "max_commit_bytes");
  CHECK(c.Post(kCommit, R"({"operations":[]})").status == 400);
  CHECK(c.Post(kCommit, R"({})").status == 400);
  // A resource member it does not take is refused, not ignored: "Scope" would write to global,
  // "season" to the live season.
  for (const json& resource :
       {json{{"entry", {{"dataStore", "Inventory"}, {"id", "typo"}, {"Scope", "s1"}}}},
        json{{"orderedEntry", {{"store", "Coins"}, {"id", "p0"}, {"season", "0"}}}}}) {
    json op = resource;
    if (op.contains("entry")) {
      op["create"] = {{"value", 1}};
    } else {
      op["increment"] = 1;
    }
    auto refused = c.Post(kCommit, json{{"operations", {op}}}.dump());
    INFO(refused.body);
    CHECK(refused.status == 400);
    CHECK(refused.Json()["message"].get<std::string>().find("Unknown member") != std::string::npos);
    CHECK(refused.Json()["details"][0]["metadata"]["operationIndex"] == "0");
  }
  CHECK(c.Get(kEntries + "/typo").status == 404);
  // So is a member of the verb's object it does not take: a misspelt "etag" inside an update or
  // a delete would make it unconditional.
  REQUIRE(
      c.Post(
           kCommit,
           json{{"operations", {{{"entry", EntryRef("kept")}, {"create", {{"value", 1}}}}}}}.dump())
          .status == 200);
  for (const json& op :
       {json{{"entry", EntryRef("kept")}, {"update", {{"value", 2}, {"etg", "stale"}}}},
        json{{"entry", EntryRef("kept")}, {"delete", {{"etg", "stale"}}}},
        json{{"entry", EntryRef("kept2")}, {"create", {{"value", 2}, {"Users", {1}}}}},
        json{{"orderedEntry", {{"store", "Coins"}, {"id", "p0"}}}, {"delete", {{"x", 1}}}},
        json{{"sortedMapItem", {{"map", "M"}, {"id", "a"}}},
             {"create", {{"value", 1}, {"ttl", "60s"}, {"tll", "5s"}}}},
        json{{"sortedMapItem", {{"map", "M"}, {"id", "a"}}}, {"delete", {{"etg", "x"}}}},
        json{{"queueItem", {{"queue", "Q"}}}, {"add", {{"data", 1}, {"ttl", "60s"}, {"prio", 5}}}},
        // Two spellings of one member: one of them would be silently unused.
        json{{"queueItem", {{"queue", "Q"}}},
             {"add", {{"data", 1}, {"ttl", "60s"}, {"TTL", "1s"}}}},
        json{{"sortedMapItem", {{"map", "M"}, {"id", "a"}}},
             {"create", {{"value", 1}, {"Value", 2}, {"ttl", "60s"}}}}}) {
    auto refused = c.Post(kCommit, json{{"operations", {op}}}.dump());
    INFO(op.dump() << " -> " << refused.body);
    CHECK(refused.status == 400);
    const std::string message = refused.Json()["message"];
    CHECK((message.find("Unknown member") != std::string::npos ||
           message.find("twice") != std::string::npos));
  }
  // A guard's misspelt member is no guard: refused.
  auto guard = c.Post(
      kCommit, json{{"operations", {{{"entry", EntryRef("kept")}, {"update", {{"value", 3}}}}}},
                    {"guards", {{{"lockId", "l"}, {"fencingToken", "1"}, {"fencingTokn", "2"}}}}}
                   .dump());
  CHECK(guard.status == 400);
  CHECK(c.Get(kEntries + "/kept").Json()["value"] == 1);
  CHECK(c.Get(kEntries + "/kept2").status == 404);
  // Memory-store members are read case-insensitively, as in the single calls.
  CHECK(c.Post(kCommit, json{{"operations",
                              {{{"queueItem", {{"queue", "Q"}}},
                                {"add", {{"Data", 1}, {"TTL", "60s"}, {"Priority", 5}}}}}}}
                            .dump())
            .status == 200);

  // A key that may write leaderboards but not entries: the entry operation is refused (403,
  // naming its index) and the leaderboard one is not applied either.
  auto key = c.Post(
      "/admin/v1/api-keys",
      json{{"name", "boards"},
           {"scopes",
            {{{"universe", "42"}, {"scope", "universe.ordered-data-store.scope.entry:write"}}}}}
          .dump());
  REQUIRE(key.status == 200);
  HttpClient limited(f.server.port(), key.Json()["secret"].get<std::string>());
  json mixed = {{"operations",
                 {{{"orderedEntry", {{"store", "Coins"}, {"id", "p9"}}}, {"set", 9}},
                  {{"entry", EntryRef("users:0")}, {"increment", 1}}}}};
  r = limited.Post(kCommit, mixed.dump());
  CHECK(r.status == 403);
  CHECK(r.Json()["details"][0]["metadata"]["operationIndex"] == "1");
  CHECK(c.Get(kBoard + "/p9").status == 404);
  mixed["operations"].erase(1);
  CHECK(limited.Post(kCommit, mixed.dump()).status == 200);
  CHECK(limited.Post(kCommit, mixed.dump()).status == 200);
  // Another universe is out of its reach entirely.
  CHECK(limited.Post("/cloud/v2/universes/43:commit", mixed.dump()).status == 403);
}

TEST_CASE("commit: 32 concurrent traders with injected failures conserve coins and items",
          "[integration]") {
  ServerFixture f;
  constexpr int kUsers = 8;
  constexpr int64_t kCoins = 200, kSwords = 3;
  Seed(*f.client, kUsers, kCoins, kSwords);
  auto acquire = [&](int user) {
    auto r = f.client->Post(kLocks + "/player-" + std::to_string(user) + ":acquire",
                            R"({"owner":"game","ttl":"600s"})");
    REQUIRE(r.status == 200);
    return r.Json()["fencingToken"].get<std::string>();
  };
  std::vector<std::string> tokens;
  for (int u = 0; u < kUsers; ++u) tokens.push_back(acquire(u));
  std::atomic<int> committed{0}, refused{0}, unexpected{0};
  std::vector<std::thread> traders;
  for (int t = 0; t < 32; ++t) {
    traders.emplace_back([&, t] {
      HttpClient c(f.server.port(), f.server.admin_key());
      std::mt19937 rng(static_cast<uint32_t>(t) * 7919u + 1);
      for (int i = 0; i < 25; ++i) {
        const int from = static_cast<int>(rng() % kUsers);
        const int to = (from + 1 + static_cast<int>(rng() % (kUsers - 1))) % kUsers;
        // Random prices make "insufficient funds" common once coins spread out.
        json trade =
            Trade(from, to, static_cast<int64_t>(rng() % 120), rng() % 2 == 0 ? "sword" : "shield");
        trade["guards"] = {{{"lockId", "player-" + std::to_string(from)},
                            {"fencingToken", tokens[static_cast<size_t>(from)]}},
                           {{"lockId", "player-" + std::to_string(to)},
                            {"fencingToken", tokens[static_cast<size_t>(to)]}}};
        const int failure = static_cast<int>(rng() % 6);
        if (failure == 0) {  // a stale fencing token
          trade["guards"][1]["fencingToken"] = "999999";
        } else if (failure == 1) {  // a stale etag on the buyer
          trade["operations"][0]["etag"] = "0000000000000001";
        }
        auto r = c.Post(kCommit, trade.dump());
        if (r.status == 200) {
          ++committed;
        } else if (r.status == 409 || r.status == 412) {
          ++refused;
        } else {
          ++unexpected;
        }
      }
    });
  }
  for (auto& th : traders) th.join();
  CHECK(unexpected == 0);
  CHECK(committed > 50);
  CHECK(refused > 50);
  int64_t coins = 0, swords = 0, shields = 0;
  for (int u = 0; u < kUsers; ++u) {
    json inv = Inventory(*f.client, u);
    CHECK(inv["coins"].get<int64_t>() >= 0);
    CHECK(inv["items"]["sword"].get<int64_t>() >= 0);
    CHECK(inv["items"]["shield"].get<int64_t>() >= 0);
    coins += inv["coins"].get<int64_t>();
    swords += inv["items"]["sword"].get<int64_t>();
    shields += inv["items"]["shield"].get<int64_t>();
  }
  CHECK(coins == kUsers * kCoins);
  CHECK(swords == kUsers * kSwords);
  CHECK(shields == kUsers * kSwords);
}

TEST_CASE("commit: a leaderboard write and a queue add are seen together or not at all",
          "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  // Points move between two entries of one board in each commit, and each commit adds a queue
  // item naming how many have committed: a reader must never see the points half moved, and a
  // long-poll waiter woken by the add must see the board move that came with it.
  REQUIRE(c.Post(kBoard + "?id=a", R"({"value":1000})").status == 200);
  REQUIRE(c.Post(kBoard + "?id=b", R"({"value":0})").status == 200);
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, reads{0}, stale_after_wake{0}, woken{0}, unreadable{0};
  std::atomic<int> thread_errors{0};
  // Each thread's body runs under a catch: an exception escaping a std::thread (a connection
  // reset on a loaded CI machine) would end the whole test binary instead of failing this test.
  auto guarded = [&thread_errors](auto body) {
    return [&thread_errors, body] {
      try {
        body();
      } catch (const std::exception& e) {
        ++thread_errors;
      }
    };
  };
  std::thread reader(guarded([&] {
    HttpClient r(f.server.port(), f.server.admin_key());
    while (!done) {
      auto answer = r.Post(kBoard + ":batchGet?orderBy=value%20desc", R"({"ids":["a","b"]})");
      if (answer.status != 200) continue;
      int64_t sum = 0;
      const json body = answer.Json();  // named: a range-for over a temporary's member dangles
      if (!body.contains("orderedDataStoreEntries")) continue;
      for (const auto& e : body["orderedDataStoreEntries"]) sum += e["value"].get<int64_t>();
      if (sum != 1000) ++torn;
      ++reads;
    }
  }));
  std::thread waiter(guarded([&] {
    HttpClient w(f.server.port(), f.server.admin_key());
    while (!done) {
      auto got = w.Get(kQueue + "/items:read?waitTime=2s&count=1");
      const json item = got.Json();
      if (got.status != 200 || !item.contains("items") || item["items"].empty()) continue;
      const json& data = item["items"][0]["data"];
      const int64_t moved = data.contains("moved") ? data["moved"].get<int64_t>() : -1;
      ++woken;
      // b holds at least what this item says had moved when it was added. A refused read (a
      // 429 or 503 on a loaded machine) is asked again: only a read that answers counts.
      std::optional<int64_t> b;
      for (int attempt = 0; attempt < 50 && !b; ++attempt) {
        const auto answer = w.Get(kBoard + "/b");
        const json entry = answer.Json();
        if (answer.status == 200 && entry.contains("value") && entry["value"].is_number_integer()) {
          b = entry["value"].get<int64_t>();
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
      if (!b) {
        ++unreadable;
      } else if (moved < 0 || *b < moved) {
        ++stale_after_wake;
      }
      if (item.contains("readId")) {
        w.Post(kQueue + "/items:discard", json{{"readId", item["readId"]}}.dump());
      }
    }
  }));
  for (int i = 1; i <= 200; ++i) {
    json body = {{"operations",
                  {{{"orderedEntry", {{"store", "Coins"}, {"id", "a"}}}, {"increment", -1}},
                   {{"queueItem", {{"queue", "TradeLog"}}},
                    {"add", {{"data", {{"moved", i}}}, {"ttl", "60s"}}}},
                   {{"orderedEntry", {{"store", "Coins"}, {"id", "b"}}}, {"increment", 1}}}}};
    REQUIRE(c.Post(kCommit, body.dump()).status == 200);
  }
  WaitFor([&] { return woken.load() >= 200; }, std::chrono::seconds(10));
  done = true;
  reader.join();
  waiter.join();
  CHECK(reads > 0);
  CHECK(torn == 0);
  CHECK(woken == 200);
  CHECK(stale_after_wake == 0);
  CHECK(unreadable == 0);
  CHECK(thread_errors == 0);
  CHECK(c.Get(kBoard + "/b").Json()["value"] == 200);
}

TEST_CASE("batchGet: entries from one snapshot, never one side of a trade", "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  Seed(c, 2, 500, 500);
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    HttpClient r(f.server.port(), f.server.admin_key());
    while (!done) {
      auto answer = r.Post(kEntries + ":batchGet", R"({"ids":["users:0","users:1"]})");
      if (answer.status != 200) continue;
      json results = answer.Json()["results"];
      const int64_t coins = results[0]["entry"]["value"]["coins"].get<int64_t>() +
                            results[1]["entry"]["value"]["coins"].get<int64_t>();
      if (coins != 1000 && torn++ == 0) WARN(answer.body);
      ++reads;
    }
  });
  for (int i = 0; i < 150; ++i) {
    REQUIRE(c.Post(kCommit, Trade(i % 2, 1 - i % 2, 3, "sword").dump()).status == 200);
  }
  done = true;
  reader.join();
  CHECK(reads > 0);
  CHECK(torn == 0);

  // Shapes: a missing id answers NOT_FOUND in its place; more than 100 ids is a 400.
  auto r = c.Post(kScopedEntries + ":batchGet", R"({"ids":["users:1","nobody","users:0"]})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  json results = r.Json()["results"];
  REQUIRE(results.size() == 3);
  CHECK(results[0]["entry"]["id"] == "users:1");
  CHECK(results[0]["entry"]["path"] ==
        "universes/42/data-stores/Inventory/scopes/global/entries/users:1");
  CHECK(results[1]["id"] == "nobody");
  CHECK(results[1]["error"]["code"] == "NOT_FOUND");
  CHECK(results[2]["entry"]["value"]["coins"].is_number());
  json many = {{"ids", json::array()}};
  for (int i = 0; i < 101; ++i) many["ids"].push_back("k" + std::to_string(i));
  r = c.Post(kEntries + ":batchGet", many.dump());
  CHECK(r.status == 400);
  CHECK(r.Json()["details"][0]["reason"] == "LIMIT_EXCEEDED");
  CHECK(c.Post(kEntries + ":batchGet", R"({"ids":[]})").status == 400);
  CHECK(c.Post(kEntries + ":batchGet", R"({"ids":[7]})").status == 400);
  // A deleted data store answers 404 as a single read does.
  REQUIRE(c.Send("DELETE", "/cloud/v2/universes/42/data-stores/Inventory", "").status == 200);
  CHECK(c.Post(kEntries + ":batchGet", R"({"ids":["users:0"]})").status == 404);
}

TEST_CASE("batchGet: ordered entries with their ranks in one order", "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  for (int i = 0; i < 50; ++i) {
    REQUIRE(c.Post(kBoard + "?id=p" + std::to_string(i), json{{"value", i * 10}}.dump()).status ==
            200);
  }
  auto r = c.Post(kBoard + ":batchGet?orderBy=value%20desc",
                  R"({"ids":["p3","p49","ghost","p10","p3","ghost"]})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  json body = r.Json();
  json entries = body["orderedDataStoreEntries"];
  REQUIRE(entries.size() == 3);  // by rank; the repeated id once
  CHECK(entries[0]["id"] == "p49");
  CHECK(entries[0]["rank"] == 1);
  CHECK(entries[1]["id"] == "p10");
  CHECK(entries[1]["rank"] == 40);
  CHECK(entries[2]["id"] == "p3");
  CHECK(entries[2]["rank"] == 47);
  CHECK(entries[2]["value"] == 30);
  CHECK(body["totalSize"] == 50);
  CHECK(body["missingIds"] == json::array({"ghost"}));
  auto ascending = c.Post(kBoard + ":batchGet", R"({"ids":["p3"]})").Json();
  CHECK(ascending["orderedDataStoreEntries"][0]["rank"] == 4);
  CHECK(c.Post(kBoard + ":batchGet?orderBy=sideways", R"({"ids":["p3"]})").status == 400);
}

TEST_CASE("commit: refused on one family's bucket, it costs the others nothing", "[integration]") {
  // The data-store bucket (the route's own request, twelve) falls below half along the way: its
  // headers must not replace those of the bucket that refused.
  ServerFixture f({"--rate-limit-ordered-per-key", "5", "--rate-limit-memory-store-per-key", "1",
                   "--rate-limit-datastore-per-key", "12", "--rate-limit-burst-seconds", "1"});
  auto& c = *f.client;
  // The memory-store bucket (one token) is emptied; the ordered one (five) is full.
  REQUIRE(c.Get("/cloud/v2/universes/42/memory-store/sorted-maps/X/items").status == 200);
  const json mixed = {{"operations",
                       {{{"orderedEntry", {{"store", "Coins"}, {"id", "x"}}}, {"increment", 1}},
                        {{"sortedMapItem", {{"map", "X"}, {"id", "a"}}},
                         {"create", {{"value", 1}, {"ttl", "60s"}}}}}}};
  // Each commit draws the ordered token first, then meets the empty memory-store bucket. Were
  // the ordered draws kept, the sixth commit on would be refused by the ordered bucket (limit 5).
  int refused = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = c.Post(kCommit, mixed.dump());
    if (r.status == 200) continue;  // a memory-store token refilled (a slow machine)
    INFO(i << " " << r.body);
    REQUIRE(r.status == 429);
    ++refused;
    CHECK(r.Header("x-ratelimit-limit") == "1");
  }
  CHECK(refused >= 10);
}

TEST_CASE("commit: what it writes is bounded, and each operation costs a request",
          "[integration]") {
  ServerFixture f({"--max-commit-write-bytes", "20000", "--rate-limit-ordered-per-key", "5",
                   "--rate-limit-burst-seconds", "1"});
  auto& c = *f.client;
  // A small body that patches a 3 KB value eight times would write ~50 KB (entry + revision
  // each time): refused at the operation that crosses the limit, nothing written.
  REQUIRE(c.Post(kEntries + "?id=big", json{{"value", {{"pad", std::string(3000, 'x')}}}}.dump())
              .status == 200);
  json patches = {{"operations", json::array()}};
  for (int i = 0; i < 8; ++i) {
    patches["operations"].push_back(
        {{"entry", EntryRef("big")},
         {"patch", {{{"op", "add"}, {"path", "/n" + std::to_string(i)}, {"value", i}}}}});
  }
  auto r = c.Post(kCommit, patches.dump());
  INFO(r.body);
  CHECK(r.status == 400);
  CHECK(r.Json()["details"][0]["metadata"]["limit"] == "max_commit_write_bytes");
  CHECK(r.Json()["details"][0]["metadata"]["operationIndex"] != "0");
  CHECK(c.Get(kEntries + "/big").Json()["value"].size() == 1);
  json& operations = patches["operations"];
  operations.erase(operations.begin() + 3, operations.end());  // three fit
  CHECK(c.Post(kCommit, patches.dump()).status == 200);

  // Five leaderboard operations draw five ordered-family requests (the limit is 5 a second per
  // key, burst 1 s): the first commit passes, the next is refused with retry-after.
  json five = {{"operations", json::array()}};
  for (int i = 0; i < 5; ++i) {
    five["operations"].push_back(
        {{"orderedEntry", {{"store", "Coins"}, {"id", "p" + std::to_string(i)}}}, {"set", i}});
  }
  CHECK(c.Post(kCommit, five.dump()).status == 200);
  r = c.Post(kCommit, five.dump());
  CHECK(r.status == 429);
  CHECK_FALSE(r.Header("retry-after").empty());
  // With the headers of every 429 (api.md §7), naming the ordered bucket that refused.
  CHECK(r.Header("x-ratelimit-limit") == "5");
  CHECK(r.Header("x-ratelimit-remaining") == "0");
  CHECK_FALSE(r.Header("x-ratelimit-reset").empty());
  // A commit larger than the bucket costs a full bucket: it passes once the bucket refilled.
  json twelve = {{"operations", json::array()}};
  for (int i = 0; i < 12; ++i) {
    twelve["operations"].push_back(
        {{"orderedEntry", {{"store", "Coins"}, {"id", "q" + std::to_string(i)}}}, {"set", i}});
  }
  HttpResponse last;
  CHECK(WaitFor(
      [&] {
        if (last.status == 200) return true;
        last = c.Post(kCommit, twelve.dump());
        return last.status == 200;
      },
      std::chrono::seconds(5)));
  INFO(last.body);
  // A key with no scope on universe 42 is refused before it costs universe 42 anything.
  auto key = c.Post(
      "/admin/v1/api-keys",
      json{{"name", "elsewhere"},
           {"scopes",
            {{{"universe", "7"}, {"scope", "universe.ordered-data-store.scope.entry:write"}}}}}
          .dump());
  REQUIRE(key.status == 200);
  HttpClient elsewhere(f.server.port(), key.Json()["secret"].get<std::string>());
  CHECK(elsewhere.Post(kCommit, five.dump()).status == 403);
}

}  // namespace
}  // namespace strongbox::testing
