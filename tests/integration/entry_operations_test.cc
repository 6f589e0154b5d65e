// :increment, :patch, :listRevisions and :restoreRevision over real HTTP.

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

TEST_CASE("64 clients x 100 increments on one key end at exactly 6400", "[integration]") {
  ServerFixture f;
  constexpr int kClients = 64;
  constexpr int kIncrements = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&] {
      HttpClient client(f.server.port(), f.server.admin_key());
      for (int i = 0; i < kIncrements; ++i) {
        if (client.Post(kEntries + "/hits:increment", R"({"amount":1})").status != 200) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  auto r = f.client->Get(kEntries + "/hits");
  REQUIRE(r.status == 200);
  CHECK(r.Json()["value"] == kClients * kIncrements);
  CHECK(r.Json()["revisionId"].get<std::string>().substr(16, 12) == ".0000006400.");
}

TEST_CASE("64 clients spending with :patch and min 0 never overdraw", "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kEntries + "?id=wallet", R"({"value":{"coins":1000}})").status == 200);
  constexpr int kClients = 64;
  constexpr int kAttempts = 5;
  constexpr int kPrice = 7;
  std::atomic<int> spent{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&] {
      HttpClient client(f.server.port(), f.server.admin_key());
      const std::string body =
          json{{"operations",
                {{{"op", "increment"}, {"path", "/coins"}, {"value", -kPrice}, {"min", 0}}}}}
              .dump();
      for (int i = 0; i < kAttempts; ++i) {
        auto r = client.Post(kEntries + "/wallet:patch", body);
        if (r.status == 200) {
          ++spent;
        } else if (r.status == 412 && r.Json()["details"][0]["reason"] == "BELOW_MIN") {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const int coins = f.client->Get(kEntries + "/wallet").Json()["value"]["coins"];
  CHECK(other == 0);
  CHECK(coins >= 0);
  CHECK(coins < kPrice);                  // spent down as far as it could go
  CHECK(spent * kPrice == 1000 - coins);  // every success took exactly its price
  CHECK(spent + refused == kClients * kAttempts);
}

TEST_CASE(":increment semantics and errors", "[integration]") {
  ServerFixture f;
  auto created = f.client->Post(kEntries + "/n:increment", R"({"users":["users/3"]})");
  REQUIRE(created.status == 200);
  CHECK(created.Json()["value"] == 1);  // amount defaults to 1, missing entry starts at 0
  CHECK(created.Json()["users"] == json::array({"users/3"}));
  auto added = f.client->Post(kEntries + "/n:increment", R"({"amount":-11})");
  CHECK(added.Json()["value"] == -10);
  CHECK(added.Json()["users"] == json::array({"users/3"}));
  const std::string etag = added.Json()["etag"];
  REQUIRE(f.client->Post(kEntries + "?id=text", R"({"value":"hello"})").status == 200);
  CHECK(f.client->Post(kEntries + "/text:increment", "{}").status == 400);
  CHECK(f.client->Post(kEntries + "/n:increment", R"({"amount":"lots"})").status == 400);
  CHECK(f.client->Post(kEntries + "/n:increment", R"({"amount":1.5})").status == 400);
  CHECK(f.client->Post(kEntries + "/n:increment", R"({"amount":-9223372036854775808})").status ==
        400);  // -10 + INT64_MIN overflows: refused, never wrapped
  auto after = f.client->Get(kEntries + "/n");
  CHECK(after.Json()["value"] == -10);
  CHECK(after.Json()["etag"] == etag);
  CHECK(f.client->Get(kEntries + "/text").Json()["value"] == "hello");
}

TEST_CASE(":patch failures are 412 with the operation named, and change nothing", "[integration]") {
  ServerFixture f;
  auto created = f.client->Post(kEntries + "?id=p", R"({"value":{"coins":5,"items":[]}})");
  REQUIRE(created.status == 200);
  const std::string etag = created.Json()["etag"];
  auto failed = f.client->Post(kEntries + "/p:patch", R"({"operations":[
      {"op":"add","path":"/items/-","value":"sword"},
      {"op":"test","path":"/coins","value":6}]})");
  CHECK(failed.status == 412);
  CHECK(failed.Json()["code"] == "FAILED_PRECONDITION");
  CHECK(failed.Json()["details"][0]["reason"] == "TEST_FAILED");
  CHECK(failed.Json()["details"][0]["metadata"]["operationIndex"] == "1");
  CHECK(f.client->Post(kEntries + "/p:patch", R"({"operations":[{"op":"nope","path":"/a"}]})")
            .status == 400);
  CHECK(f.client->Post(kEntries + "/p:patch", R"({"ops":[]})").status == 400);
  CHECK(f.client
            ->Post(kEntries + "/missing:patch",
                   R"({"operations":[{"op":"add","path":"/a","value":1}]})")
            .status == 404);
  auto current = f.client->Get(kEntries + "/p");
  CHECK(current.Json()["etag"] == etag);
  CHECK(current.Json()["value"] == json{{"coins", 5}, {"items", json::array()}});

  auto ok = f.client->Post(
      kEntries + "/p:patch",
      json{{"operations", {{{"op", "add"}, {"path", "/items/-"}, {"value", "sword"}}}},
           {"etag", etag}}
          .dump());
  REQUIRE(ok.status == 200);
  CHECK(ok.Json()["value"]["items"] == json::array({"sword"}));
  auto stale = f.client->Post(
      kEntries + "/p:patch",
      json{{"operations", {{{"op", "remove"}, {"path", "/items/0"}}}}, {"etag", etag}}.dump());
  CHECK(stale.status == 409);
  auto fresh = f.client->Post(kEntries + "/fresh:patch", R"({"allowMissing":true,
      "initialValue":{"coins":0},"operations":[{"op":"increment","path":"/coins","value":10}]})");
  REQUIRE(fresh.status == 200);
  CHECK(fresh.Json()["value"] == json{{"coins", 10}});
}

TEST_CASE(":listRevisions pages newest first with query-bound tokens", "[integration]") {
  ServerFixture f;
  std::vector<std::string> revisions;
  for (int i = 0; i < 25; ++i) {
    auto r = f.client->Patch(kEntries + "/h?allowMissing=true", json{{"value", i}}.dump());
    REQUIRE(r.status == 200);
    revisions.insert(revisions.begin(), r.Json()["revisionId"].get<std::string>());
  }
  std::vector<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    auto r = f.client->Get(kEntries + "/h:listRevisions?maxPageSize=10" +
                           (token.empty() ? "" : "&pageToken=" + token));
    REQUIRE(r.status == 200);
    const json body = r.Json();  // keep the document alive while iterating it
    for (const auto& e : body["dataStoreEntries"]) {
      listed.push_back(e["revisionId"]);
      CHECK(e["id"] == "h@" + e["revisionId"].get<std::string>());
      CHECK(e["path"].get<std::string>().find("/entries/h@") != std::string::npos);
    }
    token = body.value("nextPageToken", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(listed == revisions);

  auto first = f.client->Get(kEntries + "/h:listRevisions?maxPageSize=1000").Json();
  CHECK(first["dataStoreEntries"].size() == 25);  // coerced down to 100, all fit
  auto paged = f.client->Get(kEntries + "/h:listRevisions?maxPageSize=5").Json();
  const std::string t = paged["nextPageToken"];
  CHECK(f.client
            ->Get(kEntries + "/h:listRevisions?pageToken=" + t +
                  "&filter=revision_create_time%20%3E%3D%202020-01-01T00:00:00Z")
            .status == 400);
  CHECK(f.client->Get(kEntries + "/other:listRevisions?pageToken=" + t).status == 400);
  CHECK(f.client->Get(kEntries + "/h:listRevisions?pageToken=garbage").status == 400);
  CHECK(f.client->Get(kEntries + "/h:listRevisions?filter=revision_create_time%20%3E%201").status ==
        400);
  CHECK(f.client->Get(kEntries + "/h:listRevisions?maxPageSize=-1").status == 400);
  auto future =
      f.client->Get(kEntries + "/h:listRevisions?filter=revision_create_time%20%3E%3D%20" +
                    std::string("2100-01-01T00:00:00Z"));
  REQUIRE(future.status == 200);
  CHECK(future.Json()["dataStoreEntries"].empty());
}

TEST_CASE(":restoreRevision rolls back and survives a restart", "[integration]") {
  ServerFixture f;
  auto good = f.client->Post(kEntries + "?id=profile",
                             R"({"value":{"level":30},"attributes":{"ok":true}})");
  REQUIRE(good.status == 200);
  REQUIRE(f.client->Patch(kEntries + "/profile", R"({"value":{"level":-999}})").status == 200);
  auto restored = f.client->Post(kEntries + "/profile:restoreRevision",
                                 json{{"revisionId", good.Json()["revisionId"]}}.dump());
  REQUIRE(restored.status == 200);
  CHECK(restored.Json()["value"] == json{{"level", 30}});
  CHECK(restored.Json()["attributes"] == json{{"ok", true}});
  CHECK(restored.Json()["revisionId"].get<std::string>().substr(16, 12) == ".0000000003.");
  CHECK(f.client->Post(kEntries + "/profile:restoreRevision", R"({"revisionId":"nope"})").status ==
        400);
  CHECK(f.client->Post(kEntries + "/profile:restoreRevision", "{}").status == 400);
  REQUIRE(f.Restart() == 0);
  auto listed = f.client->Get(kEntries + "/profile:listRevisions").Json()["dataStoreEntries"];
  CHECK(listed.size() == 3);
  CHECK(f.client->Get(kEntries + "/profile").Json()["value"] == json{{"level", 30}});
}

}  // namespace
}  // namespace strongbox::testing

