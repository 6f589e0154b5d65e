// Memory-store sorted maps over real HTTP (api.md §5): shapes, codes, ordering and filters,
// real-time TTL with the sweeper running, Idempotency-Key, a restart.

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

const std::string kItems = "/cloud/v2/universes/42/memory-store/sorted-maps/Lobbies/items";

std::vector<std::string> Ids(const json& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item["id"].get<std::string>());
  return ids;
}

TEST_CASE("sorted map items: create, get, CAS update, delete, with the contract's codes",
          "[integration]") {
  ServerFixture f;
  auto created = f.client->Post(kItems + "?id=eu-1",
                                R"({"value":{"players":3},"ttl":"60s","numericSortKey":3})");
  REQUIRE(created.status == 200);
  const json item = created.Json();
  CHECK(item["path"] == "cloud/v2/universes/42/memory-store/sorted-maps/Lobbies/items/eu-1");
  CHECK(item["value"] == json{{"players", 3}});
  CHECK(item["numericSortKey"] == 3);
  CHECK_FALSE(item["etag"].get<std::string>().empty());
  CHECK(item["expireTime"].get<std::string>().back() == 'Z');

  // The id may come in the body, with the PascalCase fields some clients send.
  CHECK(f.client->Post(kItems, R"({"Id":"us-1","Value":7,"Ttl":"60s","StringSortKey":"x"})")
            .Json()["stringSortKey"] == "x");
  auto again = f.client->Post(kItems + "?id=eu-1", R"({"value":1,"ttl":"60s"})");
  CHECK(again.status == 409);
  CHECK(again.Json()["code"] == "ALREADY_EXISTS");
  CHECK(again.Json()["error"] == "ALREADY_EXISTS");
  CHECK(f.client->Post(kItems + "?id=x", R"({"value":1})").status == 400);  // ttl required
  CHECK(f.client->Post(kItems + "?id=x", R"({"value":1,"ttl":"3888001s"})").status == 400);
  // However long, a well-formed ttl is refused by the limit's name, as text or as a number.
  for (const std::string ttl :
       {R"("99999999999s")", R"("99999999999999999999999s")", "10000000000", "1e300"}) {
    auto r = f.client->Post(kItems + "?id=x", R"({"value":1,"ttl":)" + ttl + "}");
    INFO(ttl << " " << r.body);
    CHECK(r.status == 400);
    CHECK(r.Json()["details"][0]["reason"] == "LIMIT_EXCEEDED");
    CHECK(r.Json()["details"][0]["metadata"]["limit"] == "memstore_max_ttl_seconds");
  }
  CHECK(f.client->Get(kItems + "/x").status == 404);

  const std::string etag = item["etag"];
  auto cas = f.client->Patch(kItems + "/eu-1", json{{"value", 4}, {"etag", etag}}.dump());
  REQUIRE(cas.status == 200);
  CHECK(cas.Json()["etag"] != etag);
  CHECK_FALSE(cas.Json().contains("numericSortKey"));  // the body replaces the sort key
  auto lost = f.client->Patch(kItems + "/eu-1", json{{"value", 5}, {"etag", etag}}.dump());
  CHECK(lost.status == 409);
  CHECK(lost.Json()["details"][0]["reason"] == "ETAG_MISMATCH");
  CHECK(f.client->Patch(kItems + "/new", R"({"value":1})").status == 404);
  CHECK(f.client->Patch(kItems + "/new?allowMissing=true", R"({"value":1,"ttl":"60s"})").status ==
        200);

  auto deleted = f.client->Delete(kItems + "/eu-1?etag=" + etag);
  CHECK(deleted.status == 409);
  deleted = f.client->Delete(kItems + "/eu-1");
  CHECK(deleted.status == 200);
  CHECK(deleted.body == "{}");  // openblox parses every answer (api.md §1 "Empty results")
  CHECK(deleted.Header("content-type") == "application/json");
  CHECK(f.client->Get(kItems + "/eu-1").status == 404);
  CHECK(f.client->Delete(kItems + "/eu-1").status == 200);
}

