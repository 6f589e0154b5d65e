// Listing data stores and entry keys (v2) over real HTTP.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kStores = "/cloud/v2/universes/42/data-stores";

// Walks every page; returns ids (or "scope/id" when `with_scope`).
std::vector<std::string> ListAll(HttpClient& c, const std::string& target, bool with_scope = false,
                                 int* pages = nullptr) {
  std::vector<std::string> out;
  std::string token;
  int n = 0;
  do {
    const std::string sep = target.find('?') == std::string::npos ? "?" : "&";
    auto r = c.Get(target + (token.empty() ? "" : sep + "pageToken=" + token));
    INFO(r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    const json body = r.Json();
    for (const auto& e : body["dataStoreEntries"]) {
      std::string id = e["id"];
      if (with_scope) {
        const std::string path = e["path"];
        auto s = path.find("/scopes/");
        id = path.substr(s + 8, path.find('/', s + 8) - s - 8) + "/" + id;
      }
      out.push_back(id);
    }
    token = body["nextPageToken"];
    ++n;
  } while (!token.empty() && n < 1000);
  if (pages) *pages = n;
  return out;
}

TEST_CASE("listing thousands of keys across scopes, every key exactly once", "[integration]") {
  ServerFixture f;
  std::set<std::string> expected;
  for (int i = 0; i < 1200; ++i) {
    const std::string scope = "s" + std::to_string(i % 3);
    const std::string key = "k" + std::to_string(i);
    REQUIRE(
        f.client->Post(kStores + "/Big/scopes/" + scope + "/entries?id=" + key, R"({"value":1})")
            .status == 200);
    expected.insert(scope + "/" + key);
  }
  int pages = 0;
  auto all = ListAll(*f.client, kStores + "/Big/scopes/-/entries?maxPageSize=256", true, &pages);
  CHECK(all.size() == expected.size());
  CHECK(std::set<std::string>(all.begin(), all.end()) == expected);
  CHECK(pages == 5);
  auto one_scope = ListAll(*f.client, kStores + "/Big/scopes/s1/entries?maxPageSize=100");
  CHECK(one_scope.size() == 400);
  CHECK(std::is_sorted(one_scope.begin(), one_scope.end()));
  auto coerced = f.client->Get(kStores + "/Big/scopes/s1/entries?maxPageSize=100000").Json();
  CHECK(coerced["dataStoreEntries"].size() == 256);
  auto prefixed =
      ListAll(*f.client, kStores + "/Big/scopes/s0/entries?filter=id.startsWith(%22k11%22)");
  size_t want = 0;
  for (int i = 0; i < 1200; i += 3) want += std::to_string(i).rfind("11", 0) == 0 ? 1 : 0;
  for (const auto& k : prefixed) CHECK(k.rfind("k11", 0) == 0);
  CHECK(prefixed.size() == want);
}

TEST_CASE("pages stay stable while writes happen", "[integration]") {
  ServerFixture f;
  std::set<std::string> original;
  for (int i = 0; i < 300; ++i) {
    char key[16];
    std::snprintf(key, sizeof(key), "p%04d", i * 2);
    REQUIRE(f.client->Post(kEntries + "?id=" + key, R"({"value":1})").status == 200);
    original.insert(key);
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    HttpClient c(f.server.port(), f.server.admin_key());
    for (int i = 0; i < 300 && !stop; ++i) {
      char key[16];
      std::snprintf(key, sizeof(key), "p%04d", i * 2 + 1);  // between the originals
      c.Post(kEntries + "?id=" + key, R"({"value":1})");
    }
  });
  auto seen = ListAll(*f.client, kEntries + "?maxPageSize=7");
  stop = true;
  writer.join();
  std::map<std::string, int> counts;
  for (const auto& k : seen) ++counts[k];
  for (const auto& k : original) CHECK(counts[k] == 1);
  for (const auto& [k, n] : counts) CHECK(n == 1);
}

