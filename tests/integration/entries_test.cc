// The v2 data store entry slice over real HTTP against the real binary.

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

json MustJson(const HttpResponse& r) {
  json j = r.Json();
  INFO(r.body);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// Asserts the entry's current value and etag.
void ExpectEntry(HttpClient& c, const std::string& key, const json& value,
                 const std::string& etag) {
  auto r = c.Get(kEntries + "/" + key);
  INFO(key << ": " << r.body);
  REQUIRE(r.status == 200);
  CHECK(MustJson(r)["value"] == value);
  CHECK(MustJson(r)["etag"] == etag);
}

TEST_CASE("entry create returns the resource of the contract", "[integration]") {
  ServerFixture f;
  auto r = f.client->Post(kEntries + "?id=users:7",
                          R"({"value":{"gold":6},"users":["users/7"],"attributes":{"vip":true}})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  json e = MustJson(r);
  CHECK(e["path"] == "universes/42/data-stores/Inventory/entries/users:7");
  CHECK(e["id"] == "users:7");
  CHECK(e["value"] == json{{"gold", 6}});
  CHECK(e["users"] == json::array({"users/7"}));
  CHECK(e["attributes"] == json{{"vip", true}});
  CHECK(e["state"] == "ACTIVE");
  CHECK(e["etag"] == e["revisionId"]);
  const std::string revision = e["revisionId"];
  CHECK(revision.size() == 47);
  CHECK(revision.substr(16, 12) == ".0000000001.");
  const std::string created = e["createTime"];
  CHECK(created.back() == 'Z');
  CHECK(e["revisionCreateTime"] == e["createTime"]);

  // The scoped path names the same entry, and says so in its path.
  auto scoped = f.client->Get(kScopedEntries + "/users:7");
  REQUIRE(scoped.status == 200);
  CHECK(MustJson(scoped)["path"] ==
        "universes/42/data-stores/Inventory/scopes/global/entries/users:7");
  CHECK(MustJson(scoped)["etag"] == e["etag"]);
  // Percent-encoded ids are the same key.
  CHECK(MustJson(f.client->Get(kEntries + "/users%3A7"))["etag"] == e["etag"]);
}

TEST_CASE("update with etag compare-and-swap, revisions and time travel", "[integration]") {
  ServerFixture f;
  auto created = MustJson(f.client->Post(kEntries + "?id=k", R"({"value":1})"));
  const std::string etag1 = created["etag"];

  auto updated = f.client->Patch(kEntries + "/k", R"({"value":2,"etag":")" + etag1 + R"("})");
  REQUIRE(updated.status == 200);
  const std::string etag2 = MustJson(updated)["etag"];
  CHECK(etag2 != etag1);
  CHECK(MustJson(updated)["createTime"] == created["createTime"]);

  auto stale = f.client->Patch(kEntries + "/k", R"({"value":3,"etag":")" + etag1 + R"("})");
  CHECK(stale.status == 409);
  CHECK(MustJson(stale)["code"] == "ABORTED");
  CHECK(MustJson(stale)["details"][0]["reason"] == "ETAG_MISMATCH");
  ExpectEntry(*f.client, "k", 2, etag2);  // the rejected write changed nothing

  // Reading old revisions.
  auto first = f.client->Get(kEntries + "/k@" + etag1);
  REQUIRE(first.status == 200);
  CHECK(MustJson(first)["value"] == 1);
  CHECK(MustJson(f.client->Get(kEntries + "/k@latest"))["value"] == 2);
  auto at_creation =
      f.client->Get(kEntries + "/k@latest:" + created["revisionCreateTime"].get<std::string>());
  REQUIRE(at_creation.status == 200);
  CHECK(MustJson(at_creation)["value"] == 1);
  CHECK(f.client->Get(kEntries + "/k@latest:2000-01-01T00:00:00Z").status == 404);
  CHECK(f.client->Get(kEntries + "/k@latest:2100-01-01T00:00:00Z").status == 400);
  CHECK(f.client->Get(kEntries + "/k@latest:2999-01-01T00:00:00Z").status == 400);
  CHECK(f.client->Get(kEntries + "/k@latest:yesterday").status == 400);
  auto bad_revision = f.client->Get(kEntries +
                                    "/k@08DCAA81744A406E.0000000009."
                                    "08DCAA81744A406E.01");
  CHECK(bad_revision.status == 400);
  CHECK(MustJson(bad_revision)["message"] == "Invalid version id.");
  CHECK(f.client->Get(kEntries + "/k@garbage").status == 400);

  // Upsert with allowMissing; without it a missing entry is 404.
  CHECK(f.client->Patch(kEntries + "/fresh", R"({"value":"x"})").status == 404);
  CHECK(f.client->Get(kEntries + "/fresh").status == 404);
  auto upsert = f.client->Patch(kEntries + "/fresh?allowMissing=true", R"({"value":"x"})");
  REQUIRE(upsert.status == 200);
  CHECK(MustJson(upsert)["value"] == "x");
  // Omitted users / attributes are cleared by PATCH.
  REQUIRE(f.client->Patch(kEntries + "/fresh", R"({"value":"y","users":["users/1"]})").status ==
          200);
  CHECK(MustJson(f.client->Patch(kEntries + "/fresh", R"({"value":"z"})"))["users"] ==
        json::array());
}

TEST_CASE("delete writes a tombstone, a deleted entry can be created again", "[integration]") {
  ServerFixture f;
  auto created = MustJson(f.client->Post(kEntries + "?id=d", R"({"value":[1,2]})"));
  auto wrong_etag = f.client->Delete(kEntries + "/d?etag=nope");
  CHECK(wrong_etag.status == 409);
  CHECK(f.client->Get(kEntries + "/d").status == 200);

  auto deleted = f.client->Delete(kEntries + "/d?etag=" + created["etag"].get<std::string>());
  REQUIRE(deleted.status == 200);
  CHECK(deleted.body == "{}");
  auto gone = f.client->Get(kEntries + "/d");
  CHECK(gone.status == 404);
  CHECK(MustJson(gone)["code"] == "NOT_FOUND");
  CHECK(f.client->Delete(kEntries + "/d").status == 404);
  // The old revision is still there to read.
  CHECK(MustJson(f.client->Get(kEntries + "/d@" + created["etag"].get<std::string>()))["value"] ==
        json::array({1, 2}));

  auto again = f.client->Post(kEntries + "?id=d", R"({"value":3})");
  REQUIRE(again.status == 200);
  CHECK(MustJson(again)["revisionId"].get<std::string>().substr(16, 12) == ".0000000003.");
  CHECK(f.client->Post(kEntries + "?id=d", R"({"value":4})").status == 409);
  CHECK(MustJson(f.client->Get(kEntries + "/d"))["value"] == 3);
}

TEST_CASE("bad input gets a clear JSON error and changes nothing", "[integration]") {
  ServerFixture f({"--max-value-bytes", "1000", "--body-limit-bytes", "4096"});
  auto created = MustJson(f.client->Post(kEntries + "?id=safe", R"({"value":{"n":1}})"));
  const std::string etag = created["etag"];

  struct Case {
    std::string method, target, body;
    unsigned status;
  };
  const std::string long_key(51, 'k');
  const std::vector<Case> cases = {
      {"POST", kEntries + "?id=safe", R"({"value":{"n":2}})", 409},
      {"PATCH", kEntries + "/safe", R"({"value":)", 400},
      {"PATCH", kEntries + "/safe", R"([1,2])", 400},
      {"PATCH", kEntries + "/safe", R"({"users":[]})", 400},
      {"PATCH", kEntries + "/safe", R"({"value":1,"users":["players/1"]})", 400},
      {"PATCH", kEntries + "/safe", R"({"value":1,"users":["users/1","users/1"]})", 400},
      {"PATCH", kEntries + "/safe", R"({"value":1,"users":["users/1","users/2","users/3",
                                        "users/4","users/5"]})",
       400},
      {"PATCH", kEntries + "/safe", R"({"value":1,"attributes":[1]})", 400},
      {"PATCH", kEntries + "/safe",
       R"({"value":1,"attributes":{"a":")" + std::string(300, 'x') + R"("}})", 400},
      {"PATCH", kEntries + "/safe", R"({"value":")" + std::string(1200, 'x') + R"("})", 413},
      {"PATCH", kEntries + "/safe", R"({"value":")" + std::string(5000, 'x') + R"("})", 413},
      {"PATCH", kEntries + "/safe?allowMissing=perhaps", R"({"value":1})", 400},
      {"PATCH", kEntries + "/safe", "{\"value\":\"\xC3\x28\"}", 400},
      {"POST", kEntries, R"({"value":1})", 400},
      {"POST", kEntries + "?id=" + long_key, R"({"value":1})", 400},
      {"POST", kEntries + "?id=%C3%28", R"({"value":1})", 400},
      {"GET", "/cloud/v2/universes/0/data-stores/Inventory/entries/safe", "", 400},
      {"GET", "/cloud/v2/universes/abc/data-stores/Inventory/entries/safe", "", 400},
      {"GET", "/cloud/v2/universes/42/data-stores/Inventory/scopes/-/entries/safe", "", 400},
      {"GET", "/cloud/v2/universes/42/data-stores/" + long_key + "/entries/safe", "", 400},
      {"GET", kEntries + "/safe%ZZ", "", 400},
      {"PATCH", kEntries + "/missing", R"({"value":1})", 404},
      {"DELETE", kEntries + "/missing", "", 404},
      {"PUT", kEntries + "/safe", R"({"value":1})", 405},
      {"GET", "/cloud/v2/universes/42/unknown", "", 404},
  };
  for (const auto& c : cases) {
    auto r = f.client->Send(c.method, c.target, c.body);
    INFO(c.method << " " << c.target << " " << c.body.substr(0, 80) << " -> " << r.status << " "
                  << r.body.substr(0, 200));
    CHECK(r.status == c.status);
    json j = r.Json();
    REQUIRE(j.is_object());
    CHECK(j["code"].is_string());
    CHECK(j["message"].is_string());
    ExpectEntry(*f.client, "safe", json{{"n", 1}}, etag);
  }
  CHECK(f.client->Get(kEntries + "/missing").status == 404);
}