TEST_CASE("sorted map listing: numbers, then strings, then no key, filters, pages",
          "[integration]") {
  ServerFixture f;
  for (const auto& body :
       {R"({"id":"n10","value":1,"ttl":"60s","numericSortKey":10})",
        R"({"id":"n-2","value":1,"ttl":"60s","numericSortKey":-2.5})",
        R"({"id":"sb","value":1,"ttl":"60s","stringSortKey":"b"})",
        R"({"id":"sa","value":1,"ttl":"60s","stringSortKey":"a"})",
        R"({"id":"z","value":1,"ttl":"60s"})", R"({"id":"a","value":1,"ttl":"60s"})"}) {
    REQUIRE(f.client->Post(kItems, body).status == 200);
  }
  // Default page size is 1.
  auto first = f.client->Get(kItems);
  CHECK(Ids(first.Json()["items"]) == std::vector<std::string>{"n-2"});
  CHECK(Ids(f.client->Get(kItems + "?maxPageSize=100").Json()["items"]) ==
        std::vector<std::string>{"n-2", "n10", "sa", "sb", "a", "z"});
  CHECK(Ids(f.client->Get(kItems + "?maxPageSize=100&orderBy=desc").Json()["items"]) ==
        std::vector<std::string>{"z", "a", "sb", "sa", "n10", "n-2"});
  // sortKey > -2.5 && sortKey < "b": exclusive at both ends.
  auto filtered = f.client->Get(kItems + "?maxPageSize=100&filter=" +
                                "sortKey%20%3E%20-2.5%20%26%26%20sortKey%20%3C%20%22b%22");
  CHECK(Ids(filtered.Json()["items"]) == std::vector<std::string>{"n10", "sa"});
  // Every clause holds: two bounds on one side keep the tighter, whatever their order (items
  // without a sort key sort last, so above any number).
  for (const std::string both : {"sortKey%20%3E%200%20%26%26%20sortKey%20%3E%20-5",
                                 "sortKey%20%3E%20-5%20%26%26%20sortKey%20%3E%200",
                                 "sortKey%20%3E%20-5%20%26%26%20sortKey%20%3E%20%22%22%20%26%26"
                                 "%20sortKey%20%3C%20%22b%22%20%26%26%20sortKey%20%3C%20%22z%22"}) {
    INFO(both);
    auto tight = f.client->Get(kItems + "?maxPageSize=100&filter=" + both);
    const std::vector<std::string> want =
        both.find("%22b%22") != std::string::npos
            ? std::vector<std::string>{"sa"}
            : std::vector<std::string>{"n10", "sa", "sb", "a", "z"};
    CHECK(Ids(tight.Json()["items"]) == want);
  }
  auto ids = f.client->Get(
      kItems + "?maxPageSize=100&filter=" + "id%20%3E%20%22s%22%20%26%26%20id%20%3E%20%22a%22");
  CHECK(Ids(ids.Json()["items"]) == std::vector<std::string>{"sa", "sb", "z"});
  CHECK(f.client->Get(kItems + "?filter=sortKey%20%3E%3D%201").status == 400);
  // A JSON number, as written in JSON: not C's hexadecimal or infinity.
  for (const char* odd : {"0x10", "inf", "1e", "%2B1", ".5"}) {
    INFO(odd);
    CHECK(f.client->Get(kItems + "?filter=sortKey%20%3E%20" + std::string(odd)).status == 400);
  }
  CHECK(f.client->Get(kItems + "?filter=sortKey%20%3E%201e1").status == 200);
  CHECK(f.client->Get(kItems + "?orderBy=sortKey").status == 400);

  // Pages of 4, resumed with the token; the token belongs to its query.
  auto page1 = f.client->Get(kItems + "?maxPageSize=4");
  const std::string token = page1.Json()["nextPageToken"];
  REQUIRE_FALSE(token.empty());
  auto page2 = f.client->Get(kItems + "?maxPageSize=4&pageToken=" + token);
  CHECK(Ids(page2.Json()["items"]) == std::vector<std::string>{"a", "z"});
  CHECK(page2.Json()["nextPageToken"] == "");
  CHECK(f.client->Get(kItems + "?maxPageSize=4&orderBy=desc&pageToken=" + token).status == 400);
}

TEST_CASE("a sorted map item expires in real time and is swept", "[integration]") {
  ServerFixture f({"--memstore-sweep-interval-ms", "50"});
  REQUIRE(f.client->Post(kItems + "?id=brief", R"({"value":1,"ttl":"0.3s"})").status == 200);
  REQUIRE(f.client->Post(kItems + "?id=stays", R"({"value":1,"ttl":"60s"})").status == 200);
  CHECK(f.client->Get(kItems + "/brief").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  CHECK(f.client->Get(kItems + "/brief").status == 404);
  CHECK(Ids(f.client->Get(kItems + "?maxPageSize=10").Json()["items"]) ==
        std::vector<std::string>{"stays"});
  // The id is free again at once.
  CHECK(f.client->Post(kItems + "?id=brief", R"({"value":2,"ttl":"60s"})").status == 200);
  // A restart keeps the items and their expiry times.
  const json before = f.client->Get(kItems + "/stays").Json();
  REQUIRE(f.Restart() == 0);
  CHECK(f.client->Get(kItems + "/stays").Json() == before);
}

TEST_CASE("sorted map writes take Idempotency-Key", "[integration]") {
  ServerFixture f;
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "add-1"}};
  auto first = f.client->Send("POST", kItems + "?id=q", R"({"value":1,"ttl":"60s"})", key);
  auto retry = f.client->Send("POST", kItems + "?id=q", R"({"value":1,"ttl":"60s"})", key);
  CHECK(first.status == 200);
  CHECK(retry.status == 200);
  CHECK(retry.Header("idempotent-replayed") == "true");
  CHECK(retry.body == first.body);
}

