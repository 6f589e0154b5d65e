// Every route of the server's own table (GET /admin/v1/routes), probed over HTTP (issue #13):
// each answers its success as a JSON body with content-type application/json (a v2 call with an
// empty result answers `{}`, api.md §1, because clients parse every answer), and each that
// takes a body refuses a deeply nested one with a 400 naming max_json_depth. Every mutating
// route (issue #14) refuses a stale fencing token with 409 LOCK_LOST and replays an
// Idempotency-Key retry (api.md §1). A route added without a probe here fails the test, so no
// route escapes these rules.

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

struct Probe {
  std::string method;
  std::string pattern;  // as the route table lists it
  std::string target;   // `$name` is replaced by a value captured from an earlier answer
  std::string body;
  // Captures `name` from the answer's JSON at `pointer` (e.g. {"rev", "/revisionId"}).
  std::vector<std::pair<std::string, std::string>> captures = {};
};

const std::string U = "/cloud/v2/universes/{universe}";
const std::string DS = U + "/data-stores/{dataStore}";
const std::string SDS = DS + "/scopes/{scope}";
const std::string V1 = "/datastores/v1/universes/{universe}/standard-datastores";
const std::string LK = U + "/session-locks";
const std::string OV1 =
    "/ordered-data-stores/v1/universes/{universe}/orderedDataStores/{store}/"
    "scopes/{scope}/entries";
const std::string OV2 = U + "/ordered-data-stores/{store}/scopes/{scope}/entries";
const std::string SM = U + "/memory-store/sorted-maps/{map}/items";
const std::string HM = U + "/memory-store/hash-maps/{map}/items";
const std::string QU = U + "/memory-store/queues/{queue}";

const std::string u = "/cloud/v2/universes/42";
const std::string ds = u + "/data-stores/Inventory";
const std::string sds = ds + "/scopes/s";
const std::string v1 = "/datastores/v1/universes/42/standard-datastores";
const std::string lk = u + "/session-locks/L";
const std::string ov1 = "/ordered-data-stores/v1/universes/42/orderedDataStores/O/scopes/g/entries";
const std::string ov2 = u + "/ordered-data-stores/O/scopes/g/entries";
const std::string sm = u + "/memory-store/sorted-maps/M/items";
const std::string hm = u + "/memory-store/hash-maps/H/items";
const std::string qu = u + "/memory-store/queues/q";

