// Memory-store hash maps over real HTTP (api.md §10, Roblox's MemoryStoreHashMap): shapes and
// codes, field names in any case, listing by id across pages, 64 writers racing one etag,
// real-time TTL with the sweeper, a restart, Idempotency-Key, the lock guard, flush, metrics.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kItems = "/cloud/v2/universes/42/memory-store/hash-maps/Servers/items";

std::vector<std::string> ListAll(HttpClient& client, int page_size) {
  std::vector<std::string> ids;
  std::string token;
  for (int pages = 0; pages < 100; ++pages) {
    auto r = client.Get(kItems + "?maxPageSize=" + std::to_string(page_size) +
                        (token.empty() ? "" : "&pageToken=" + token));
    REQUIRE(r.status == 200);
    const json page = r.Json();  // named: a range-for over a temporary's member dangles
    for (const auto& item : page["items"]) ids.push_back(item["id"].get<std::string>());
    token = page["nextPageToken"].get<std::string>();
    if (token.empty()) return ids;
  }
  FAIL("paging did not end");
  return ids;
}

TEST_CASE("hash map items: create, get, CAS update, delete, list, with the contract's codes",
          "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  auto created = c.Post(kItems + "?id=eu-1", R"({"value":{"players":3},"ttl":"60s"})");
  REQUIRE(created.status == 200);
  const json item = created.Json();
  CHECK(item["path"] == "cloud/v2/universes/42/memory-store/hash-maps/Servers/items/eu-1");
  CHECK(item["id"] == "eu-1");
  CHECK(item["value"] == json{{"players", 3}});
  CHECK(!item["etag"].get<std::string>().empty());
  CHECK(item.contains("expireTime"));
  CHECK(!item.contains("numericSortKey"));
  // The id in the body, and field names in any case, as Roblox clients send them.
  CHECK(c.Post(kItems, R"({"Id":"eu-2","Value":"x","Ttl":"60s"})").status == 200);
  auto dup = c.Post(kItems + "?id=eu-1", R"({"value":1,"ttl":"60s"})");
  CHECK(dup.status == 409);
  CHECK(dup.Json()["error"] == "ALREADY_EXISTS");
  CHECK(c.Get(kItems + "/eu-1").Json() == item);
  CHECK(c.Get(kItems + "/nope").status == 404);

  // Update with the etag: once; the stale etag is refused and changes nothing.
  const std::string etag = item["etag"];
  auto updated = c.Patch(kItems + "/eu-1", json{{"value", 4}, {"etag", etag}}.dump());
  REQUIRE(updated.status == 200);
  CHECK(updated.Json()["etag"] != etag);
  CHECK(updated.Json()["expireTime"] == item["expireTime"]);  // no ttl: the expiry is kept
  CHECK(c.Patch(kItems + "/eu-1", json{{"Value", 5}, {"Etag", etag}}.dump()).status == 409);
  CHECK(c.Get(kItems + "/eu-1").Json()["value"] == 4);
  CHECK(c.Patch(kItems + "/missing", R"({"value":1})").status == 404);
  CHECK(c.Patch(kItems + "/missing?allowMissing=true", R"({"value":1,"ttl":"60s"})").status == 200);
  // What a hash map does not have.
  CHECK(c.Post(kItems + "?id=k", R"({"value":1,"ttl":"60s","numericSortKey":1})").status == 400);
  CHECK(c.Get(kItems + "?orderBy=desc").status == 400);
  CHECK(c.Get(kItems + "?filter=id%20%3E%20%22a%22").status == 400);
  CHECK(c.Post(kItems + "?id=nottl", R"({"value":1})").status == 400);
  CHECK(c.Post(kItems + "?id=big", R"({"value":1,"ttl":"3888001s"})").status == 400);

  // Delete with a stale etag is refused; without one it goes; a second delete is still 200.
  CHECK(c.Delete(kItems + "/eu-1?etag=" + etag).status == 409);
  CHECK(c.Delete(kItems + "/eu-1").status == 200);
  CHECK(c.Delete(kItems + "/eu-1").status == 200);
  CHECK(c.Get(kItems + "/eu-1").status == 404);

  // Listing: every item once, by id, the same across page sizes.
  for (int i = 0; i < 23; ++i) {
    REQUIRE(c.Post(kItems + "?id=s" + std::to_string(i * 7 % 23), R"({"value":1,"ttl":"60s"})")
                .status == 200);
  }
  const auto whole = ListAll(c, 100);
  CHECK(whole.size() == 25);
  CHECK(std::is_sorted(whole.begin(), whole.end()));
  CHECK(ListAll(c, 2) == whole);
  CHECK(ListAll(c, 7) == whole);
  CHECK(c.Get(kItems + "?maxPageSize=101").Json()["items"].size() == 25);  // capped at 100
  CHECK(c.Get(kItems + "?pageToken=garbage").status == 400);
  // A sorted map of the same name is another structure.
  CHECK(c.Get("/cloud/v2/universes/42/memory-store/sorted-maps/Servers/items/s1").status == 404);
}