TEST_CASE("listing filters, showDeleted, tokens and errors", "[integration]") {
  ServerFixture f;
  for (const char* k : {"apple", "apricot", "banana"}) {
    REQUIRE(f.client->Post(kEntries + "?id=" + std::string(k), R"({"value":1})").status == 200);
  }
  REQUIRE(f.client->Delete(kEntries + "/apricot").status == 200);
  CHECK(ListAll(*f.client, kEntries + "?filter=id.startsWith(%22ap%22)") ==
        std::vector<std::string>{"apple"});
  auto with_deleted = f.client->Get(kEntries + "?filter=id.startsWith(%22ap%22)&showDeleted=true");
  CHECK(with_deleted.Json()["dataStoreEntries"].size() == 2);
  CHECK(with_deleted.Json()["dataStoreEntries"][1]["state"] == "DELETED");
  const std::string token = f.client->Get(kEntries + "?maxPageSize=1").Json()["nextPageToken"];
  REQUIRE_FALSE(token.empty());
  CHECK(f.client->Get(kEntries + "?maxPageSize=1&pageToken=" + token).status == 200);
  CHECK(f.client->Get(kEntries + "?pageToken=" + token + "&filter=id.startsWith(%22b%22)").status ==
        400);
  CHECK(f.client->Get(kEntries + "?pageToken=" + token + "&showDeleted=true").status == 400);
  CHECK(f.client->Get(kEntries + "?pageToken=nonsense").status == 400);
  for (const char* bad : {"id.startsWith(x)", "id.startsWith(%22a%22", "key%3D%3D1",
                          "id.startsWith(%22a%22)%20%26%26%20x"}) {
    INFO(bad);
    auto r = f.client->Get(kEntries + "?filter=" + bad);
    CHECK(r.status == 400);
    CHECK(r.Json()["message"].get<std::string>().find("id.startsWith") != std::string::npos);
  }
  CHECK(f.client->Get(kEntries + "?maxPageSize=-3").status == 400);
}

TEST_CASE("list data stores with filter and pages", "[integration]") {
  ServerFixture f;
  for (const char* ds : {"Alpha", "Beta", "Bravo", "Charlie"}) {
    REQUIRE(f.client->Post(kStores + "/" + std::string(ds) + "/entries?id=k", R"({"value":1})")
                .status == 200);
  }
  auto page1 = f.client->Get(kStores + "?maxPageSize=3").Json();
  REQUIRE(page1["dataStores"].size() == 3);
  CHECK(page1["dataStores"][0]["id"] == "Alpha");
  CHECK(page1["dataStores"][0]["path"] == "universes/42/data-stores/Alpha");
  CHECK(page1["dataStores"][0]["state"] == "ACTIVE");
  auto page2 =
      f.client
          ->Get(kStores + "?maxPageSize=3&pageToken=" + page1["nextPageToken"].get<std::string>())
          .Json();
  REQUIRE(page2["dataStores"].size() == 1);
  CHECK(page2["dataStores"][0]["id"] == "Charlie");
  CHECK(page2["nextPageToken"] == "");
  auto filtered = f.client->Get(kStores + "?filter=id.startsWith(%22B%22)").Json();
  CHECK(filtered["dataStores"].size() == 2);
  // Another universe sees none of them.
  CHECK(f.client->Get("/cloud/v2/universes/43/data-stores").Json()["dataStores"].empty());
}

}  // namespace
}  // namespace strongbox::testing