namespace strongbox::testing {
namespace {

TEST_CASE("max_revisions_per_entry bounds the revisions kept", "[integration]") {
  ServerFixture f({"--max-revisions-per-entry", "3", "--revision-purge-interval-ms", "50"});
  for (int i = 0; i < 8; ++i) {
    REQUIRE(
        f.client->Patch(kEntries + "/capped?allowMissing=true", nlohmann::json{{"value", i}}.dump())
            .status == 200);
  }
  const nlohmann::json listed = f.client->Get(kEntries + "/capped:listRevisions").Json();
  REQUIRE(listed["dataStoreEntries"].size() == 3);
  CHECK(listed["dataStoreEntries"][0]["revisionId"].get<std::string>().substr(16, 12) ==
        ".0000000008.");
  CHECK(f.client->Get(kEntries + "/capped").Json()["value"] == 7);
  CHECK(f.server.Stop() == 0);  // the purge timer does not hold the shutdown up
}

}  // namespace
}  // namespace strongbox::testing

namespace strongbox::testing {
namespace {

TEST_CASE(":eraseUser purges every entry ever tagged with the user, with its revisions",
          "[integration]") {
  ServerFixture f;
  const std::string u = "/cloud/v2/universes/42/data-stores";
  REQUIRE(f.client->Post(u + "/A/entries?id=p1", R"({"value":1,"users":["users/5"]})").status ==
          200);
  // Tagged only in an old revision: still the user's data.
  REQUIRE(f.client->Patch(u + "/A/entries/p1", R"({"value":2})").status == 200);
  REQUIRE(
      f.client
          ->Post(u + "/B/scopes/s/entries?id=p2", R"({"value":1,"users":["users/5","users/6"]})")
          .status == 200);
  // Tagged through the v1 header.
  REQUIRE(f.client
              ->Send("POST",
                     "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry"
                     "?datastoreName=C&entryKey=p3",
                     "1", {{"roblox-entry-userids", "[5]"}})
              .status == 200);
  REQUIRE(f.client->Post(u + "/A/entries?id=other", R"({"value":1,"users":["users/6"]})").status ==
          200);
  REQUIRE(f.client
              ->Post("/cloud/v2/universes/43/data-stores/A/entries?id=p1",
                     R"({"value":1,"users":["users/5"]})")
              .status == 200);

  auto erased = f.client->Post(u + ":eraseUser", R"({"user":"users/5"})");
  REQUIRE(erased.status == 200);
  CHECK(erased.Json()["erasedEntries"] == 3);
  CHECK(f.client->Get(u + "/A/entries/p1").status == 404);
  CHECK(f.client->Get(u + "/A/entries/p1:listRevisions").Json()["dataStoreEntries"].empty());
  CHECK(f.client->Get(u + "/B/scopes/s/entries/p2").status == 404);
  CHECK(f.client->Get(u + "/C/entries/p3").status == 404);
  CHECK(f.client->Get(u + "/A/entries?showDeleted=true").Json()["dataStoreEntries"].size() == 1);
  CHECK(f.client->Get(u + "/A/entries/other").status == 200);
  CHECK(f.client->Get("/cloud/v2/universes/43/data-stores/A/entries/p1").status == 200);

  REQUIRE(f.Restart() == 0);
  CHECK(f.client->Get(u + "/A/entries/p1").status == 404);
  CHECK(f.client->Post(u + ":eraseUser", R"({"user":"users/5"})").Json()["erasedEntries"] == 0);
  CHECK(f.client->Post(u + ":eraseUser", R"({"user":"5"})").status == 400);
  CHECK(f.client->Post(u + ":eraseUser", R"({})").status == 400);
}

}  // namespace
}  // namespace strongbox::testing
