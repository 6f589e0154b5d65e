// Input that used to take the server down or be refused (issue #13): JSON nested far past any
// game's data on every surface that takes a body, a declared body over the limit, and the
// spellings real Open Cloud clients send (api.md §1 "Numbers", case-insensitive names, `{}`).

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

// `{"value": [[[ … 1 … ]]]}`-style bodies: `depth` arrays around a scalar.
std::string Nested(size_t depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); }

struct Surface {
  std::string method;
  std::string target;
  // The body with `@` where the nested value goes.
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};
};

std::string Fill(const std::string& body, const std::string& value) {
  std::string out = body;
  out.replace(out.find('@'), 1, value);
  return out;
}

TEST_CASE("deeply nested JSON gets a 400 naming the limit on every body, and the server stays up",
          "[integration]") {
  ServerFixture f;
  const std::string u = "/cloud/v2/universes/42";
  REQUIRE(f.client->Post(kEntries + "?id=e", R"({"value":{"a":1}})").status == 200);
  REQUIRE(f.client->Post(u + "/memory-store/queues/q/items", R"({"data":1,"ttl":"60s"})").status ==
          200);
  const std::vector<Surface> surfaces = {
      {"POST",
       "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry"
       "?datastoreName=D&entryKey=k",
       "@"},
      {"POST", kEntries + "?id=n", R"({"value":@})"},
      {"PATCH", kEntries + "/e", R"({"value":@})"},
      {"POST", kEntries + "/e:increment", R"({"amount":1,"attributes":{"a":@}})"},
      {"POST", kEntries + "/e:patch", R"({"operations":[{"op":"add","path":"/b","value":@}]})"},
      {"POST", kEntries + "/e:restoreRevision", R"({"revisionId":@})"},
      {"POST", u + "/data-stores:eraseUser", R"({"user":@})"},
      {"POST", u + "/ordered-data-stores/O/scopes/global/entries?id=o", R"({"value":@})"},
      {"POST",
       "/ordered-data-stores/v1/universes/42/orderedDataStores/O/scopes/global/entries/o"
       ":increment",
       R"({"amount":@})"},
      {"POST", u + "/memory-store/sorted-maps/M/items?id=i", R"({"value":@,"ttl":"60s"})"},
      {"POST", u + "/memory-store/queues/q/items", R"({"data":@,"ttl":"60s"})"},
      {"POST", u + "/memory-store/queues/q/items:discard", R"({"readId":@})"},
      {"PATCH", u + "/memory-store/queues/q", R"({"maxDeliveries":@})"},
      {"POST", u + "/session-locks/L:acquire", R"({"owner":@,"ttl":"30s"})"},
      {"POST", "/admin/v1/api-keys", R"({"name":"k","scopes":@})"},
      // A JSON header: the attributes of a v1 write.
      {"POST",
       "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry"
       "?datastoreName=D&entryKey=h",
       "1",
       {{"roblox-entry-attributes", "{\"a\":" + Nested(120) + "}"}}},
  };
  for (const auto& s : surfaces) {
    for (size_t depth : {size_t{101}, size_t{1000}, size_t{100000}}) {
      std::string body = s.body == "1" ? s.body : Fill(s.body, Nested(depth));
      INFO(s.method << " " << s.target << " depth " << depth);
      auto r = f.client->Send(s.method, s.target, body, s.headers);
      CHECK(r.status == 400);
      CHECK(r.body.find("max_json_depth") != std::string::npos);
      if (s.body == "1") break;  // the header case has one depth (headers are small)
    }
    REQUIRE(f.client->Get("/healthz").status == 200);
  }
  // Stored data is unchanged by the refusals.
  CHECK(f.client->Get(kEntries + "/e").Json()["value"] == json{{"a", 1}});
  CHECK(f.client->Get(kEntries + "/n").status == 404);
  // Well inside the limit every surface parses (whatever it then says of the value).
  for (const auto& s : surfaces) {
    if (s.body == "1") continue;
    auto r = f.client->Send(s.method, s.target, Fill(s.body, Nested(20)), s.headers);
    INFO(s.method << " " << s.target << " depth 20: " << r.body);
    CHECK(r.status < 500);
    CHECK(r.body.find("max_json_depth") == std::string::npos);
  }
}

