// The console's server side over the real binary (proto-docs/console.md): its files served
// without a key under a strict Content-Security-Policy, the relative redirect that keeps a path
// prefix, GET /admin/v1/caller, the inventory routes, and the queue :peek it shows. The page
// itself is driven in a browser by tests/browser/console_test.py.

#include <catch2/catch.hpp>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

std::string CreateKey(HttpClient& admin, const json& scopes) {
  auto r = admin.Post("/admin/v1/api-keys", json{{"name", "t"}, {"scopes", scopes}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json()["secret"];
}

TEST_CASE(
    "console: its files need no key and carry a strict policy, /console redirects "
    "relatively",
    "[integration]") {
  ServerFixture f;
  HttpClient anonymous(f.server.port());
  auto redirect = anonymous.Get("/console");
  CHECK(redirect.status == 308);
  // Relative, so a proxy that mounts the server under /support/ keeps its prefix.
  CHECK(redirect.Header("location") == "console/");
  auto page = anonymous.Get("/console/");
  REQUIRE(page.status == 200);
  CHECK(page.Header("content-type") == "text/html; charset=utf-8");
  CHECK(page.body.find("<script src=\"console.js\" defer></script>") != std::string::npos);
  const std::string csp = page.Header("content-security-policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self';") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("unsafe") == std::string::npos);
  CHECK(page.Header("x-content-type-options") == "nosniff");
  CHECK(page.Header("referrer-policy") == "no-referrer");
  for (const char* file : {"console.js", "charts.js", "console.css"}) {
    INFO(file);
    auto r = anonymous.Get(std::string("/console/") + file);
    CHECK(r.status == 200);
    CHECK(r.body.size() > 1000);
    CHECK(!r.Header("content-security-policy").empty());
  }
  CHECK(anonymous.Get("/console/console.js").Header("content-type") ==
        "text/javascript; charset=utf-8");
  auto missing = anonymous.Get("/console/secrets.txt");
  CHECK(missing.status == 404);
  CHECK(missing.Json()["code"] == "NOT_FOUND");
  // The console's headers on its 404 too: it echoes the name asked for.
  CHECK(missing.Header("x-content-type-options") == "nosniff");
  CHECK(missing.Header("content-security-policy").find("default-src 'none'") != std::string::npos);
  CHECK(missing.Header("x-frame-options") == "DENY");
  // Nothing outside the assets: names are looked up, never joined to a path, and dot segments
  // are not resolved.
  CHECK(anonymous.Get("/console/..%2Fdata%2Fadmin.key").status == 404);
  CHECK(anonymous.Get("/console/../admin/v1/api-keys").status == 404);
}

TEST_CASE("caller: any valid key may read itself, and no other", "[integration]") {
  ServerFixture f;
  HttpClient anonymous(f.server.port());
  CHECK(anonymous.Get("/admin/v1/caller").status == 401);
  auto admin = f.client->Get("/admin/v1/caller");
  REQUIRE(admin.status == 200);
  CHECK(admin.Json()["auth"] == "required");
  CHECK(admin.Json()["scopes"][0]["scope"] == "admin");
  const json scopes = {{{"universe", "7"},
                        {"scope", "universe-datastores.objects:read"},
                        {"dataStores", {"Inventory"}}}};
  const std::string secret = CreateKey(*f.client, scopes);
  HttpClient reader(f.server.port(), secret);
  auto me = reader.Get("/admin/v1/caller");
  REQUIRE(me.status == 200);
  CHECK(me.Json()["scopes"] == scopes);
  CHECK(me.Json()["state"] == "ACTIVE");
  CHECK(me.Json().count("secret") == 0);
  // The same key may not read the key list or another key.
  CHECK(reader.Get("/admin/v1/api-keys").status == 403);
  CHECK(reader.Get("/admin/v1/universes").status == 403);
  const std::string id = me.Json()["id"];
  REQUIRE(f.client->Delete("/admin/v1/api-keys/" + id).status == 200);
  CHECK(reader.Get("/admin/v1/caller").status == 401);
}

TEST_CASE("caller: a server without auth says so", "[integration]") {
  ServerFixture f({"--auth", "disabled"});
  HttpClient anonymous(f.server.port());
  auto r = anonymous.Get("/admin/v1/caller");
  REQUIRE(r.status == 200);
  CHECK(r.Json() == json{{"auth", "disabled"}});
}

TEST_CASE("inventory: universes that hold data, and one universe's boards, maps and queues",
          "[integration]") {
  ServerFixture f({"--max-inventory-names", "3"});
  auto& c = *f.client;
  auto listed = c.Get("/admin/v1/universes");
  REQUIRE(listed.status == 200);
  CHECK(listed.Json()["universes"].empty());
  const std::string u = "/cloud/v2/universes/";
  REQUIRE(c.Post(u + "3/data-stores/S/entries?id=a", R"({"value":1})").status == 200);
  REQUIRE(c.Post(u + "5/memory-store/queues/Q/items", R"({"data":1,"ttl":"60s"})").status == 200);
  REQUIRE(c.Post(u + "9/session-locks/L:acquire", R"({"owner":"o","ttl":"30s"})").status == 200);
  listed = c.Get("/admin/v1/universes");
  CHECK(listed.Json()["universes"] == json::parse(R"([{"id":"3"},{"id":"5"},{"id":"9"}])"));
  CHECK(listed.Json()["truncated"] == false);
  REQUIRE(
      c.Post(u + "11/ordered-data-stores/B/scopes/global/entries?id=p", R"({"value":1})").status ==
      200);
  listed = c.Get("/admin/v1/universes");
  CHECK(listed.Json()["universes"].size() == 3);
  CHECK(listed.Json()["truncated"] == true);

  // Universe 11: two stores, one with a seasonal scope (its season rows are listed once).
  const std::string od = u + "11/ordered-data-stores/";
  REQUIRE(c.Post(od + "A/scopes/weekly/entries?id=p", R"({"value":2})").status == 200);
  REQUIRE(c.Patch(od + "A/scopes/weekly:settings", R"({"resetSchedule":"@weekly"})").status == 200);
  REQUIRE(c.Post(od + "A/scopes/weekly/entries?id=q", R"({"value":3})").status == 200);
  REQUIRE(
      c.Post(u + "11/memory-store/sorted-maps/M/items?id=i", R"({"value":1,"ttl":"60s"})").status ==
      200);
  REQUIRE(c.Post(u + "11/memory-store/queues/Q1/items", R"({"data":1,"ttl":"60s"})").status == 200);
  auto inventory = c.Get("/admin/v1/universes/11");
  REQUIRE(inventory.status == 200);
  INFO(inventory.body);
  CHECK(inventory.Json()["leaderboards"] ==
        json::parse(R"([{"orderedDataStore":"A","scope":"weekly"},
                        {"orderedDataStore":"B","scope":"global"}])"));
  CHECK(inventory.Json()["sortedMaps"] == json{"M"});
  CHECK(inventory.Json()["queues"] == json{"Q1"});
  CHECK(inventory.Json()["truncated"] == false);
  for (const char* q : {"Q2", "Q3", "Q4"}) {
    REQUIRE(
        c.Post(u + "11/memory-store/queues/" + q + "/items", R"({"data":1,"ttl":"60s"})").status ==
        200);
  }
  inventory = c.Get("/admin/v1/universes/11");
  CHECK(inventory.Json()["queues"] == json{"Q1", "Q2", "Q3"});
  CHECK(inventory.Json()["truncated"] == true);
  CHECK(c.Get("/admin/v1/universes/0").status == 400);
  CHECK(c.Get("/admin/v1/universes/nope").status == 400);
  CHECK(c.Get("/admin/v1/universes/12").Json()["queues"].empty());
}

TEST_CASE("queue :peek shows items in read order and changes nothing", "[integration]") {
  ServerFixture f;
  auto& c = *f.client;
  const std::string q = "/cloud/v2/universes/7/memory-store/queues/Q";
  REQUIRE(c.Post(q + "/items", R"({"data":"low","ttl":"60s"})").status == 200);
  REQUIRE(c.Post(q + "/items", R"({"data":"high","priority":5,"ttl":"60s"})").status == 200);
  REQUIRE(c.Post(q + "/items", R"({"data":"low2","ttl":"60s"})").status == 200);
  auto read = c.Get(q + "/items:read?count=1");
  REQUIRE(read.status == 200);
  REQUIRE(read.Json()["data"] == json{"high"});
  auto peek = c.Get(q + "/items:peek");
  REQUIRE(peek.status == 200);
  INFO(peek.body);
  const json items = peek.Json()["items"];
  REQUIRE(items.size() == 3);
  CHECK(items[0]["data"] == "high");
  CHECK(items[0]["invisible"] == true);
  CHECK(items[0]["deliveries"] == 1);
  CHECK(items[0].contains("invisibleUntil"));
  CHECK(items[1]["data"] == "low");
  CHECK(items[1]["invisible"] == false);
  CHECK(items[1]["deliveries"] == 0);
  CHECK(items[2]["data"] == "low2");
  CHECK(c.Get(q + "/items:peek?count=1").Json()["items"].size() == 1);
  // Peeking twice read nothing: one invisible item (the read's), the others still there.
  auto info = c.Get(q);
  CHECK(info.Json()["size"] == 3);
  CHECK(info.Json()["invisibleSize"] == 1);
  auto next = c.Get(q + "/items:read?count=5");
  CHECK(next.Json()["data"] == json{"low", "low2"});
  CHECK(c.Get(q + "/items:peek?count=0").status == 400);
  CHECK(c.Get(q + "/items:peek?count=201").status == 400);
  CHECK(c.Get("/cloud/v2/universes/7/memory-store/queues/Empty/items:peek").Json()["items"] ==
        json::array());
  // Peeking needs the reader's scope (memory-store.queue:dequeue), not the producer's.
  HttpClient producer(f.server.port(),
                      CreateKey(c, {{{"universe", "7"}, {"scope", "memory-store.queue:add"}}}));
  CHECK(producer.Get(q + "/items:peek").status == 403);
}

}  // namespace
}  // namespace strongbox::testing