TEST_CASE("hash map: 64 writers race one etag and exactly one wins", "[integration]") {
  ServerFixture f;
  auto created = f.client->Post(kItems + "?id=ticket", R"({"value":0,"ttl":"60s"})");
  REQUIRE(created.status == 200);
  const std::string etag = created.Json()["etag"];
  constexpr int kWriters = 64;
  std::atomic<int> won{0}, conflicts{0}, other{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client(f.server.port(), f.server.admin_key());
      ready.fetch_add(1);
      while (ready.load() < kWriters) std::this_thread::yield();
      auto r = client.Patch(kItems + "/ticket", json{{"value", w}, {"etag", etag}}.dump());
      if (r.status == 200) {
        won.fetch_add(1);
      } else if (r.status == 409) {
        conflicts.fetch_add(1);
      } else {
        other.fetch_add(1);
      }
    });
  }
  for (auto& t : writers) t.join();
  CHECK(won.load() == 1);
  CHECK(conflicts.load() == kWriters - 1);
  CHECK(other.load() == 0);
  // Then rounds: each writer reads and writes with what it read; every etag has one winner, so
  // the value counts the wins exactly (no update is lost).
  const int start = f.client->Get(kItems + "/ticket").Json()["value"].get<int>();
  std::atomic<int> increments{0};
  writers.clear();
  for (int w = 0; w < 16; ++w) {
    writers.emplace_back([&] {
      HttpClient client(f.server.port(), f.server.admin_key());
      for (int i = 0; i < 10; ++i) {
        const json now = client.Get(kItems + "/ticket").Json();
        const int value = now["value"].get<int>();
        auto r = client.Patch(kItems + "/ticket",
                              json{{"value", value + 1}, {"etag", now["etag"]}}.dump());
        if (r.status == 200) increments.fetch_add(1);
      }
    });
  }
  for (auto& t : writers) t.join();
  CHECK(increments.load() > 0);
  CHECK(f.client->Get(kItems + "/ticket").Json()["value"].get<int>() == start + increments.load());
}