TEST_CASE("max_json_depth is a config field", "[integration]") {
  ServerFixture f({"--max-json-depth", "5"});
  CHECK(f.client->Post(kEntries + "?id=a", R"({"value":[[[1]]]})").status == 200);
  auto r = f.client->Post(kEntries + "?id=b", R"({"value":[[[[[1]]]]]})");
  CHECK(r.status == 400);
  CHECK(r.Json()["details"][0]["metadata"]["value"] == "5");
  // A patch cannot build past the limit either: copying the document into itself nests it.
  r = f.client->Post(
      kEntries + "/a:patch",
      R"({"operations":[{"op":"copy","from":"","path":"/0"},)"
      R"({"op":"copy","from":"","path":"/0"},{"op":"copy","from":"","path":"/0"}]})");
  CHECK(r.status == 400);
  CHECK(r.body.find("max_json_depth") != std::string::npos);
  CHECK(f.client->Get(kEntries + "/a").Json()["value"] == json::parse("[[[1]]]"));
}

TEST_CASE("a declared body over the limit is answered 413 before it is sent", "[integration]") {
  ServerFixture f;  // default limits: bodies up to 5 MiB (one 4 MiB value and its JSON)
  const std::string head = "POST " + kEntries +
                           "?id=big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "x-api-key: " +
                           f.server.admin_key() + "\r\nContent-Length: 6291456\r\n";
  // Only the headers: the answer comes without the body.
  std::string out = RawExchange(f.server.port(), head + "\r\n");
  CHECK(out.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(out.find("PAYLOAD_TOO_LARGE") != std::string::npos);
  // The headers and the first 64 KB: the client still reads the answer (no reset).
  out = RawExchange(f.server.port(), head + "\r\n" + std::string(64 * 1024, 'x'));
  CHECK(out.rfind("HTTP/1.1 413", 0) == 0);
  // Expect: 100-continue is answered with the 413, never a 100.
  out = RawExchange(f.server.port(), head + "Expect: 100-continue\r\n\r\n");
  CHECK(out.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(out.find("100 Continue") == std::string::npos);
  // Under the limit, 100-continue invites the body.
  const std::string small = R"({"value":1})";
  out = RawExchangeInTwoParts(f.server.port(),
                              "POST " + kEntries +
                                  "?id=small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                  "x-api-key: " +
                                  f.server.admin_key() +
                                  "\r\nExpect: 100-continue\r\nContent-Length: " +
                                  std::to_string(small.size()) + "\r\n\r\n",
                              small);
  CHECK(out.rfind("HTTP/1.1 100", 0) == 0);
  CHECK(out.find("HTTP/1.1 200") != std::string::npos);
  CHECK(f.client->Get(kEntries + "/big").status == 404);
  CHECK(f.client->Get(kEntries + "/small").status == 200);
}

TEST_CASE("whole numbers spelled as doubles are integers everywhere one is required",
          "[integration]") {
  ServerFixture f;
  const std::string ordered = "/cloud/v2/universes/42/ordered-data-stores/O/scopes/global/entries";
  const std::string ordered_v1 =
      "/ordered-data-stores/v1/universes/42/orderedDataStores/O/scopes/global/entries";
  CHECK(f.client->Post(ordered + "?id=a", R"({"value":5.0})").Json()["value"] == 5);
  CHECK(f.client->Post(ordered + "/a:increment", R"({"amount":2.0})").Json()["value"] == 7);
  CHECK(f.client->Patch(ordered + "/a", R"({"value":1e3})").Json()["value"] == 1000);
  CHECK(f.client->Post(ordered_v1 + "/a:increment", R"({"amount":-0.0})").Json()["value"] == 1000);
  auto fraction = f.client->Post(ordered + "/a:increment", R"({"amount":1.5})");
  CHECK(fraction.status == 400);
  CHECK(fraction.Json()["message"].get<std::string>().find("must be a whole number") !=
        std::string::npos);
  // A data store value stored as 3.0 increments; an amount of 2.0 is 2.
  REQUIRE(f.client->Post(kEntries + "?id=c", R"({"value":3.0})").status == 200);
  auto inc = f.client->Post(kEntries + "/c:increment", R"({"amount":2.0})");
  REQUIRE(inc.status == 200);
  CHECK(inc.Json()["value"] == 5);
  const std::string v1 = "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry";
  REQUIRE(f.client->Post(v1 + "?datastoreName=D&entryKey=k", "3.0").status == 200);
  auto v1inc = f.client->Post(v1 + "/increment?datastoreName=D&entryKey=k&incrementBy=1e1", "");
  REQUIRE(v1inc.status == 200);
  CHECK(v1inc.body == "13");
  CHECK(f.client->Post(v1 + "/increment?datastoreName=D&entryKey=k&incrementBy=0.5", "").status ==
        400);
  // :patch increments and bounds; queue read count.
  REQUIRE(f.client->Post(kEntries + "?id=p", R"({"value":{"coins":10.0}})").status == 200);
  auto patched = f.client->Post(
      kEntries + "/p:patch",
      R"({"operations":[{"op":"increment","path":"/coins","value":-4.0,"min":0.0}]})");
  REQUIRE(patched.status == 200);
  CHECK(patched.Json()["value"]["coins"] == 6);
  const std::string queue = "/cloud/v2/universes/42/memory-store/queues/q";
  REQUIRE(f.client->Post(queue + "/items", R"({"data":1,"ttl":"60s"})").status == 200);
  CHECK(f.client->Get(queue + "/items:read?count=1.0").status == 200);
  CHECK(f.client->Get(queue + "/items:read?count=1.5").status == 400);
}

TEST_CASE("parameter names and fixed path segments in any case, ids exactly as sent",
          "[integration]") {
  ServerFixture f;
  const std::string v1 = "/datastores/v1/universes/42/standard-datastores/datastore/entries";
  REQUIRE(f.client->Post(v1 + "/entry?datastoreName=D&entryKey=a&scope=s1", "1").status == 200);
  REQUIRE(f.client->Post(v1 + "/entry?datastoreName=D&entryKey=b&scope=s2", "2").status == 200);
  // A Python client sends AllScopes=True: both scopes, not one.
  auto all = f.client->Get(v1 + "?DatastoreName=D&AllScopes=True");
  REQUIRE(all.status == 200);
  CHECK(all.Json()["keys"].size() == 2);
  // orderedDatastores (lower-case s) reaches the ordered v1 surface.
  auto created = f.client->Post(
      "/ordered-data-stores/v1/universes/42/orderedDatastores/O/scopes/global/entries?id=x",
      R"({"value":1})");
  CHECK(created.status == 200);
  CHECK(f.client
            ->Get("/Ordered-Data-Stores/v1/universes/42/ORDEREDDATASTORES/O/scopes/global/"
                  "entries/x")
            .status == 200);
  // Custom methods too; but ids, names and keys are case-sensitive.
  CHECK(f.client->Post(kEntries + "?id=Key", R"({"value":1})").status == 200);
  CHECK(f.client->Post(kEntries + "/Key:INCREMENT", R"({"amount":1})").Json()["value"] == 2);
  CHECK(f.client->Get(kEntries + "/key").status == 404);
  CHECK(f.client->Get("/cloud/v2/universes/42/data-stores/inventory/entries/Key").status == 404);
}

TEST_CASE("the ordered filter takes its clauses in either order and any spacing", "[integration]") {
  ServerFixture f;
  const std::string ordered = "/cloud/v2/universes/42/ordered-data-stores/O/scopes/global/entries";
  for (int v : {5, 10, 20, 30, 40}) {
    REQUIRE(
        f.client
            ->Post(ordered + "?id=e" + std::to_string(v), R"({"value":)" + std::to_string(v) + "}")
            .status == 200);
  }
  for (const char* filter :
       {"entry%20%3E%3D%2010%20%26%26%20entry%20%3C%3D%2030",
        "entry%20%3C%3D%2030%20%26%26%20entry%20%3E%3D%2010", "entry%3C%3D30%26%26entry%3E%3D10"}) {
    INFO(filter);
    auto r = f.client->Get(ordered + "?filter=" + filter);
    REQUIRE(r.status == 200);
    CHECK(r.Json()["orderedDataStoreEntries"].size() == 3);
  }
  auto bad = f.client->Get(ordered + "?filter=entry%20%3E%2010");
  CHECK(bad.status == 400);
  CHECK(bad.Json()["message"].get<std::string>().find("entry >= N && entry <= N") !=
        std::string::npos);
}

}  // namespace
}  // namespace strongbox::testing