namespace strongbox::testing {
namespace {

TEST_CASE("data store delete hides it and its entries until undelete", "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kStores + "/Old/entries?id=a", R"({"value":1})").status == 200);
  REQUIRE(f.client->Post(kStores + "/Keep/entries?id=a", R"({"value":1})").status == 200);
  auto deleted = f.client->Delete(kStores + "/Old");
  REQUIRE(deleted.status == 200);
  CHECK(deleted.Json()["state"] == "DELETED");
  CHECK(deleted.Json()["id"] == "Old");
  CHECK(deleted.Json()["expireTime"].is_string());
  auto listed = f.client->Get(kStores).Json()["dataStores"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["id"] == "Keep");
  CHECK(f.client->Get(kStores + "?showDeleted=true").Json()["dataStores"].size() == 2);
  auto gone = f.client->Get(kStores + "/Old/entries/a");
  CHECK(gone.status == 404);
  CHECK(gone.Json()["message"] == "Data store is deleted.");
  CHECK(f.client->Patch(kStores + "/Old/entries/a", R"({"value":2})").status == 404);
  CHECK(f.client->Post(kStores + "/Old/entries?id=b", R"({"value":2})").status == 404);
  CHECK(f.client->Get(kStores + "/Old/entries").status == 404);
  CHECK(f.client->Delete(kStores + "/Old").status == 404);
  CHECK(f.client->Delete(kStores + "/Never").status == 404);
  CHECK(f.client->Get(kStores + "/Keep/entries/a").status == 200);

  REQUIRE(f.Restart() == 0);  // the deletion is durable
  CHECK(f.client->Get(kStores + "/Old/entries/a").status == 404);
  auto undeleted = f.client->Post(kStores + "/Old:undelete", "");
  REQUIRE(undeleted.status == 200);
  CHECK(undeleted.Json()["state"] == "ACTIVE");
  CHECK(f.client->Get(kStores + "/Old/entries/a").Json()["value"] == 1);
  CHECK(f.client->Post(kStores + "/Old:undelete", "").status == 404);
}

TEST_CASE("an expired deleted data store is purged for good", "[integration]") {
  ServerFixture f({"--datastore-delete-retention-days", "0", "--revision-purge-interval-ms", "20"});
  for (int i = 0; i < 30; ++i) {
    REQUIRE(f.client
                ->Post(kStores + "/Tmp/entries?id=k" + std::to_string(i),
                       R"({"value":1,"users":["users/9"]})")
                .status == 200);
  }
  // Mail to an entry goes with its data store: none of it reaches a later entry of that name.
  REQUIRE(
      f.client->Post(kStores + "/Tmp/entries/k0:sendMessage", R"({"message":{"gold":5}})").status ==
      200);
  REQUIRE(f.client->Delete(kStores + "/Tmp").status == 200);
  bool purged = false;
  for (int i = 0; i < 200 && !purged; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    purged = f.client->Get(kStores + "?showDeleted=true").Json()["dataStores"].empty();
  }
  CHECK(purged);
  CHECK(f.client->Post(kStores + "/Tmp:undelete", "").status == 404);
  // A new data store of that name starts empty.
  auto fresh = f.client->Post(kStores + "/Tmp/entries?id=k0", R"({"value":2})");
  REQUIRE(fresh.status == 200);
  CHECK(fresh.Json()["revisionId"].get<std::string>().substr(16, 12) == ".0000000001.");
  CHECK_FALSE(f.client->Get(kStores + "/Tmp/entries/k0").Json().contains("pendingMessages"));
  CHECK(f.client->Get(kStores + "/Tmp/entries/k0:listMessages").Json()["messages"].empty());
  CHECK(f.client->Get(kStores + "/Tmp/entries").Json()["dataStoreEntries"].size() == 1);
  CHECK(f.client->Post(kStores + ":eraseUser", R"({"user":"users/9"})").Json()["erasedEntries"] ==
        0);
}

TEST_CASE("snapshot answers a restore point", "[integration]") {
  ServerFixture f;
  auto r = f.client->Post(kStores + ":snapshot", "{}");
  REQUIRE(r.status == 200);
  CHECK(r.Json()["newSnapshotTaken"] == true);
  CHECK(r.Json()["latestSnapshotTime"].get<std::string>().back() == 'Z');
}

}  // namespace
}  // namespace strongbox::testing