// In an order where each call succeeds: creates before reads, deletes last.
std::vector<Probe> Probes() {
  const std::string v1e = v1 + "/datastore/entries/entry?datastoreName=D&entryKey=k";
  return {
      {"GET", "/healthz", "/healthz", ""},
      {"GET", "/readyz", "/readyz", ""},
      {"GET", "/metrics", "/metrics", ""},
      {"POST",
       DS + "/entries",
       ds + "/entries?id=e",
       R"({"value":{"coins":1}})",
       {{"rev", "/revisionId"}}},
      {"GET", DS + "/entries/{entry}", ds + "/entries/e", ""},
      {"PATCH", DS + "/entries/{entry}", ds + "/entries/e", R"({"value":{"coins":2}})"},
      {"POST", DS + "/entries/{entry}:increment", ds + "/entries/n:increment", R"({"amount":1})"},
      {"POST", DS + "/entries/{entry}:patch", ds + "/entries/e:patch",
       R"({"operations":[{"op":"add","path":"/x","value":1}]})"},
      {"POST", DS + "/entries/{entry}:restoreRevision", ds + "/entries/e:restoreRevision",
       R"({"revisionId":"$rev"})"},
      {"GET", DS + "/entries/{entry}:listRevisions", ds + "/entries/e:listRevisions", ""},
      {"POST", DS + "/entries/{entry}:sendMessage", ds + "/entries/e:sendMessage",
       R"({"message":{"gift":1}})"},
      {"GET", DS + "/entries/{entry}:listMessages", ds + "/entries/e:listMessages", ""},
      {"POST",
       SDS + "/entries",
       sds + "/entries?id=e",
       R"({"value":{"coins":1}})",
       {{"srev", "/revisionId"}}},
      {"GET", SDS + "/entries/{entry}", sds + "/entries/e", ""},
      {"PATCH", SDS + "/entries/{entry}", sds + "/entries/e", R"({"value":{"coins":2}})"},
      {"POST", SDS + "/entries/{entry}:increment", sds + "/entries/n:increment", R"({"amount":1})"},
      {"POST", SDS + "/entries/{entry}:patch", sds + "/entries/e:patch",
       R"({"operations":[{"op":"add","path":"/x","value":1}]})"},
      {"POST", SDS + "/entries/{entry}:restoreRevision", sds + "/entries/e:restoreRevision",
       R"({"revisionId":"$srev"})"},
      {"GET", SDS + "/entries/{entry}:listRevisions", sds + "/entries/e:listRevisions", ""},
      {"POST", SDS + "/entries/{entry}:sendMessage", sds + "/entries/e:sendMessage",
       R"({"message":{"gift":1}})"},
      {"GET", SDS + "/entries/{entry}:listMessages", sds + "/entries/e:listMessages", ""},
      {"POST", DS + "/entries:batchGet", ds + "/entries:batchGet", R"({"ids":["e","n"]})"},
      {"POST", SDS + "/entries:batchGet", sds + "/entries:batchGet", R"({"ids":["e"]})"},
      {"POST", U + ":commit", u + ":commit",
       R"({"operations":[{"entry":{"dataStore":"Inventory","id":"t"},"increment":1},)"
       R"({"orderedEntry":{"store":"O","scope":"g","id":"t"},"increment":1}]})"},
      {"GET", U + "/data-stores", u + "/data-stores", ""},
      {"GET", DS + "/entries", ds + "/entries", ""},
      {"GET", SDS + "/entries", sds + "/entries", ""},
      {"DELETE", SDS + "/entries/{entry}", sds + "/entries/e", ""},
      {"DELETE", DS + "/entries/{entry}", ds + "/entries/e", ""},
      {"POST", U + "/data-stores:snapshot", u + "/data-stores:snapshot", ""},
      {"POST", U + "/data-stores:eraseUser", u + "/data-stores:eraseUser", R"({"user":"users/1"})"},
      {"POST", DS + ":revertChanges", ds + ":revertChanges",
       R"({"writer":"k","startTime":"2026-01-01T00:00:00Z","endTime":"2026-01-02T00:00:00Z"})"},
      {"DELETE", DS, ds, ""},
      {"POST", DS + ":undelete", ds + ":undelete", ""},
      {"POST", V1 + "/datastore/entries/entry", v1e, "1", {{"ver", "/version"}}},
      {"GET", V1, v1, ""},
      {"GET", V1 + "/datastore/entries", v1 + "/datastore/entries?datastoreName=D", ""},
      {"GET", V1 + "/datastore/entries/entry", v1e, ""},
      {"POST", V1 + "/datastore/entries/entry/increment",
       v1 + "/datastore/entries/entry/increment?datastoreName=D&entryKey=k", ""},
      {"GET", V1 + "/datastore/entries/entry/versions",
       v1 + "/datastore/entries/entry/versions?datastoreName=D&entryKey=k", ""},
      {"GET", V1 + "/datastore/entries/entry/versions/version",
       v1 + "/datastore/entries/entry/versions/version?datastoreName=D&entryKey=k&versionId=$ver",
       ""},
      {"DELETE", V1 + "/datastore/entries/entry", v1e, ""},
      {"POST",
       LK + "/{lock}:acquire",
       lk + ":acquire",
       R"({"owner":"a","ttl":"30s"})",
       {{"token", "/fencingToken"}}},
      {"POST", LK + "/{lock}:renew", lk + ":renew",
       R"({"owner":"a","fencingToken":"$token","ttl":"30s"})"},
      {"POST", LK + "/{lock}:requestRelease", lk + ":requestRelease",
       R"({"requester":"b","reason":"r"})"},
      {"GET", LK + "/{lock}", lk, ""},
      {"GET", LK, u + "/session-locks", ""},
      {"POST",
       LK + "/{lock}:steal",
       lk + ":steal",
       R"({"owner":"b","ttl":"30s","reason":"r"})",
       {{"token", "/fencingToken"}}},
      {"POST", LK + "/{lock}:release", lk + ":release", R"({"owner":"b","fencingToken":"$token"})"},
      {"GET", U + "/changes", u + "/changes", ""},
      {"POST", U + "/subscriptions", u + "/subscriptions", R"({"id":"sub"})"},
      {"GET", U + "/subscriptions", u + "/subscriptions", ""},
      {"GET", U + "/subscriptions/{subscription}", u + "/subscriptions/sub", ""},
      {"GET", U + "/subscriptions/{subscription}:read", u + "/subscriptions/sub:read", ""},
      {"POST", U + "/subscriptions/{subscription}:ack", u + "/subscriptions/sub:ack",
       R"({"sequence":"latest"})"},
      {"DELETE", U + "/subscriptions/{subscription}", u + "/subscriptions/sub", ""},
      {"POST", OV1, ov1 + "?id=o", R"({"value":1})"},
      {"GET", OV1, ov1, ""},
      {"GET", OV1 + "/{entry}", ov1 + "/o", ""},
      {"PATCH", OV1 + "/{entry}", ov1 + "/o", R"({"value":2})"},
      {"POST", OV1 + "/{entry}:increment", ov1 + "/o:increment", R"({"amount":1})"},
      {"DELETE", OV1 + "/{entry}", ov1 + "/o", ""},
      {"POST", OV2, ov2 + "?id=p", R"({"value":1})"},
      {"GET", OV2, ov2, ""},
      {"GET", OV2 + "/{entry}", ov2 + "/p", ""},
      {"PATCH", OV2 + "/{entry}", ov2 + "/p", R"({"value":2})"},
      {"POST", OV2 + "/{entry}:increment", ov2 + "/p:increment", R"({"amount":1})"},
      {"GET", OV2 + "/{entry}:rank", ov2 + "/p:rank", ""},
      {"GET", OV2 + "/{entry}:neighbors", ov2 + "/p:neighbors", ""},
      {"GET", OV2 + ":count", ov2 + ":count", ""},
      {"POST", OV2 + ":batchGet", ov2 + ":batchGet", R"({"ids":["p","t"]})"},
      {"PATCH", U + "/ordered-data-stores/{store}/scopes/{scope}:settings",
       u + "/ordered-data-stores/O/scopes/g:settings", R"({"writeStrategy":"best"})"},
      {"GET", U + "/ordered-data-stores/{store}/scopes/{scope}:settings",
       u + "/ordered-data-stores/O/scopes/g:settings", ""},
      {"GET", U + "/ordered-data-stores/{store}/scopes/{scope}:seasons",
       u + "/ordered-data-stores/O/scopes/g:seasons", ""},
      {"DELETE", OV2 + "/{entry}", ov2 + "/p", ""},
      {"POST", SM, sm + "?id=i", R"({"value":1,"ttl":"60s"})"},
      {"GET", SM, sm, ""},
      {"GET", SM + "/{item}", sm + "/i", ""},
      {"PATCH", SM + "/{item}", sm + "/i", R"({"value":2,"ttl":"60s"})"},
      {"DELETE", SM + "/{item}", sm + "/i", ""},
      {"POST", HM, hm + "?id=i", R"({"value":1,"ttl":"60s"})"},
      {"GET", HM, hm, ""},
      {"GET", HM + "/{item}", hm + "/i", ""},
      {"PATCH", HM + "/{item}", hm + "/i", R"({"value":2,"ttl":"60s"})"},
      {"DELETE", HM + "/{item}", hm + "/i", ""},
      {"POST", QU + "/items", qu + "/items", R"({"data":1,"ttl":"60s"})"},
      {"POST", QU + "/items:add", qu + "/items:add", R"({"data":2,"ttl":"60s"})"},
      {"GET", QU + "/items:peek", qu + "/items:peek?count=2", ""},
      {"GET", QU + "/items:read", qu + "/items:read?count=2", "", {{"read", "/readId"}}},
      {"POST", QU + "/items:discard", qu + "/items:discard", R"({"readId":"$read"})"},
      {"GET", QU, qu, ""},
      {"PATCH", QU, qu, R"({"maxDeliveries":3})"},
      {"POST", U + "/memory-store:flush", u + "/memory-store:flush", "", {{"op", "/path"}}},
      {"GET", U + "/memory-store/operations/{operation}", "/$op", ""},
      {"POST",
       "/admin/v1/api-keys",
       "/admin/v1/api-keys",
       R"({"name":"k","scopes":[{"universe":"42","scope":"admin"}]})",
       {{"key", "/id"}}},
      {"GET", "/admin/v1/api-keys", "/admin/v1/api-keys", ""},
      {"GET", "/admin/v1/api-keys/{key}", "/admin/v1/api-keys/$key", ""},
      {"DELETE", "/admin/v1/api-keys/{key}", "/admin/v1/api-keys/$key", ""},
      {"POST", "/admin/v1/backups", "/admin/v1/backups", "", {{"backup", "/id"}}},
      {"GET", "/admin/v1/backups", "/admin/v1/backups", ""},
      {"DELETE", "/admin/v1/backups/{backup}", "/admin/v1/backups/$backup", ""},
      {"GET", "/admin/v1/routes", "/admin/v1/routes", ""},
      {"GET", "/admin/v1/caller", "/admin/v1/caller", ""},
      {"GET", "/admin/v1/universes", "/admin/v1/universes", ""},
      {"GET", "/admin/v1/universes/{universe}", "/admin/v1/universes/42", ""},
      {"GET", "/console", "/console/", ""},
      {"GET", "/console/{file}", "/console/console.js", ""},
      {"GET", "/admin/v1/cluster", "/admin/v1/cluster", ""},
  };
}