TEST_CASE("hash map items expire in real time and are swept, a restart keeps items and TTLs",
          "[integration]") {
  ServerFixture f({"--memstore-sweep-interval-ms", "50"});
  auto& c = *f.client;
  REQUIRE(c.Post(kItems + "?id=brief", R"({"value":1,"ttl":"0.3s"})").status == 200);
  REQUIRE(c.Post(kItems + "?id=stays", R"({"value":1,"ttl":"60s"})").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  CHECK(c.Get(kItems + "/brief").status == 404);
  CHECK(ListAll(c, 10) == std::vector<std::string>{"stays"});
  CHECK(c.Post(kItems + "?id=brief", R"({"value":2,"ttl":"60s"})").status == 200);
  const json before = c.Get(kItems + "/stays").Json();
  REQUIRE(f.Restart() == 0);
  CHECK(f.client->Get(kItems + "/stays").Json() == before);
  CHECK(f.client->Get(kItems + "/brief").Json()["value"] == 2);
  // Metrics count them, and the inventory lists the map.
  auto metrics = f.client->Get("/metrics");
  CHECK(
      metrics.body.find(R"(strongbox_map_items{universe="42",kind="hash_map",map="Servers"} 2)") !=
      std::string::npos);
  auto inventory = f.client->Get("/admin/v1/universes/42");
  CHECK(inventory.Json()["hashMaps"] == json{"Servers"});
}

TEST_CASE("hash map writes take Idempotency-Key and the lock guard, flush clears them",
          "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "add-1"}};
  auto first = c.Send("POST", kItems + "?id=q", R"({"value":1,"ttl":"60s"})", key);
  auto retry = c.Send("POST", kItems + "?id=q", R"({"value":1,"ttl":"60s"})", key);
  CHECK(first.status == 200);
  CHECK(retry.status == 200);
  CHECK(retry.Header("idempotent-replayed") == "true");
  CHECK(retry.body == first.body);
  // A stale fencing token: nothing written.
  auto taken =
      c.Post("/cloud/v2/universes/42/session-locks/L:acquire", R"({"owner":"a","ttl":"60s"})");
  REQUIRE(taken.status == 200);
  const std::string token = taken.Json()["fencingToken"];
  REQUIRE(c.Post("/cloud/v2/universes/42/session-locks/L:steal", R"({"owner":"b","ttl":"60s"})")
              .status == 200);
  auto guarded = c.Send("POST", kItems + "?id=g", R"({"value":1,"ttl":"60s"})",
                        {{"Strongbox-Lock-Id", "L"}, {"Strongbox-Fencing-Token", token}});
  CHECK(guarded.status == 409);
  CHECK(c.Get(kItems + "/g").status == 404);

  REQUIRE(c.Post(kItems + "?id=r", R"({"value":1,"ttl":"60s"})").status == 200);
  const std::string other = "/cloud/v2/universes/43/memory-store/hash-maps/Servers/items";
  REQUIRE(c.Post(other + "?id=keep", R"({"value":1,"ttl":"60s"})").status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/memory-store:flush", "").status == 200);
  CHECK(ListAll(c, 100).empty());
  CHECK(c.Get(other + "/keep").status == 200);
  CHECK(c.Post(kItems + "?id=q", R"({"value":2,"ttl":"60s"})").status == 200);
}

// The number /metrics reports for one map (strongbox_map_items), or 0 when it lists none.
int MapItems(HttpClient& client, const std::string& kind, const std::string& map) {
  const std::string body = client.Get("/metrics").body;
  const std::string line =
      "strongbox_map_items{universe=\"42\",kind=\"" + kind + "\",map=\"" + map + "\"} ";
  const size_t at = body.find(line);
  return at == std::string::npos ? 0 : std::stoi(body.substr(at + line.size()));
}

TEST_CASE("a flush racing writes leaves every count exact", "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  const std::string ms = "/cloud/v2/universes/42/memory-store";
  for (int i = 0; i < 1500; ++i) {
    REQUIRE(c.Post(kItems + "?id=a" + std::to_string(i), R"({"value":1,"ttl":"600s"})").status ==
            200);
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (const std::string kind : {"hash-maps/Servers", "sorted-maps/Lobby"}) {
    writers.emplace_back([&, kind] {
      HttpClient client(f.server.port(), f.server.admin_key());
      for (int i = 0; !stop.load() && i < 5000; ++i) {
        client.Post(ms + "/" + kind + "/items?id=z" + std::to_string(i),
                    R"({"value":1,"ttl":"600s"})");
        client.Post(ms + "/queues/Q/items", R"({"data":1,"ttl":"600s"})");
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(c.Post(ms + ":flush", "").status == 200);
  stop.store(true);
  for (auto& t : writers) t.join();
  // Whatever survived, the counts say exactly that much, and reach 0 when it is deleted.
  const auto hash_ids = ListAll(c, 100);
  CHECK(MapItems(c, "hash_map", "Servers") == static_cast<int>(hash_ids.size()));
  std::vector<std::string> sorted_ids;
  for (std::string token;;) {
    const json page = c.Get(ms + "/sorted-maps/Lobby/items?maxPageSize=100" +
                            (token.empty() ? "" : "&pageToken=" + token))
                          .Json();
    for (const auto& item : page["items"]) sorted_ids.push_back(item["id"]);
    token = page["nextPageToken"];
    if (token.empty()) break;
  }
  CHECK(MapItems(c, "sorted_map", "Lobby") == static_cast<int>(sorted_ids.size()));
  const json queue = c.Get(ms + "/queues/Q").Json();
  CHECK(queue["size"] == c.Get(ms + "/queues/Q/items:peek?count=200").Json()["items"].size());
  for (const auto& id : hash_ids) REQUIRE(c.Delete(kItems + "/" + id).status == 200);
  for (const auto& id : sorted_ids) {
    REQUIRE(c.Delete(ms + "/sorted-maps/Lobby/items/" + id).status == 200);
  }
  CHECK(MapItems(c, "hash_map", "Servers") == 0);
  CHECK(MapItems(c, "sorted_map", "Lobby") == 0);
  CHECK(c.Get("/admin/v1/universes/42").Json()["hashMaps"].empty());
}

}  // namespace
}  // namespace strongbox::testing
