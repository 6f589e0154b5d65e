// Ordered data stores over real HTTP (api.md §4): both surfaces' status codes, filters and
// paging at the boundaries, rank / neighbours / count, the shared write hooks, a restart.

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kV2 = "/cloud/v2/universes/42/ordered-data-stores/Points/scopes/global/entries";
const std::string kV1 =
    "/ordered-data-stores/v1/universes/42/orderedDataStores/Points/scopes/global/entries";

void Seed(HttpClient& client, const std::vector<std::pair<std::string, int64_t>>& entries) {
  for (const auto& [id, value] : entries) {
    auto r = client.Post(kV2 + "?id=" + id, json{{"value", value}}.dump());
    REQUIRE(r.status == 200);
  }
}

std::vector<std::string> Ids(const json& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e["id"].get<std::string>());
  return ids;
}

TEST_CASE("ordered v2 calls answer with the contract's codes", "[integration]") {
  ServerFixture f;
  auto created = f.client->Post(kV2 + "?id=alice", R"({"value":10})");
  REQUIRE(created.status == 200);
  CHECK(created.Json() ==
        json{{"path", "universes/42/ordered-data-stores/Points/scopes/global/entries/alice"},
             {"id", "alice"},
             {"value", 10}});
  auto again = f.client->Post(kV2 + "?id=alice", R"({"value":11})");
  CHECK(again.status == 409);
  CHECK(again.Json()["code"] == "ALREADY_EXISTS");
  CHECK(f.client->Get(kV2 + "/alice").Json()["value"] == 10);
  CHECK(f.client->Get(kV2 + "/bob").status == 404);

  CHECK(f.client->Patch(kV2 + "/bob", R"({"value":5})").status == 404);
  CHECK(f.client->Patch(kV2 + "/bob?allowMissing=true", R"({"value":5})").Json()["value"] == 5);
  CHECK(f.client->Patch(kV2 + "/carol?allowIfMissing=true", R"({"value":7})").status == 200);
  CHECK(f.client->Patch(kV2 + "/alice", R"({"value":12})").Json()["value"] == 12);

  CHECK(f.client->Post(kV2 + "/dave:increment", R"({"amount":3})").Json()["value"] == 3);
  CHECK(f.client->Post(kV2 + "/dave:increment", R"({"amount":-5})").Json()["value"] == -2);

  auto deleted = f.client->Delete(kV2 + "/dave");
  CHECK(deleted.status == 200);
  CHECK(deleted.body == "{}");
  CHECK(f.client->Delete(kV2 + "/dave").status == 404);
  CHECK(f.client->Get(kV2 + "/dave").status == 404);
}

TEST_CASE("ordered v1 calls answer with the v1 codes", "[integration]") {
  ServerFixture f;
  auto created = f.client->Post(kV1 + "?id=alice", R"({"value":10})");
  REQUIRE(created.status == 200);
  CHECK(created.Json()["path"] ==
        "universes/42/orderedDataStores/Points/scopes/global/entries/alice");
  auto again = f.client->Post(kV1 + "?id=alice", R"({"value":11})");
  CHECK(again.status == 400);
  CHECK(again.Json()["message"] == "Entry already exists.");
  CHECK(f.client->Patch(kV1 + "/bob", R"({"value":1})").status == 404);
  CHECK(f.client->Patch(kV1 + "/bob?allow_missing=true", R"({"value":1})").status == 200);
  CHECK(f.client->Post(kV1 + "/bob:increment", R"({"amount":4})").Json()["value"] == 5);
  CHECK(f.client->Delete(kV1 + "/nobody").status == 200);
  CHECK(f.client->Delete(kV1 + "/bob").status == 200);
  CHECK(f.client->Get(kV1 + "/bob").status == 404);
  // Both surfaces are one model.
  CHECK(f.client->Get(kV2 + "/alice").Json()["value"] == 10);

  Seed(*f.client, {{"b", 30}, {"c", 20}});
  auto listed = f.client->Get(kV1 + "?order_by=desc&max_page_size=2");
  REQUIRE(listed.status == 200);
  CHECK(Ids(listed.Json()["entries"]) == std::vector<std::string>{"b", "c"});
  auto next = f.client->Get(kV1 + "?order_by=desc&max_page_size=2&page_token=" +
                            listed.Json()["nextPageToken"].get<std::string>());
  CHECK(Ids(next.Json()["entries"]) == std::vector<std::string>{"alice"});
  CHECK(next.Json()["nextPageToken"] == "");
}

