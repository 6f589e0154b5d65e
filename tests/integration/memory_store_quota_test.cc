// The per-universe memory-store quota over real HTTP (issue #20): sorted maps, hash maps and
// queues of one universe share memstore_max_bytes_per_universe; a write past it is 429
// RESOURCE_EXHAUSTED naming the quota and writes nothing; deletes, discards, the sweeper and a
// flush give the room back; /metrics shows the usage; other universes are not affected.

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kU = "/cloud/v2/universes/42/memory-store";

// A JSON string value of exactly `bytes` bytes serialized (quotes included).
std::string ValueOf(size_t bytes) { return "\"" + std::string(bytes - 2, 'x') + "\""; }

std::string Usage(HttpClient& client, const std::string& universe) {
  const std::string body = client.Get("/metrics").body;
  const std::string line = "strongbox_memory_store_bytes{universe=\"" + universe + "\"} ";
  const size_t at = body.find(line);
  if (at == std::string::npos) return "0";
  return body.substr(at + line.size(), body.find('\n', at) - at - line.size());
}

TEST_CASE("memory-store quota: refused exactly past the limit, shared by every kind, recovers",
          "[integration]") {
  ServerFixture f(
      {"--memstore-max-bytes-per-universe", "100", "--memstore-sweep-interval-ms", "50"});
  auto& c = *f.client;
  // 1 (id) + 29 (value) = 30 bytes in a sorted map.
  REQUIRE(
      c.Post(kU + "/sorted-maps/M/items?id=a", "{\"value\":" + ValueOf(29) + ",\"ttl\":\"60s\"}")
          .status == 200);
  // 2 + 28 = 30 in a hash map.
  REQUIRE(c.Post(kU + "/hash-maps/H/items?id=hh", "{\"value\":" + ValueOf(28) + ",\"ttl\":\"60s\"}")
              .status == 200);
  // 30 of queue data: 90 used.
  REQUIRE(c.Post(kU + "/queues/Q/items", "{\"data\":" + ValueOf(30) + ",\"ttl\":\"60s\"}").status ==
          200);
  CHECK(Usage(c, "42") == "90");
  // 11 more would be 101: refused, naming the quota, and nothing was written.
  auto over =
      c.Post(kU + "/hash-maps/H/items?id=b", "{\"value\":" + ValueOf(10) + ",\"ttl\":\"60s\"}");
  CHECK(over.status == 429);
  CHECK(over.Json()["code"] == "RESOURCE_EXHAUSTED");
  CHECK(over.body.find("memstore_max_bytes_per_universe") != std::string::npos);
  CHECK(c.Get(kU + "/hash-maps/H/items/b").status == 404);
  CHECK(Usage(c, "42") == "90");
  // Exactly 100 fits.
  REQUIRE(c.Post(kU + "/hash-maps/H/items?id=b", "{\"value\":" + ValueOf(9) + ",\"ttl\":\"60s\"}")
              .status == 200);
  CHECK(Usage(c, "42") == "100");
  CHECK(c.Post(kU + "/queues/Q/items", R"({"data":1,"ttl":"60s"})").status == 429);
  // Another universe has a quota of its own.
  CHECK(c.Post("/cloud/v2/universes/43/memory-store/queues/Q/items",
               "{\"data\":" + ValueOf(90) + ",\"ttl\":\"60s\"}")
            .status == 200);
  // Replacing a value by a smaller one, deleting, discarding: the room comes back.
  REQUIRE(c.Patch(kU + "/sorted-maps/M/items/a", "{\"value\":" + ValueOf(9) + "}").status == 200);
  CHECK(Usage(c, "42") == "80");
  REQUIRE(c.Delete(kU + "/hash-maps/H/items/b").status == 200);
  CHECK(Usage(c, "42") == "70");
  auto read = c.Get(kU + "/queues/Q/items:read?count=1");
  REQUIRE(read.status == 200);
  const std::string read_id = read.Json()["readId"];
  CHECK(Usage(c, "42") == "70");  // read, not discarded: still held
  REQUIRE(c.Post(kU + "/queues/Q/items:discard", json{{"readId", read_id}}.dump()).status == 200);
  CHECK(Usage(c, "42") == "40");
  // An expired item's bytes come back once the sweeper reclaims it.
  REQUIRE(
      c.Post(kU + "/hash-maps/H/items?id=brief", "{\"value\":" + ValueOf(55) + ",\"ttl\":\"0.2s\"}")
          .status == 200);
  CHECK(Usage(c, "42") == "100");
  CHECK(WaitFor([&] { return Usage(c, "42") == "40"; }, std::chrono::seconds(5)));
  // A restart keeps the count; a flush gives everything back.
  REQUIRE(f.Restart() == 0);
  CHECK(Usage(*f.client, "42") == "40");
  REQUIRE(f.client->Post(kU + ":flush", "").status == 200);
  CHECK(Usage(*f.client, "42") == "0");
  CHECK(Usage(*f.client, "43") == "90");
  CHECK(f.client->Post(kU + "/queues/Q/items", "{\"data\":" + ValueOf(100) + ",\"ttl\":\"60s\"}")
            .status == 200);
  const std::string metrics = f.client->Get("/metrics").body;
  CHECK(metrics.find("strongbox_memory_store_quota_bytes 100\n") != std::string::npos);
}

TEST_CASE("memory-store quota: a commit that would pass it writes nothing", "[integration]") {
  ServerFixture f({"--memstore-max-bytes-per-universe", "50"});
  auto& c = *f.client;
  const json commit = {{"operations",
                        {{{"sortedMapItem", {{"map", "M"}, {"id", "a"}}},
                          {"create", {{"value", std::string(20, 'x')}, {"ttl", "60s"}}}},
                         {{"queueItem", {{"queue", "Q"}}},
                          {"add", {{"data", std::string(40, 'y')}, {"ttl", "60s"}}}}}}};
  auto r = c.Post("/cloud/v2/universes/42:commit", commit.dump());
  CHECK(r.status == 429);
  CHECK(c.Get(kU + "/sorted-maps/M/items/a").status == 404);
  CHECK(c.Get(kU + "/queues/Q").Json()["size"] == 0);
  CHECK(Usage(c, "42") == "0");
}

}  // namespace
}  // namespace strongbox::testing