// Successes that are not JSON by contract: Prometheus text, and v1's delete (204, api.md §2).
const std::set<std::string> kNotJson = {
    "GET /metrics",
    "GET /console",  // the console's page and files
    "GET /console/{file}",
    "DELETE " + V1 + "/datastore/entries/entry",
};

// POST/PATCH routes that read no body: a nested body is ignored, not refused.
const std::set<std::string> kNoBody = {
    "POST " + U + "/data-stores:snapshot",
    "POST " + DS + ":undelete",
    "POST " + V1 + "/datastore/entries/entry/increment",
    "POST " + U + "/memory-store:flush",
    "POST /admin/v1/backups",
};

std::string Expand(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [name, value] : vars) {
    for (size_t at; (at = text.find("$" + name)) != std::string::npos;) {
      text.replace(at, name.size() + 1, value);
    }
  }
  return text;
}

std::vector<std::pair<std::string, std::string>> RouteTable(HttpClient& client) {
  auto r = client.Get("/admin/v1/routes");
  REQUIRE(r.status == 200);
  std::vector<std::pair<std::string, std::string>> routes;
  const json table = r.Json();  // kept: a range-for over a temporary's member would dangle
  for (const auto& route : table["routes"]) {
    routes.emplace_back(route["method"].get<std::string>(), route["pattern"].get<std::string>());
  }
  REQUIRE(routes.size() > 50);
  return routes;
}