TEST_CASE("ordered values must be int64: overflow is 400 and changes nothing", "[integration]") {
  ServerFixture f;
  CHECK(f.client->Post(kV2 + "?id=a", R"({"value":9223372036854775808})").status == 400);
  CHECK(f.client->Post(kV2 + "?id=a", R"({"value":1.5})").status == 400);
  CHECK(f.client->Post(kV2 + "?id=a", R"({})").status == 400);
  CHECK(f.client->Get(kV2 + "/a").status == 404);
  REQUIRE(f.client->Post(kV2 + "?id=a", R"({"value":9223372036854775806})").status == 200);
  auto overflow = f.client->Post(kV2 + "/a:increment", R"({"amount":2})");
  CHECK(overflow.status == 400);
  CHECK(f.client->Get(kV2 + "/a").Json()["value"] == 9223372036854775806LL);
  CHECK(f.client->Post(kV2 + "/a:increment", R"({"amount":1})").Json()["value"] ==
        9223372036854775807LL);
  CHECK(f.client->Post(kV2 + "?id=" + std::string(64, 'x'), R"({"value":1})").status == 400);
}

TEST_CASE("ordered listing: order, ties, inclusive filters and page boundaries", "[integration]") {
  ServerFixture f;
  // Ties at 20: c arrived before d; e leaves 20 and comes back, so it is last of the three.
  Seed(*f.client, {{"a", 10}, {"c", 20}, {"e", 20}, {"d", 20}, {"b", 30}});
  REQUIRE(f.client->Patch(kV2 + "/e", R"({"value":21})").status == 200);
  REQUIRE(f.client->Patch(kV2 + "/e", R"({"value":20})").status == 200);

  auto asc = f.client->Get(kV2 + "?maxPageSize=100");
  CHECK(Ids(asc.Json()["orderedDataStoreEntries"]) ==
        std::vector<std::string>{"a", "c", "d", "e", "b"});
  auto desc = f.client->Get(kV2 + "?orderBy=value%20desc&maxPageSize=100");
  const json entries = desc.Json()["orderedDataStoreEntries"];
  CHECK(Ids(entries) == std::vector<std::string>{"b", "c", "d", "e", "a"});
  for (size_t i = 0; i < entries.size(); ++i) CHECK(entries[i]["rank"] == i + 1);

  // Inclusive bounds; rank stays the position on the whole board.
  auto filtered = f.client->Get(
      kV2 + "?orderBy=value+desc&filter=" + "entry%20%3E%3D%2020%20%26%26%20entry%20%3C%3D%2020");
  const json mid = filtered.Json()["orderedDataStoreEntries"];
  CHECK(Ids(mid) == std::vector<std::string>{"c", "d", "e"});
  CHECK(mid[0]["rank"] == 2);
  CHECK(f.client->Get(kV2 + "?filter=entry%20%3E%3D%2031").Json()["orderedDataStoreEntries"] ==
        json::array());
  auto bad = f.client->Get(kV2 + "?filter=entry%20%3E%2010");
  CHECK(bad.status == 400);
  CHECK(bad.Json()["message"].get<std::string>().find("entry >= N && entry <= N") !=
        std::string::npos);
  CHECK(f.client->Get(kV2 + "?orderBy=score").status == 400);

  // A page exactly as large as what is left ends the listing: no token.
  auto first = f.client->Get(kV2 + "?orderBy=value%20desc&maxPageSize=3");
  CHECK(Ids(first.Json()["orderedDataStoreEntries"]) == std::vector<std::string>{"b", "c", "d"});
  const std::string token = first.Json()["nextPageToken"];
  REQUIRE_FALSE(token.empty());
  // A write between pages does not repeat or skip entries that did not move.
  REQUIRE(f.client->Post(kV2 + "?id=z", R"({"value":100})").status == 200);
  auto second = f.client->Get(kV2 + "?orderBy=value%20desc&maxPageSize=2&pageToken=" + token);
  CHECK(Ids(second.Json()["orderedDataStoreEntries"]) == std::vector<std::string>{"e", "a"});
  CHECK(second.Json()["nextPageToken"] == "");
  // The token belongs to its query.
  CHECK(f.client->Get(kV2 + "?maxPageSize=2&pageToken=" + token).status == 400);
  CHECK(f.client->Get(kV2 + "?pageToken=garbage").status == 400);
}

