#include "api/datastore_list_routes.h"

#include "api/entry_json.h"
#include "api/paging.h"
#include "api/request_fields.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "datastore/listing.h"
#include "gate/request_write.h"

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
                                             gate::RequestWrite& write, bool deleted) {
  SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
  std::string name = request.Param("dataStore");
  SB_CO_RETURN_IF_ERROR(datastore::ValidateName(name, "Data store name"));
  auto respond = write.Respond<datastore::DataStoreInfo>(
      [catalog = services.catalog, universe, name](const datastore::DataStoreInfo& info) {
        Json body = DataStoreResource(*catalog, universe, name, info);
        return http::JsonResponse(200, core::DumpCompact(body));
      });
  Result<datastore::DataStoreInfo> info = Status::Internal("unset");
  if (deleted) {
    info = co_await services.catalog->Delete(universe, name, respond.context());
  } else {
    info = co_await services.catalog->Undelete(universe, name, respond.context());
  }
  if (!info.ok()) co_return std::move(info).status();
  co_return respond(*info);
}

// POST …/data-stores:snapshot. Every write already keeps a revision and any past moment can be
// read back (@latest:<time>), so a snapshot needs no work: now is a restore point.
asio::awaitable<Result<Response>> Snapshot(const Services& services, Request& request,
                                           gate::RequestWrite&) {
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
asio::awaitable<Result<Response>> EraseUser(const Services& services, Request& request,
                                            gate::RequestWrite& write) {
  SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
  SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
  SB_CO_ASSIGN_OR_RETURN(auto user, core::GetOptionalString(body, "user"));
  // Only the "users/<id>" form here: an erasure names its user unambiguously.
  std::optional<int64_t> id;
  if (user && user->rfind("users/", 0) == 0) id = ParseUserRef(*user);
  if (!id) {
    co_return Status::InvalidArgument("Field 'user' must look like \"users/123\".");
  }
  // The guard is checked in every entry's commit, so a lock lost midway stops the erasure.
  auto check = write.GuardCheck();
  SB_CO_ASSIGN_OR_RETURN(size_t erased, co_await services.user_erasure->Erase(
                                            universe, *id, std::move(check), write.writer()));
  Json out = {{"erasedEntries", erased}};
  co_return http::JsonResponse(200, core::DumpCompact(out));
}

}  // namespace

void RegisterDataStoreListRoutes(gate::RouteTable& routes, const Services& services) {
  using gate::RequestWrite;
  using namespace ops::scopes;  // NOLINT: the scope names of api.md §7
  const std::string base = "/cloud/v2/universes/{universe}/data-stores";
  const auto ds = ops::RateFamily::kDataStores;
  const auto p = gate::DataStoreSource::kParam;
  routes.Add({.method = "GET",
              .pattern = base,
              .scopes = {kControlList},
              .family = ds,
              .read = [&services](Request& r) { return ListDataStores(services, r); }});
  routes.Add({.method = "DELETE",
              .pattern = base + "/{dataStore}",
              .scopes = {kControlDelete},
              .family = ds,
              .data_store = p,
              .write = [&services](Request& r, RequestWrite& w) {
                return SetDeleted(services, r, w, true);
              }});
  routes.Add({.method = "POST",
              .pattern = base + "/{dataStore}:undelete",
              .scopes = {kControlCreate},
              .family = ds,
              .data_store = p,
              .write = [&services](Request& r, RequestWrite& w) {
                return SetDeleted(services, r, w, false);
              }});
  // No write at all: the gate checks the guard and stores the answer in commits of their own.
  routes.Add(
      {.method = "POST",
       .pattern = base + ":snapshot",
       .scopes = {kControlCreate},
       .family = ds,
       .write = [&services](Request& r, RequestWrite& w) { return Snapshot(services, r, w); },
       .commits = gate::Commits::kMany});
  // One commit per entry: the guard is checked before the first and in each. Erasing is
  // idempotent by nature: a repeat finds nothing left and answers 0.
  routes.Add(
      {.method = "POST",
       .pattern = base + ":eraseUser",
       .scopes = {kObjectsDelete},
       .family = ds,
       .write = [&services](Request& r, RequestWrite& w) { return EraseUser(services, r, w); },
       .commits = gate::Commits::kMany});
  routes.Add({.method = "GET",
              .pattern = base + "/{dataStore}/entries",
              .scopes = {kObjectsList},
              .family = ds,
              .data_store = p,
              .read = [&services](Request& r) { return ListEntries(services, r, false); }});
  routes.Add({.method = "GET",
              .pattern = base + "/{dataStore}/scopes/{scope}/entries",
              .scopes = {kObjectsList},
              .family = ds,
              .data_store = p,
              .read = [&services](Request& r) { return ListEntries(services, r, true); }});
}

}  // namespace strongbox::api
