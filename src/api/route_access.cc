#include "api/route_access.h"

#include "api/request_fields.h"

namespace strongbox::api {

namespace {

using ops::RateFamily;
using Kind = RouteAccess::Kind;

// Scope names (api.md §7).
constexpr std::string_view kObjectsRead = "universe-datastores.objects:read";
constexpr std::string_view kObjectsCreate = "universe-datastores.objects:create";
constexpr std::string_view kObjectsUpdate = "universe-datastores.objects:update";
constexpr std::string_view kObjectsDelete = "universe-datastores.objects:delete";
constexpr std::string_view kObjectsList = "universe-datastores.objects:list";
constexpr std::string_view kVersionsRead = "universe-datastores.versions:read";
constexpr std::string_view kVersionsList = "universe-datastores.versions:list";
constexpr std::string_view kControlList = "universe-datastores.control:list";
constexpr std::string_view kControlCreate = "universe-datastores.control:create";
constexpr std::string_view kControlDelete = "universe-datastores.control:delete";
constexpr std::string_view kOrderedRead = "universe.ordered-data-store.scope.entry:read";
constexpr std::string_view kOrderedWrite = "universe.ordered-data-store.scope.entry:write";
constexpr std::string_view kMapRead = "memory-store.sorted-map:read";
constexpr std::string_view kMapWrite = "memory-store.sorted-map:write";
constexpr std::string_view kQueueAdd = "memory-store.queue:add";
constexpr std::string_view kQueueDequeue = "memory-store.queue:dequeue";
constexpr std::string_view kQueueDiscard = "memory-store.queue:discard";
constexpr std::string_view kFlush = "memory-store:flush";
constexpr std::string_view kLocksRead = "session-locks:read";
constexpr std::string_view kLocksWrite = "session-locks:write";

std::vector<RouteAccess> BuildTable() {
  std::vector<RouteAccess> t;
  auto add = [&t](std::string method, std::string pattern, std::vector<std::string_view> scopes,
                  RateFamily family, DataStoreSource source = DataStoreSource::kNone) {
    t.push_back(RouteAccess{std::move(method), std::move(pattern), Kind::kKeyed, std::move(scopes),
                            family, source});
  };
  t.push_back(RouteAccess{"GET", "/healthz", Kind::kPublic, {}, RateFamily::kAdmin, {}});
  t.push_back(RouteAccess{"GET", "/readyz", Kind::kPublic, {}, RateFamily::kAdmin, {}});
  t.push_back(
      RouteAccess{"GET", "/metrics", Kind::kMetrics, {ops::kAdminScope}, RateFamily::kAdmin, {}});

  // Standard data stores v1: the data store is a query parameter.
  {
    const auto ds = RateFamily::kDataStores;
    const auto q = DataStoreSource::kQuery;
    const std::string base = "/datastores/v1/universes/{universe}/standard-datastores";
    const std::string entry = base + "/datastore/entries/entry";
    add("GET", base, {kControlList}, ds);
    add("GET", base + "/datastore/entries", {kObjectsList}, ds, q);
    add("GET", entry, {kObjectsRead}, ds, q);
    // Set and increment create the entry or change it: both scopes, as Open Cloud asks.
    add("POST", entry, {kObjectsCreate, kObjectsUpdate}, ds, q);
    add("POST", entry + "/increment", {kObjectsCreate, kObjectsUpdate}, ds, q);
    add("DELETE", entry, {kObjectsDelete}, ds, q);
    add("GET", entry + "/versions", {kVersionsList}, ds, q);
    add("GET", entry + "/versions/version", {kVersionsRead}, ds, q);
  }
  // Data stores v2.
  {
    const auto ds = RateFamily::kDataStores;
    const auto p = DataStoreSource::kParam;
    const std::string stores = "/cloud/v2/universes/{universe}/data-stores";
    add("GET", stores, {kControlList}, ds);
    add("DELETE", stores + "/{dataStore}", {kControlDelete}, ds, p);
    add("POST", stores + "/{dataStore}:undelete", {kControlCreate}, ds, p);
    add("POST", stores + ":snapshot", {kControlCreate}, ds);
    add("POST", stores + ":eraseUser", {kObjectsDelete}, ds);
    add("GET", stores + "/{dataStore}/entries", {kObjectsList}, ds, p);
    add("GET", stores + "/{dataStore}/scopes/{scope}/entries", {kObjectsList}, ds, p);
    for (const std::string& collection :
         {stores + "/{dataStore}/entries", stores + "/{dataStore}/scopes/{scope}/entries"}) {
      const std::string item = collection + "/{entry}";
      add("POST", collection, {kObjectsCreate}, ds, p);
      add("GET", item, {kObjectsRead}, ds, p);
      add("PATCH", item, {kObjectsUpdate}, ds, p);
      add("DELETE", item, {kObjectsDelete}, ds, p);
      add("POST", item + ":increment", {kObjectsUpdate}, ds, p);
      add("POST", item + ":patch", {kObjectsUpdate}, ds, p);
      add("POST", item + ":restoreRevision", {kObjectsUpdate}, ds, p);
      add("GET", item + ":listRevisions", {kVersionsList}, ds, p);
    }
  }
  // Ordered data stores, v1 and v2 (the same model).
  {
    const auto od = RateFamily::kOrdered;
    const auto p = DataStoreSource::kParam;
    for (bool v1 : {true, false}) {
      const std::string base =
          v1 ? "/ordered-data-stores/v1/universes/{universe}/orderedDataStores/{store}/scopes/"
               "{scope}/entries"
             : "/cloud/v2/universes/{universe}/ordered-data-stores/{store}/scopes/{scope}/entries";
      const std::string item = base + "/{entry}";
      add("GET", base, {kOrderedRead}, od, p);
      add("POST", base, {kOrderedWrite}, od, p);
      add("GET", item, {kOrderedRead}, od, p);
      add("PATCH", item, {kOrderedWrite}, od, p);
      add("DELETE", item, {kOrderedWrite}, od, p);
      add("POST", item + ":increment", {kOrderedWrite}, od, p);
      if (v1) continue;
      add("GET", item + ":rank", {kOrderedRead}, od, p);
      add("GET", item + ":neighbors", {kOrderedRead}, od, p);
      add("GET", base + ":count", {kOrderedRead}, od, p);
    }
  }
  // Memory store.
  {
    const auto ms = RateFamily::kMemoryStore;
    const std::string base = "/cloud/v2/universes/{universe}/memory-store";
    const std::string items = base + "/sorted-maps/{map}/items";
    add("GET", items, {kMapRead}, ms);
    add("POST", items, {kMapWrite}, ms);
    add("GET", items + "/{item}", {kMapRead}, ms);
    add("PATCH", items + "/{item}", {kMapWrite}, ms);
    add("DELETE", items + "/{item}", {kMapWrite}, ms);
    const std::string queue = base + "/queues/{queue}";
    add("POST", queue + "/items", {kQueueAdd}, ms);
    add("POST", queue + "/items:add", {kQueueAdd}, ms);
    add("GET", queue + "/items:read", {kQueueDequeue}, ms);
    add("POST", queue + "/items:discard", {kQueueDiscard}, ms);
    // [SB] queue resource: consumers look at it, producers configure it.
    add("GET", queue, {kQueueDequeue}, ms);
    add("PATCH", queue, {kQueueAdd}, ms);
    add("POST", base + ":flush", {kFlush}, ms);
    add("GET", base + "/operations/{operation}", {kFlush}, ms);
  }
  // Session locks [SB].
  {
    const auto sl = RateFamily::kSessionLocks;
    const std::string base = "/cloud/v2/universes/{universe}/session-locks";
    const std::string lock = base + "/{lock}";
    for (const char* verb : {":acquire", ":renew", ":release", ":steal", ":requestRelease"}) {
      add("POST", lock + verb, {kLocksWrite}, sl);
    }
    add("GET", lock, {kLocksRead}, sl);
    add("GET", base, {kLocksRead}, sl);
  }
  // Administration [SB].
  {
    const auto ad = RateFamily::kAdmin;
    add("POST", "/admin/v1/api-keys", {ops::kAdminScope}, ad);
    add("GET", "/admin/v1/api-keys", {ops::kAdminScope}, ad);
    add("GET", "/admin/v1/api-keys/{key}", {ops::kAdminScope}, ad);
    add("DELETE", "/admin/v1/api-keys/{key}", {ops::kAdminScope}, ad);
    add("POST", "/admin/v1/backups", {ops::kAdminScope}, ad);
    add("GET", "/admin/v1/backups", {ops::kAdminScope}, ad);
    add("DELETE", "/admin/v1/backups/{backup}", {ops::kAdminScope}, ad);
    add("GET", "/admin/v1/routes", {ops::kAdminScope}, ad);
  }
  return t;
}

}  // namespace

const std::vector<RouteAccess>& RouteAccessTable() {
  static const std::vector<RouteAccess> table = BuildTable();
  return table;
}

core::Result<const RouteAccess*> FindRouteAccess(const http::RouteInfo& route) {
  for (const auto& row : RouteAccessTable()) {
    if (row.method == route.method && row.pattern == route.pattern) return &row;
  }
  return core::Status::Internal("no access rule for route " + route.method + " " + route.pattern);
}

core::Result<ops::AccessNeed> NeedOf(const RouteAccess& access, const http::Request& request) {
  ops::AccessNeed need;
  need.names = access.scopes;
  if (auto it = request.params.find("universe"); it != request.params.end()) {
    SB_ASSIGN_OR_RETURN(need.universe, ParseUniverseId(it->second));
  }
  switch (access.data_store) {
    case DataStoreSource::kNone:
      break;
    case DataStoreSource::kParam:
      for (const char* name : {"dataStore", "store"}) {
        if (auto it = request.params.find(name); it != request.params.end()) {
          need.data_store = it->second;
        }
      }
      break;
    case DataStoreSource::kQuery:
      need.data_store = request.Query("datastoreName");
      break;
  }
  return need;
}

}  // namespace strongbox::api