TEST_CASE("rank, neighbours and count answer from the whole board", "[integration]") {
  ServerFixture f;
  for (int i = 1; i <= 30; ++i) {
    REQUIRE(
        f.client->Post(kV2 + "?id=p" + std::to_string(i), json{{"value", i * 10}}.dump()).status ==
        200);
  }
  auto rank = f.client->Get(kV2 + "/p25:rank?orderBy=value%20desc");
  REQUIRE(rank.status == 200);
  CHECK(rank.Json() ==
        json{{"path", "universes/42/ordered-data-stores/Points/scopes/global/entries/p25"},
             {"id", "p25"},
             {"value", 250},
             {"rank", 6},
             {"totalSize", 30}});
  CHECK(f.client->Get(kV2 + "/p25:rank").Json()["rank"] == 25);
  CHECK(f.client->Get(kV2 + "/nobody:rank").status == 404);

  auto around = f.client->Get(kV2 + "/p29:neighbors?orderBy=value%20desc&before=5&after=2");
  REQUIRE(around.status == 200);
  CHECK(Ids(around.Json()["orderedDataStoreEntries"]) ==
        std::vector<std::string>{"p30", "p29", "p28", "p27"});
  CHECK(around.Json()["orderedDataStoreEntries"][1]["rank"] == 2);
  CHECK(around.Json()["totalSize"] == 30);
  CHECK(f.client->Get(kV2 + "/p1:neighbors?before=0&after=0")
            .Json()["orderedDataStoreEntries"]
            .size() == 1);
  CHECK(f.client->Get(kV2 + "/p1:neighbors?before=-1").status == 400);

  CHECK(f.client->Get(kV2 + ":count").Json() == json{{"totalSize", 30}});
  CHECK(f.client->Get(kV2 + ":count?filter=entry%20%3E%3D%20100%20%26%26%20entry%20%3C%3D%20200")
            .Json()["totalSize"] == 11);
  CHECK(f.client->Get(kV2 + ":count?filter=nonsense").status == 400);
  // Another scope is another board.
  CHECK(
      f.client->Get("/cloud/v2/universes/42/ordered-data-stores/Points/scopes/weekly/entries:count")
          .Json()["totalSize"] == 0);
}

TEST_CASE("ordered writes take Idempotency-Key and the lock guard", "[integration]") {
  ServerFixture f;
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "win-1"}};
  auto first = f.client->Send("POST", kV2 + "/alice:increment", R"({"amount":50})", key);
  auto retry = f.client->Send("POST", kV2 + "/alice:increment", R"({"amount":50})", key);
  CHECK(first.Json()["value"] == 50);
  CHECK(retry.Json()["value"] == 50);
  CHECK(retry.Header("idempotent-replayed") == "true");
  CHECK(f.client->Get(kV2 + "/alice").Json()["value"] == 50);

  auto lock = f.client->Post("/cloud/v2/universes/42/session-locks/alice:acquire",
                             R"({"owner":"server-1","ttl":"60s"})");
  REQUIRE(lock.status == 200);
  const std::string token = lock.Json()["fencingToken"];
  auto guarded = [&](const std::string& t) {
    return f.client->Send("POST", kV2 + "/alice:increment", R"({"amount":1})",
                          {{"Strongbox-Lock-Id", "alice"}, {"Strongbox-Fencing-Token", t}});
  };
  CHECK(guarded(token).Json()["value"] == 51);
  auto stale = guarded(std::to_string(std::stoull(token) + 1));
  CHECK(stale.status == 409);
  CHECK(stale.body.find("LOCK_LOST") != std::string::npos);
  CHECK(f.client->Get(kV2 + "/alice").Json()["value"] == 51);
  CHECK(f.client->Get(kV2 + "/alice:rank").Json()["value"] == 51);
}

