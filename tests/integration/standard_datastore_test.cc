// Standard data stores v1 over real HTTP.

#include <catch2/catch.hpp>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kV1 = "/datastores/v1/universes/42/standard-datastores";
const std::string kEntry = kV1 + "/datastore/entries/entry";

std::string Q(const std::string& key, const std::string& extra = "") {
  return "?datastoreName=PlayerData&entryKey=" + key + extra;
}

TEST_CASE("v1 set and get carry value, md5 and metadata headers", "[integration]") {
  ServerFixture f;
  auto set = f.client->Send(
      "POST", kEntry + Q("u7"), R"({"gold": 5, "name": "x"})",
      {{"roblox-entry-userids", "[7, 8]"}, {"roblox-entry-attributes", R"({"tier":"vip"})"}});
  INFO(set.body);
  REQUIRE(set.status == 200);
  json s = set.Json();
  CHECK(s["deleted"] == false);
  CHECK(s["contentLength"] == std::string(R"({"gold":5,"name":"x"})").size());
  CHECK(s["version"].get<std::string>().size() == 47);
  CHECK(s["createdTime"] == s["objectCreatedTime"]);

  auto get = f.client->Get(kEntry + Q("u7"));
  REQUIRE(get.status == 200);
  CHECK(get.body == R"({"gold":5,"name":"x"})");  // compact serialization
  CHECK(get.Header("content-md5") == "olGu12+YGBWi7441J3ZH4w==");
  CHECK(get.Header("roblox-entry-version") == s["version"]);
  CHECK(get.Header("roblox-entry-userids") == "[7,8]");
  CHECK(get.Header("roblox-entry-attributes") == R"({"tier":"vip"})");
  CHECK(get.Header("roblox-entry-created-time") == s["objectCreatedTime"]);
  CHECK(get.Header("roblox-entry-version-created-time") == s["createdTime"]);

  // Omitted metadata headers clear the metadata.
  REQUIRE(f.client->Post(kEntry + Q("u7"), "6").status == 200);
  CHECK(f.client->Get(kEntry + Q("u7")).Header("roblox-entry-userids") == "[]");
}

TEST_CASE("v1 preconditions answer 412 with the current value", "[integration]") {
  ServerFixture f;
  const std::string v1 = f.client->Post(kEntry + Q("k"), R"({"n":1})").Json()["version"];
  auto exclusive = f.client->Post(kEntry + Q("k", "&exclusiveCreate=true"), R"({"n":2})");
  CHECK(exclusive.status == 412);
  CHECK(exclusive.body == R"({"n":1})");
  CHECK(exclusive.Header("roblox-entry-version") == v1);
  auto stale = f.client->Post(kEntry + Q("k",
                                         "&matchVersion=08DCAA81744A406E.0000000009."
                                         "08DCAA81744A406E.01"),
                              R"({"n":3})");
  CHECK(stale.status == 412);
  CHECK(stale.body == R"({"n":1})");
  auto matched = f.client->Post(kEntry + Q("k", "&matchVersion=" + v1), R"({"n":4})");
  CHECK(matched.status == 200);
  CHECK(f.client->Post(kEntry + Q("k", "&matchVersion=" + v1 + "&exclusiveCreate=true"), "5")
            .status == 400);
  CHECK(f.client->Get(kEntry + Q("k")).body == R"({"n":4})");
  CHECK(f.client->Post(kEntry + Q("new", "&exclusiveCreate=true"), "1").status == 200);
}

TEST_CASE("v1 bad input: v1 error shape, nothing changes", "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kEntry + Q("safe"), "1").status == 200);
  const std::string version = f.client->Get(kEntry + Q("safe")).Header("roblox-entry-version");
  struct Case {
    std::string target, body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  const std::vector<Case> cases = {
      {kEntry + Q("safe"), "{broken", {}},
      {kEntry + Q("safe"), "2", {{"content-md5", "AAAAAAAAAAAAAAAAAAAAAA=="}}},
      {kEntry + Q("safe"), "2", {{"roblox-entry-userids", "[1,2,3,4,5]"}}},
      {kEntry + Q("safe"), "2", {{"roblox-entry-userids", "7"}}},
      // As v2 takes them (users/<positive id>), so :eraseUser can find every one.
      {kEntry + Q("safe"), "2", {{"roblox-entry-userids", "[-5]"}}},
      {kEntry + Q("safe"), "2", {{"roblox-entry-userids", "[0]"}}},
      {kEntry + Q("safe"), "2", {{"roblox-entry-userids", "[3,3]"}}},
      {kEntry + Q("safe"), "2", {{"roblox-entry-attributes", "[1]"}}},
      {kEntry + Q("safe"),
       "2",
       {{"roblox-entry-attributes", R"({"a":")" + std::string(300, 'x') + R"("})"}}},
      {kEntry + "?datastoreName=PlayerData", "2", {}},
      {kEntry + "?entryKey=safe", "2", {}},
      {kEntry + Q("safe", "&exclusiveCreate=maybe"), "2", {}},
  };
  for (const auto& c : cases) {
    auto r = f.client->Send("POST", c.target, c.body, c.headers);
    INFO(c.target << " " << c.body << " -> " << r.status << " " << r.body);
    CHECK(r.status == 400);
    CHECK(r.Json()["error"] == "INVALID_ARGUMENT");
    CHECK(r.Json()["errorDetails"][0]["errorDetailType"] == "DatastoreErrorInfo");
    CHECK(f.client->Get(kEntry + Q("safe")).Header("roblox-entry-version") == version);
  }
  auto correct_md5 = f.client->Send("POST", kEntry + Q("safe"), "2",
                                    {{"content-md5", "yB5yjZ1ML2NvBn+JzBSGLA=="}});
  CHECK(correct_md5.status == 200);
  auto missing = f.client->Get(kEntry + Q("nobody"));
  CHECK(missing.status == 404);
  CHECK(missing.Json()["errorDetails"][0]["datastoreErrorCode"] == "KeyNotFound");
}

TEST_CASE("v1 increment and delete", "[integration]") {
  ServerFixture f;
  auto first = f.client->Post(kEntry + "/increment" + Q("n"), "");
  REQUIRE(first.status == 200);
  CHECK(first.body == "1");
  auto second = f.client->Send("POST", kEntry + "/increment" + Q("n", "&incrementBy=41"), "",
                               {{"roblox-entry-userids", "[3]"}});
  CHECK(second.body == "42");
  CHECK(second.Header("roblox-entry-userids") == "[3]");
  CHECK(f.client->Post(kEntry + "/increment" + Q("n", "&incrementBy=x"), "").status == 400);
  REQUIRE(f.client->Post(kEntry + Q("s"), R"("text")").status == 200);
  CHECK(f.client->Post(kEntry + "/increment" + Q("s"), "").status == 400);
  auto deleted = f.client->Delete(kEntry + Q("n"));
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());
  CHECK(f.client->Get(kEntry + Q("n")).status == 404);
  CHECK(f.client->Delete(kEntry + Q("n")).status == 404);
}

