#include "api/datastore_list_routes.h"

#include "api/entry_json.h"
#include "api/paging.h"
#include "api/request_fields.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "datastore/listing.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Json;
using core::Result;
using core::Status;
using http::Request;
using http::Response;

namespace {

// {"path","id","createTime","state"[,"expireTime"]}: a deleted data store says when it goes.
Json DataStoreResource(const datastore::DataStoreCatalog& catalog, int64_t universe,
                       const std::string& name, const datastore::DataStoreInfo& info) {
  Json j = {{"path", "universes/" + std::to_string(universe) + "/data-stores/" +
                         core::PercentEncodeSegment(name)},
            {"id", name},
            {"createTime", core::FormatRfc3339(info.create_time)},
            {"state", info.deleted ? "DELETED" : "ACTIVE"}};
  if (info.deleted) j["expireTime"] = core::FormatRfc3339(catalog.ExpireTime(info));
  return j;
}

// DELETE …/data-stores/{dataStore} and POST …/data-stores/{dataStore}:undelete
asio::awaitable<Result<Response>> SetDeleted(const Services& services, Request& request,
                                             bool deleted) {
  SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
  std::string name = request.Param("dataStore");
  SB_CO_RETURN_IF_ERROR(datastore::ValidateName(name, "Data store name"));
  Result<datastore::DataStoreInfo> info = Status::Internal("unset");
  if (deleted) {
    info = co_await services.catalog->Delete(universe, name);
  } else {
    info = co_await services.catalog->Undelete(universe, name);
  }
  if (!info.ok()) co_return std::move(info).status();
  Json body = DataStoreResource(*services.catalog, universe, name, *info);
  co_return http::JsonResponse(200, core::DumpCompact(body));
}

// POST …/data-stores:snapshot. Every write already keeps a revision and any past moment can be
// read back (@latest:<time>), so a snapshot needs no work: now is a restore point.
asio::awaitable<Result<Response>> Snapshot(const Services& services, Request& request) {
  SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
  (void)universe;
  Json body = {{"newSnapshotTaken", true},
               {"latestSnapshotTime", core::FormatRfc3339(services.clock->Now())}};
  co_return http::JsonResponse(200, core::DumpCompact(body));
}

asio::awaitable<Result<Response>> ListDataStores(const Services& services, Request& request) {
  datastore::DataStoreListQuery query;
  SB_CO_ASSIGN_OR_RETURN(query.universe, ParseUniverseId(request.Param("universe")));
  SB_CO_ASSIGN_OR_RETURN(query.page_size, QueryPageSize(request, "maxPageSize", 10, 100));
  SB_CO_ASSIGN_OR_RETURN(query.name_prefix, ParseIdStartsWithFilter(request));
  SB_CO_ASSIGN_OR_RETURN(query.include_deleted, QueryBool(request, "showDeleted", false));
  const std::string token_query =
      TokenQuery({"v2 data stores", std::to_string(query.universe), query.name_prefix,
                  query.include_deleted ? "deleted" : "live"});
  SB_CO_ASSIGN_OR_RETURN(query.resume_after, ResumeAfter(request, "pageToken", token_query));
  SB_CO_ASSIGN_OR_RETURN(auto page, datastore::ListDataStores(*services.engine, query));
  Json items = Json::array();
  for (const auto& ds : page.data_stores) {
    items.push_back(DataStoreResource(*services.catalog, query.universe, ds.name, ds.info));
  }
  Json body = {{"dataStores", std::move(items)},
               {"nextPageToken", NextToken(page.next_after, token_query)}};
  co_return http::JsonResponse(200, core::DumpCompact(body));
}

asio::awaitable<Result<Response>> ListEntries(const Services& services, Request& request,
                                              bool scoped) {
  datastore::EntryListQuery query;
  SB_CO_ASSIGN_OR_RETURN(query.universe, ParseUniverseId(request.Param("universe")));
  query.data_store = request.Param("dataStore");
  SB_CO_RETURN_IF_ERROR(datastore::ValidateName(query.data_store, "Data store name"));
  std::string scope = scoped ? request.Param("scope") : datastore::kDefaultScope;
  if (scope != "-") {
    SB_CO_RETURN_IF_ERROR(datastore::ValidateName(scope, "Scope"));
    query.scope = scope;
  }
  SB_CO_ASSIGN_OR_RETURN(query.page_size, QueryPageSize(request, "maxPageSize", 10, 256));
  SB_CO_ASSIGN_OR_RETURN(query.key_prefix, ParseIdStartsWithFilter(request));
  SB_CO_ASSIGN_OR_RETURN(query.include_deleted, QueryBool(request, "showDeleted", false));
  const std::string token_query =
      TokenQuery({"v2 entries", std::to_string(query.universe), query.data_store, scope,
                  query.key_prefix, query.include_deleted ? "deleted" : "live"});
  SB_CO_ASSIGN_OR_RETURN(query.resume_after, ResumeAfter(request, "pageToken", token_query));
  SB_CO_ASSIGN_OR_RETURN(auto page, datastore::ListEntries(*services.engine, query));
  Json items = Json::array();
  for (const auto& e : page.entries) {
    // With scopes/- each path names the entry's real scope.
    Json item = {{"path", EntryPath(e.name, scoped)}, {"id", e.name.key}};
    if (e.deleted) item["state"] = "DELETED";
    items.push_back(std::move(item));
  }
  Json body = {{"dataStoreEntries", std::move(items)},
               {"nextPageToken", NextToken(page.next_after, token_query)}};
  co_return http::JsonResponse(200, core::DumpCompact(body));
}

// POST /cloud/v2/universes/{u}/data-stores:eraseUser {"user":"users/123"}
asio::awaitable<Result<Response>> EraseUser(const Services& services, Request& request) {
  SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
  SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
  SB_CO_ASSIGN_OR_RETURN(auto user, core::GetOptionalString(body, "user"));
  // Only the "users/<id>" form here: an erasure names its user unambiguously.
  std::optional<int64_t> id;
  if (user && user->rfind("users/", 0) == 0) id = ParseUserRef(*user);
  if (!id) {
    co_return Status::InvalidArgument("Field 'user' must look like \"users/123\".");
  }
  SB_CO_ASSIGN_OR_RETURN(size_t erased, co_await services.user_erasure->Erase(universe, *id));
  Json out = {{"erasedEntries", erased}};
  co_return http::JsonResponse(200, core::DumpCompact(out));
}

}  // namespace

void RegisterDataStoreListRoutes(http::Router& router, const Services& services) {
  const std::string base = "/cloud/v2/universes/{universe}/data-stores";
  router.Add("GET", base, [&services](Request& r) { return ListDataStores(services, r); });
  router.Add("DELETE", base + "/{dataStore}",
             [&services](Request& r) { return SetDeleted(services, r, true); });
  router.Add("POST", base + "/{dataStore}:undelete",
             [&services](Request& r) { return SetDeleted(services, r, false); });
  router.Add("POST", base + ":snapshot", [&services](Request& r) { return Snapshot(services, r); });
  // Erasing is idempotent by nature: a repeat finds nothing left and answers 0.
  router.Add("POST", base + ":eraseUser",
             [&services](Request& r) { return EraseUser(services, r); });
  router.Add("GET", base + "/{dataStore}/entries",
             [&services](Request& r) { return ListEntries(services, r, false); });
  router.Add("GET", base + "/{dataStore}/scopes/{scope}/entries",
             [&services](Request& r) { return ListEntries(services, r, true); });
}

}  // namespace strongbox::api