TEST_CASE("a restart keeps ordered entries, ranks and tie order", "[integration]") {
  ServerFixture f;
  Seed(*f.client, {{"x", 5}, {"y", 5}, {"z", 9}});
  REQUIRE(f.client->Post(kV2 + "/x:increment", R"({"amount":0})").status == 200);
  const json before = f.client->Get(kV2 + "?orderBy=value%20desc").Json();
  REQUIRE(f.Restart() == 0);
  CHECK(f.client->Get(kV2 + "?orderBy=value%20desc").Json() == before);
  CHECK(Ids(before["orderedDataStoreEntries"]) == std::vector<std::string>{"z", "x", "y"});
  CHECK(f.client->Get(kV2 + "/y:rank?orderBy=value%20desc").Json()["rank"] == 3);
  // An entry that reaches 5 after the restart arrives after x and y.
  REQUIRE(f.client->Post(kV2 + "?id=w", R"({"value":5})").status == 200);
  CHECK(f.client->Get(kV2 + "/w:rank?orderBy=value%20desc").Json()["rank"] == 4);
}

TEST_CASE("board settings: write strategies over HTTP, both surfaces and :commit",
          "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  const std::string settings =
      "/cloud/v2/universes/42/ordered-data-stores/Points/scopes/global:settings";
  auto got = c.Get(settings);
  REQUIRE(got.status == 200);
  CHECK(got.Json()["writeStrategy"] == "set");
  CHECK(got.Json()["bestOrder"] == "desc");
  CHECK(got.Json()["path"] == "universes/42/ordered-data-stores/Points/scopes/global");

  auto patched = c.Send("PATCH", settings, R"({"writeStrategy":"best"})");
  INFO(patched.body);
  REQUIRE(patched.status == 200);
  CHECK(patched.Json()["writeStrategy"] == "best");
  CHECK(c.Post(kV2 + "?id=p", R"({"value":50})").status == 200);
  CHECK(c.Send("PATCH", kV2 + "/p", R"({"value":20})").Json()["value"] == 50);
  CHECK(c.Send("PATCH", kV2 + "/p", R"({"value":70})").Json()["value"] == 70);
  // v1 writes follow the same board's strategy.
  CHECK(c.Send("PATCH", kV1 + "/p", R"({"value":10})").Json()["value"] == 70);
  // So does a transaction's set.
  json commit = {
      {"operations", {{{"orderedEntry", {{"store", "Points"}, {"id", "p"}}}, {"set", 5}}}}};
  auto r = c.Post("/cloud/v2/universes/42:commit", commit.dump());
  REQUIRE(r.status == 200);
  CHECK(r.Json()["results"][0]["value"] == 70);

  REQUIRE(c.Send("PATCH", settings, R"({"writeStrategy":"sum"})").status == 200);
  CHECK(c.Get(settings).Json()["bestOrder"] == "desc");  // kept
  CHECK(c.Send("PATCH", kV2 + "/p", R"({"value":5})").Json()["value"] == 75);

  // Bad input is refused and changes nothing.
  CHECK(c.Send("PATCH", settings, R"({"writeStrategy":"max"})").status == 400);
  CHECK(c.Send("PATCH", settings, R"({"bestOrder":"up"})").status == 400);
  CHECK(c.Send("PATCH", settings, R"({"resetSchedule":"0 0 * *"})").status == 400);
  CHECK(c.Send("PATCH", settings, R"({"resetSchedule":"@every 2s"})").status == 400);  // < 60 s
  CHECK(c.Send("PATCH", settings, R"({"archiveSeasons":101})").status == 400);
  CHECK(c.Send("PATCH", settings, R"({"archiveSeasons":-1})").status == 400);
  CHECK(c.Get(settings).Json()["resetSchedule"] == "");
  CHECK(c.Get(settings).Json()["writeStrategy"] == "sum");
  f.Restart();
  CHECK(f.client->Get(settings).Json()["writeStrategy"] == "sum");
}