TEST_CASE("memory-store:flush removes every sorted map of the universe, and only those",
          "[integration]") {
  ServerFixture f;
  const std::string other = "/cloud/v2/universes/43/memory-store/sorted-maps/Lobbies/items";
  for (int i = 0; i < 30; ++i) {
    const std::string id = "i" + std::to_string(i);
    REQUIRE(f.client->Post(kItems + "?id=" + id, R"({"value":1,"ttl":"60s"})").status == 200);
  }
  REQUIRE(f.client
              ->Post("/cloud/v2/universes/42/memory-store/sorted-maps/Other/items?id=x",
                     R"({"value":1,"ttl":"60s"})")
              .status == 200);
  REQUIRE(f.client->Post(other + "?id=keep", R"({"value":1,"ttl":"60s"})").status == 200);
  // Entries of other kinds are untouched.
  REQUIRE(f.client->Post(kEntries + "?id=profile", R"({"value":1})").status == 200);

  auto flushed = f.client->Post("/cloud/v2/universes/42/memory-store:flush", "");
  REQUIRE(flushed.status == 200);
  const json op = flushed.Json();
  CHECK(op["done"] == true);
  CHECK(op["response"] == json::object());
  const std::string path = op["path"];
  CHECK(path.rfind("cloud/v2/universes/42/memory-store/operations/", 0) == 0);
  CHECK(f.client->Get("/" + path).Json() == op);
  CHECK(f.client->Get("/cloud/v2/universes/42/memory-store/operations/nope").status == 404);

  CHECK(f.client->Get(kItems + "?maxPageSize=100").Json()["items"] == json::array());
  CHECK(f.client->Get("/cloud/v2/universes/42/memory-store/sorted-maps/Other/items/x").status ==
        404);
  CHECK(f.client->Get(other + "/keep").status == 200);
  CHECK(f.client->Get(kEntries + "/profile").status == 200);
  // The map takes writes again at once.
  CHECK(f.client->Post(kItems + "?id=i1", R"({"value":2,"ttl":"60s"})").status == 200);
  CHECK(f.client
            ->Send("POST", "/cloud/v2/universes/42/memory-store:flush", "",
                   {{"Strongbox-Lock-Id", "l"}, {"Strongbox-Fencing-Token", "1"}})
            .status == 400);
}

}  // namespace
}  // namespace strongbox::testing

namespace strongbox::testing {
namespace {

TEST_CASE("a sorted map list never shows an item out of its filter while items move",
          "[integration]") {
  // helper-32: the list read each item after its index row, so an item whose sort key moved in
  // between came back with its new key at its old place: outside the filter, out of order.
  ServerFixture f;
  const std::string items = "/cloud/v2/universes/42/memory-store/sorted-maps/Moving/items";
  constexpr int kCount = 40;
  for (int i = 0; i < kCount; ++i) {
    REQUIRE(f.client
                ->Post(items + "?id=i" + std::to_string(i),
                       R"({"value":1,"ttl":"600s","numericSortKey":5})")
                .status == 200);
  }
  std::atomic<bool> done{false};
  std::atomic<int> writer_errors{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 6; ++w) {
    writers.emplace_back([&, w] {
      try {
        HttpClient c(f.server.port(), f.server.admin_key());
        for (int n = 0; !done; ++n) {
          const int i = (w + 6 * n) % kCount;
          const int key = n % 2 == 0 ? 50 : 5;
          c.Patch(items + "/i" + std::to_string(i),
                  R"({"value":1,"ttl":"600s","numericSortKey":)" + std::to_string(key) + "}");
        }
      } catch (const std::exception&) {
        ++writer_errors;
      }
    });
  }
  int outside = 0, unordered = 0, lists = 0;
  for (; lists < 250; ++lists) {
    auto page = f.client->Get(items + "?maxPageSize=100&filter=sortKey%20%3C%2010");
    if (page.status != 200) continue;
    const json body = page.Json();
    std::string previous;
    for (const json& item : body["items"]) {
      if (item["numericSortKey"].get<double>() >= 10) ++outside;
      // Equal sort keys: in id order.
      const std::string id = item["id"];
      if (!previous.empty() && id < previous) ++unordered;
      previous = id;
    }
  }
  done = true;
  for (auto& t : writers) t.join();
  CHECK(writer_errors == 0);
  CHECK(outside == 0);
  CHECK(unordered == 0);
}

}  // namespace
}  // namespace strongbox::testing