TEST_CASE("keys with slashes, colons, at-signs and unicode round-trip", "[integration]") {
  ServerFixture f;
  const std::vector<std::pair<std::string, std::string>> keys = {{"a%2Fb", "a/b"},
                                                                 {"x%3Ay%3Az", "x:y:z"},
                                                                 {"mail%40host", "mail@host"},
                                                                 {"%E2%82%AC", "\xE2\x82\xAC"}};
  for (const auto& [encoded, decoded] : keys) {
    INFO(decoded);
    auto r = f.client->Post(kEntries + "?id=" + encoded, R"({"value":"v"})");
    REQUIRE(r.status == 200);
    CHECK(MustJson(r)["id"] == decoded);
    auto got = f.client->Get(kEntries + "/" + encoded);
    REQUIRE(got.status == 200);
    CHECK(MustJson(got)["id"] == decoded);
    CHECK(MustJson(f.client->Get(kEntries + "/" + encoded + "@latest"))["id"] == decoded);
  }
}

TEST_CASE("a restart keeps every acknowledged write", "[integration]") {
  ServerFixture f;
  std::map<std::string, std::pair<json, std::string>> expected;  // key → (value, etag)
  std::set<std::string> deleted;
  for (int i = 0; i < 120; ++i) {
    const std::string key = "player" + std::to_string(i);
    auto r = f.client->Post(kEntries + "?id=" + key,
                            json{{"value", {{"level", i}, {"name", key}}}}.dump());
    REQUIRE(r.status == 200);
    expected[key] = {MustJson(r)["value"], MustJson(r)["etag"]};
  }
  for (int i = 0; i < 120; i += 3) {
    const std::string key = "player" + std::to_string(i);
    auto r = f.client->Patch(kEntries + "/" + key, json{{"value", i * 100}}.dump());
    REQUIRE(r.status == 200);
    expected[key] = {i * 100, MustJson(r)["etag"]};
  }
  for (int i = 1; i < 120; i += 10) {
    const std::string key = "player" + std::to_string(i);
    REQUIRE(f.client->Delete(kEntries + "/" + key).status == 200);
    expected.erase(key);
    deleted.insert(key);
  }
  REQUIRE(f.Restart() == 0);
  for (const auto& [key, ve] : expected) ExpectEntry(*f.client, key, ve.first, ve.second);
  for (const auto& key : deleted) CHECK(f.client->Get(kEntries + "/" + key).status == 404);
  // Counters continue after the restart.
  auto r = f.client->Patch(kEntries + "/player0", R"({"value":"after"})");
  REQUIRE(r.status == 200);
  CHECK(MustJson(r)["revisionId"].get<std::string>().substr(16, 12) == ".0000000003.");
}

}  // namespace
}  // namespace strongbox::testing