// Backups are PostgreSQL's own in storage mode postgres: those routes answer 400 STORAGE_MODE.
// The cluster's route answers 400 NOT_CLUSTERED on a server outside cluster mode (this test's;
// cluster_test.cc reads it from a cluster).
bool RefusedByMode(const std::string& route) {
  return (PostgresMode() && route.find("/admin/v1/backups") != std::string::npos) ||
         route == "GET /admin/v1/cluster";
}

TEST_CASE("every route has a probe, and answers its success as JSON ({} when empty)",
          "[integration]") {
  ServerFixture f;
  const auto probes = Probes();
  std::set<std::string> probed;
  for (const auto& p : probes) probed.insert(p.method + " " + p.pattern);
  for (const auto& [method, pattern] : RouteTable(*f.client)) {
    INFO("add a probe to route_table_test.cc for the new route " << method << " " << pattern);
    CHECK(probed.count(method + " " + pattern) == 1);
  }

  std::map<std::string, std::string> vars;
  for (const auto& p : probes) {
    const std::string route = p.method + " " + p.pattern;
    auto r = f.client->Send(p.method, Expand(p.target, vars), Expand(p.body, vars));
    INFO(route << " → " << r.status << " " << r.body);
    if (RefusedByMode(route)) {
      // STORAGE_MODE, NOT_CLUSTERED, or the id of a backup that was never taken
      CHECK(r.status == 400);
      continue;
    }
    REQUIRE(r.status / 100 == 2);
    if (kNotJson.count(route) != 0) continue;
    CHECK(r.status == 200);
    CHECK(r.Header("content-type") == "application/json");
    REQUIRE_FALSE(r.body.empty());
    const json parsed = json::parse(r.body, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    for (const auto& [name, pointer] : p.captures) {
      const json& value = parsed.at(json::json_pointer(pointer));
      vars[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
}

// The mutating routes of the table, with whether each honours the lock guard.
std::map<std::string, std::string> WriteRoutes(HttpClient& client) {
  auto r = client.Get("/admin/v1/routes");
  REQUIRE(r.status == 200);
  std::map<std::string, std::string> writes;
  const json table = r.Json();
  for (const auto& route : table["routes"]) {
    if (!route["mutates"].get<bool>()) continue;
    writes[route["method"].get<std::string>() + " " + route["pattern"].get<std::string>()] =
        route["guard"].get<std::string>();
  }
  return writes;
}

TEST_CASE("every mutating route refuses a stale fencing token and replays an Idempotency-Key",
          "[integration]") {
  ServerFixture f;
  const auto writes = WriteRoutes(*f.client);
  REQUIRE(writes.size() > 30);
  // A fencing token that was current once: lock G is taken, then stolen.
  auto taken = f.client->Post(u + "/session-locks/G:acquire", R"({"owner":"a","ttl":"300s"})");
  REQUIRE(taken.status == 200);
  const std::string stale_token = taken.Json()["fencingToken"].get<std::string>();
  REQUIRE(f.client->Post(u + "/session-locks/G:steal", R"({"owner":"b","ttl":"300s"})").status ==
          200);
  const std::vector<std::pair<std::string, std::string>> stale = {
      {"Strongbox-Lock-Id", "G"}, {"Strongbox-Fencing-Token", stale_token}};

  std::map<std::string, std::string> vars;
  std::set<std::string> covered;
  int n = 0;
  for (const auto& p : Probes()) {
    const std::string route = p.method + " " + p.pattern;
    const std::string target = Expand(p.target, vars);
    const std::string body = Expand(p.body, vars);
    INFO(route);
    HttpResponse answer;
    auto write = writes.find(route);
    if (write == writes.end()) {
      answer = f.client->Send(p.method, target, body);
      if (RefusedByMode(route)) {
        CHECK(answer.status == 400);
        continue;
      }
    } else {
      covered.insert(route);
      // A stale guard: refused, and nothing written (the call below still succeeds).
      auto guarded = f.client->Send(p.method, target, body, stale);
      INFO("guarded → " << guarded.status << " " << guarded.body);
      if (write->second == "refused") {
        CHECK(guarded.status == 400);
      } else {
        CHECK(guarded.status == 409);
        CHECK(guarded.body.find("LOCK_LOST") != std::string::npos);
      }
      if (RefusedByMode(route)) {
        CHECK(f.client->Send(p.method, target, body).status == 400);
        continue;
      }
      // The same request twice under one Idempotency-Key: the second is the first's answer.
      const std::vector<std::pair<std::string, std::string>> key = {
          {"Idempotency-Key", "probe-" + std::to_string(++n)}};
      answer = f.client->Send(p.method, target, body, key);
      auto again = f.client->Send(p.method, target, body, key);
      INFO("first → " << answer.status << " " << answer.body);
      INFO("again → " << again.status << " " << again.body);
      CHECK(again.status == answer.status);
      if (route == "POST /admin/v1/api-keys") {
        // The secret is shown once: the stored answer keeps everything but it.
        json first = json::parse(answer.body), replayed = json::parse(again.body);
        CHECK(first["secret"].is_string());
        CHECK(replayed["secret"].is_null());
        first.erase("secret");
        replayed.erase("secret");
        CHECK(replayed == first);
      } else {
        CHECK(again.body == answer.body);
      }
      CHECK(again.Header("idempotent-replayed") == "true");
      CHECK(answer.Header("idempotent-replayed").empty());
    }
    INFO(answer.status << " " << answer.body);
    REQUIRE(answer.status / 100 == 2);
    if (kNotJson.count(route) != 0) continue;
    const json parsed = json::parse(answer.body, nullptr, false);
    for (const auto& [name, pointer] : p.captures) {
      const json& value = parsed.at(json::json_pointer(pointer));
      vars[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  for (const auto& [route, guard] : writes) {
    INFO("no probe covered the write route " << route);
    CHECK(covered.count(route) == 1);
  }
}

TEST_CASE("every route that takes a body refuses one nested past max_json_depth", "[integration]") {
  ServerFixture f;
  const std::string deep = "{\"value\":" + std::string(5'000, '[') + std::string(5'000, ']') + "}";
  size_t refused = 0;
  for (const auto& [method, pattern] : RouteTable(*f.client)) {
    if (method != "POST" && method != "PATCH") continue;
    const std::string route = method + " " + pattern;
    // The probe's own target, with placeholders that need no earlier answer.
    std::string target;
    for (const auto& p : Probes()) {
      if (p.method == method && p.pattern == pattern) target = p.target;
    }
    INFO(route);
    REQUIRE_FALSE(target.empty());
    auto r = f.client->Send(method, Expand(target, {}), deep);
    if (kNoBody.count(route) != 0) {
      CHECK(r.body.find("max_json_depth") == std::string::npos);
    } else {
      INFO(r.status << " " << r.body);
      CHECK(r.status == 400);
      CHECK(r.body.find("max_json_depth") != std::string::npos);
      ++refused;
    }
    REQUIRE(f.client->Get("/healthz").status == 200);
  }
  CHECK(refused >= 30);  // the loop really ran over the body-taking routes
}

}  // namespace
}  // namespace strongbox::testing