TEST_CASE("v1 list keys, list data stores and cursors", "[integration]") {
  ServerFixture f;
  for (int i = 0; i < 20; ++i) {
    REQUIRE(f.client
                ->Post(kEntry + "?datastoreName=PlayerData&entryKey=key" + std::to_string(100 + i) +
                           "&scope=" + (i % 2 ? "odd" : "even"),
                       "1")
                .status == 200);
  }
  REQUIRE(
      f.client->Delete(kEntry + "?datastoreName=PlayerData&entryKey=key100&scope=even").status ==
      204);
  const std::string keys = kV1 + "/datastore/entries?datastoreName=PlayerData";
  auto even = f.client->Get(keys + "&scope=even").Json();
  CHECK(even["keys"].size() == 10);  // tombstoned keys are listed in v1
  CHECK(even["keys"][0] == json{{"scope", "even"}, {"key", "key100"}});
  std::vector<std::string> all;
  std::string cursor;
  int pages = 0;
  do {
    auto r = f.client->Get(keys + "&allScopes=true&limit=6" +
                           (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(r.status == 200);
    const json body = r.Json();
    for (const auto& k : body["keys"])
      all.push_back(k["scope"].get<std::string>() + "/" + k["key"].get<std::string>());
    cursor = body["nextPageCursor"];
    ++pages;
  } while (!cursor.empty() && pages < 20);
  CHECK(all.size() == 20);
  CHECK(pages == 4);
  CHECK(f.client->Get(keys + "&prefix=key11").Json()["keys"].empty());  // the global scope is empty
  CHECK(f.client->Get(keys + "&scope=odd&prefix=key11").Json()["keys"].size() == 5);
  CHECK(f.client->Get(keys + "&allScopes=true&scope=odd").status == 400);
  CHECK(f.client->Get(kV1 + "/datastore/entries").status == 400);
  auto stores = f.client->Get(kV1).Json();
  REQUIRE(stores["datastores"].size() == 1);
  CHECK(stores["datastores"][0]["name"] == "PlayerData");
  CHECK(stores["nextPageCursor"] == "");
}

TEST_CASE("v1 versions: list both orders, by time, and fetch one", "[integration]") {
  ServerFixture f;
  std::vector<std::string> versions;
  for (int i = 0; i < 5; ++i) {
    versions.push_back(f.client->Post(kEntry + Q("h"), std::to_string(i)).Json()["version"]);
  }
  REQUIRE(f.client->Delete(kEntry + Q("h")).status == 204);
  auto asc = f.client->Get(kEntry + "/versions" + Q("h")).Json()["versions"];
  REQUIRE(asc.size() == 6);
  CHECK(asc[0]["version"] == versions[0]);
  CHECK(asc[5]["deleted"] == true);
  auto desc = f.client->Get(kEntry + "/versions" + Q("h", "&sortOrder=Descending&limit=2")).Json();
  CHECK(desc["versions"].size() == 2);
  CHECK(desc["versions"][1]["version"] == versions[4]);
  auto next = f.client
                  ->Get(kEntry + "/versions" +
                        Q("h", "&sortOrder=Descending&limit=2&cursor=" +
                                   desc["nextPageCursor"].get<std::string>()))
                  .Json();
  CHECK(next["versions"][0]["version"] == versions[3]);
  CHECK(f.client
            ->Get(kEntry + "/versions" +
                  Q("h", "&cursor=" + desc["nextPageCursor"].get<std::string>()))
            .status == 400);  // cursor of another sort order
  const std::string t2 = asc[2]["createdTime"];
  auto window = f.client->Get(kEntry + "/versions" + Q("h", "&startTime=" + t2 + "&endTime=" + t2))
                    .Json()["versions"];
  REQUIRE(window.size() == 1);
  CHECK(window[0]["version"] == versions[2]);
  CHECK(f.client->Get(kEntry + "/versions" + Q("h", "&sortOrder=Sideways")).status == 400);

  auto v1 = f.client->Get(kEntry + "/versions/version" + Q("h", "&versionId=" + versions[1]));
  REQUIRE(v1.status == 200);
  CHECK(v1.body == "1");
  CHECK(v1.Header("roblox-entry-version") == versions[1]);
  auto unknown = f.client->Get(kEntry + "/versions/version" + Q("h", "&versionId=zzz"));
  CHECK(unknown.status == 400);
  CHECK(unknown.Json()["message"] == "Invalid version id.");
}

}  // namespace
}  // namespace strongbox::testing