// Seasons (api.md §9) with a 3-second schedule (the config floor lowered for the test): the
// reset empties the live board, the finished season stays readable with its ranks through
// every read call and across a restart, and is read-only.
TEST_CASE("seasons: a reset over HTTP, archives read with season=, :seasons, a restart",
          "[integration]") {
  ServerFixture f({"--leaderboard-min-reset-interval-seconds", "1"});
  const std::string board = "/cloud/v2/universes/42/ordered-data-stores/Season/scopes/global";
  const std::string entries = board + "/entries";
  auto patched = f.client->Send("PATCH", board + ":settings",
                                R"({"resetSchedule":"@every 3s","archiveSeasons":10})");
  INFO(patched.body);
  REQUIRE(patched.status == 200);
  CHECK(patched.Json()["resetSchedule"] == "@every 3s");
  CHECK(patched.Json()["archiveSeasons"] == 10);

  // The live season's number, from :count (which every scheduled board answers with).
  auto live_season = [&] {
    auto r = f.client->Get(entries + ":count");
    REQUIRE(r.status == 200);
    REQUIRE(r.Json().contains("nextResetTime"));
    return r.Json()["seasonId"].get<std::string>();
  };
  // Waits (≤ 8 s) for the season after `season` to begin.
  auto wait_reset = [&](const std::string& season) {
    std::string now;
    for (int i = 0; i < 160; ++i) {
      now = live_season();
      if (now != season) return now;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("no reset within 8 s");
    return now;
  };
  // Start right after a reset, so the writes below have a whole season.
  const std::string first = wait_reset(live_season());
  auto written = f.client->Post(entries + "?id=a", R"({"value":10})");
  REQUIRE(written.status == 200);
  CHECK(written.Json()["seasonId"] == first);
  REQUIRE(f.client->Post(entries + "?id=b", R"({"value":20})").status == 200);
  auto listed = f.client->Get(entries + "?orderBy=value%20desc");
  REQUIRE(listed.status == 200);
  const json live = listed.Json();
  CHECK(live["seasonId"] == first);
  CHECK(live.contains("seasonStartTime"));
  CHECK(live.contains("nextResetTime"));
  CHECK(Ids(live["orderedDataStoreEntries"]) == std::vector<std::string>{"b", "a"});
  auto page1 = f.client->Get(entries + "?orderBy=value%20desc&maxPageSize=1");
  REQUIRE(page1.status == 200);
  const std::string token = page1.Json()["nextPageToken"].get<std::string>();
  REQUIRE_FALSE(token.empty());

  const std::string second = wait_reset(first);
  auto now = f.client->Get(entries);
  CHECK(now.Json()["orderedDataStoreEntries"].empty());
  CHECK(now.Json()["seasonId"] == second);
  CHECK(f.client->Get(entries + "/b:rank").status == 404);
  // Paging on across the reset goes on in the season the listing started in.
  auto page2 = f.client->Get(entries + "?orderBy=value%20desc&maxPageSize=1&pageToken=" + token);
  INFO(page2.body);
  REQUIRE(page2.status == 200);
  CHECK(page2.Json()["seasonId"] == first);
  CHECK(Ids(page2.Json()["orderedDataStoreEntries"]) == std::vector<std::string>{"a"});
  CHECK(f.client
            ->Get(entries + "?orderBy=value%20desc&maxPageSize=1&season=" + second +
                  "&pageToken=" + token)
            .status == 400);
  REQUIRE(f.client->Post(entries + "?id=c", R"({"value":5})").status == 200);  // lands in `second`

  for (int pass = 0; pass < 2; ++pass) {
    INFO("pass " << pass << " (1: after a restart)");
    const std::string in_first = "season=" + first;
    auto archived = f.client->Get(entries + "?orderBy=value%20desc&" + in_first);
    REQUIRE(archived.status == 200);
    CHECK(archived.Json()["seasonId"] == first);
    CHECK(archived.Json().contains("seasonEndTime"));
    CHECK_FALSE(archived.Json().contains("nextResetTime"));
    CHECK(Ids(archived.Json()["orderedDataStoreEntries"]) == std::vector<std::string>{"b", "a"});
    auto rank = f.client->Get(entries + "/a:rank?orderBy=value%20desc&" + in_first);
    REQUIRE(rank.status == 200);
    CHECK(rank.Json()["rank"] == 2);
    CHECK(rank.Json()["totalSize"] == 2);
    CHECK(rank.Json()["seasonId"] == first);
    CHECK(f.client->Get(entries + "/b:neighbors?" + in_first)
              .Json()["orderedDataStoreEntries"]
              .size() == 2);
    CHECK(f.client->Get(entries + ":count?filter=entry%20%3E%3D%2015&" + in_first)
              .Json()["totalSize"] == 1);
    auto batch = f.client->Post(entries + ":batchGet?" + in_first, R"({"ids":["a","c"]})");
    REQUIRE(batch.status == 200);
    CHECK(batch.Json()["missingIds"] == json::array({"c"}));
    CHECK(f.client->Get(entries + "/a?" + in_first).Json()["value"] == 10);
    // Read-only, and only real seasons.
    auto write_old =
        f.client->Send("PATCH", entries + "/a?allowMissing=true&" + in_first, R"({"value":99})");
    CHECK(write_old.status == 400);
    CHECK(write_old.body.find("SEASON_ENDED") != std::string::npos);
    CHECK(f.client->Get(entries + "?season=99999").status == 404);
    CHECK(f.client->Get(entries + "?season=x").status == 400);

    auto seasons = f.client->Get(board + ":seasons");
    REQUIRE(seasons.status == 200);
    const json list = seasons.Json()["seasons"];
    REQUIRE(list.size() >= 2);
    // The live one first (a reset may have come since `second`), then newest first.
    CHECK(std::stoull(list[0]["seasonId"].get<std::string>()) >= std::stoull(second));
    json archived_first;
    for (const auto& season : list) {
      if (season["seasonId"] == first) archived_first = season;
    }
    CHECK(archived_first["totalSize"] == 2);
    CHECK(archived_first.contains("endTime"));
    if (pass == 0) REQUIRE(f.Restart() == 0);
  }
  // Retention lowered to none: the archive is gone at once.
  REQUIRE(f.client->Send("PATCH", board + ":settings", R"({"archiveSeasons":0})").status == 200);
  CHECK(f.client->Get(entries + "?season=" + first).status == 404);
}

// Subscore and metadata (api.md §9) on both surfaces, in ranks and lists, through :commit, and
// after a restart (the rank index is rebuilt with the subscore from storage).
TEST_CASE("subscore breaks ties and metadata rides along, over HTTP", "[integration]") {
  ServerFixture f({"--max-leaderboard-metadata-bytes", "64"});
  const std::string v2 = "/cloud/v2/universes/42/ordered-data-stores/Race/scopes/global/entries";
  const std::string v1 =
      "/ordered-data-stores/v1/universes/42/orderedDataStores/Race/scopes/global/entries";
  auto made =
      f.client->Post(v2 + "?id=ann", R"({"value":100,"subscore":5,"metadata":{"car":"red"}})");
  INFO(made.body);
  REQUIRE(made.status == 200);
  CHECK(made.Json()["subscore"] == 5);
  CHECK(made.Json()["metadata"] == json{{"car", "red"}});
  REQUIRE(f.client->Post(v2 + "?id=bob", R"({"value":100,"subscore":"9"})").status == 200);
  REQUIRE(f.client->Post(v1 + "?id=cat", R"({"value":100})").status == 200);  // subscore 0
  // Plain entries keep the §4 shape: no subscore or metadata member.
  CHECK(f.client->Get(v2 + "/cat").Json() ==
        json{{"path", "universes/42/ordered-data-stores/Race/scopes/global/entries/cat"},
             {"id", "cat"},
             {"value", 100}});
  for (int pass = 0; pass < 2; ++pass) {
    INFO("pass " << pass << " (1: after a restart)");
    auto desc = f.client->Get(v2 + "?orderBy=value%20desc");
    REQUIRE(desc.status == 200);
    CHECK(Ids(desc.Json()["orderedDataStoreEntries"]) ==
          std::vector<std::string>{"bob", "ann", "cat"});
    CHECK(desc.Json()["orderedDataStoreEntries"][1]["metadata"] == json{{"car", "red"}});
    CHECK(Ids(f.client->Get(v2).Json()["orderedDataStoreEntries"]) ==
          std::vector<std::string>{"cat", "ann", "bob"});
    auto rank = f.client->Get(v2 + "/ann:rank?orderBy=value%20desc");
    CHECK(rank.Json()["rank"] == 2);
    CHECK(rank.Json()["metadata"] == json{{"car", "red"}});
    CHECK(f.client->Get(v1 + "/ann").Json()["subscore"] == 5);
    if (pass == 0) REQUIRE(f.Restart() == 0);
  }
  // An update that leaves them out keeps them; {} removes the metadata; :increment and :commit
  // take them too.
  auto kept = f.client->Send("PATCH", v2 + "/ann", R"({"value":101})");
  CHECK(kept.Json()["subscore"] == 5);
  CHECK(kept.Json()["metadata"] == json{{"car", "red"}});
  auto cleared = f.client->Send("PATCH", v2 + "/ann", R"({"value":101,"metadata":{}})");
  CHECK_FALSE(cleared.Json().contains("metadata"));
  auto bumped = f.client->Post(v2 + "/cat:increment", R"({"amount":1,"subscore":2})");
  CHECK(bumped.Json()["value"] == 101);
  CHECK(bumped.Json()["subscore"] == 2);
  json commit = {{"operations",
                  {{{"orderedEntry", {{"store", "Race"}, {"id", "dan"}}},
                    {"set", 101},
                    {"subscore", 3},
                    {"metadata", {{"car", "blue"}}}}}}};
  auto committed = f.client->Post("/cloud/v2/universes/42:commit", commit.dump());
  INFO(committed.body);
  REQUIRE(committed.status == 200);
  CHECK(committed.Json()["results"][0]["metadata"] == json{{"car", "blue"}});
  CHECK(Ids(f.client->Get(v2 + "?orderBy=value%20desc&maxPageSize=3")
                .Json()["orderedDataStoreEntries"]) ==
        std::vector<std::string>{"ann", "dan", "cat"});
  // Bad input.
  CHECK(f.client->Post(v2 + "?id=x", R"({"value":1,"metadata":[1]})").status == 400);
  CHECK(f.client->Post(v2 + "?id=x", R"({"value":1,"subscore":1.5})").status == 400);
  auto big = f.client->Post(v2 + "?id=x",
                            R"({"value":1,"metadata":{"note":")" + std::string(80, 'n') + R"("}})");
  CHECK(big.status == 400);
  CHECK(big.body.find("max_leaderboard_metadata_bytes") != std::string::npos);
  CHECK(f.client->Get(v2 + "/x").status == 404);
}

}  // namespace
}  // namespace strongbox::testing
