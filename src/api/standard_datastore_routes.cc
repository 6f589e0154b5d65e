#include "api/standard_datastore_routes.h"

#include "api/paging.h"
#include "api/request_fields.h"
#include "core/digest.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "datastore/listing.h"
#include "datastore/revision_id.h"
#include "gate/request_write.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Json;
using core::Result;
using core::Status;
using http::Request;
using http::Response;

namespace {

constexpr const char* kBase = "/datastores/v1/universes/{universe}/standard-datastores";

Result<std::string> RequiredQuery(const Request& request, std::string_view name) {
  auto v = request.Query(name);
  if (!v) {
    return Status::InvalidArgument("Query parameter '" + std::string(name) + "' is required.");
  }
  return std::string(*v);
}

// universe from the path; datastoreName, entryKey, scope (default global) from the query.
Result<datastore::EntryName> EntryNameFromQuery(const Request& request) {
  datastore::EntryName name;
  SB_ASSIGN_OR_RETURN(name.universe, ParseUniverseId(request.Param("universe")));
  SB_ASSIGN_OR_RETURN(name.data_store, RequiredQuery(request, "datastoreName"));
  SB_ASSIGN_OR_RETURN(name.key, RequiredQuery(request, "entryKey"));
  if (auto scope = request.Query("scope")) name.scope = std::string(*scope);
  SB_RETURN_IF_ERROR(datastore::ValidateEntryName(name));
  return name;
}

// roblox-entry-userids (a JSON array of integers) and roblox-entry-attributes (a JSON object);
// omitted headers mean none.
Status ReadMetadataHeaders(const Request& request, datastore::EntryWrite* write) {
  write->users.clear();
  write->attributes = "{}";
  if (auto users = request.Header("roblox-entry-userids")) {
    auto parsed = core::ParseJson(*users);
    if (!parsed.ok() && parsed.status().reason() == "LIMIT_EXCEEDED") return parsed.status();
    if (!parsed.ok() || !parsed->is_array()) {
      return Status::InvalidArgument("roblox-entry-userids must be a JSON array of integers.");
    }
    for (const auto& u : *parsed) {
      auto id = core::JsonToInt64(u, "user id");
      if (!u.is_number() || !id.ok()) {
        return Status::InvalidArgument("roblox-entry-userids must be a JSON array of integers.");
      }
      write->users.push_back(*id);
    }
  }
  if (auto attributes = request.Header("roblox-entry-attributes")) {
    auto parsed = core::ParseJson(*attributes);
    // A nesting limit names itself; anything else unparseable is "not an object".
    if (!parsed.ok() && parsed.status().reason() == "LIMIT_EXCEEDED") return parsed.status();
    if (!parsed.ok() || !parsed->is_object()) {
      return Status::InvalidArgument("roblox-entry-attributes must be a JSON object.");
    }
    write->attributes = core::DumpCompact(*parsed);
  }
  return Status::Ok();
}

// The raw value with the entry's headers (get, get version, increment, and the 412 of set).
Response ValueResponse(const datastore::EntryRecord& record, unsigned status = 200) {
  Response r = http::JsonResponse(status, record.value);
  r.SetHeader("content-md5", core::Md5Base64(record.value));
  r.SetHeader("roblox-entry-version", datastore::FormatRevisionId(record));
  r.SetHeader("roblox-entry-created-time", core::FormatRfc3339(record.create_time));
  r.SetHeader("roblox-entry-version-created-time", core::FormatRfc3339(record.revision_time));
  r.SetHeader("roblox-entry-attributes", record.attributes);
  std::string users = "[";
  for (size_t i = 0; i < record.users.size(); ++i) {
    if (i > 0) users += ",";
    users += std::to_string(record.users[i]);
  }
  r.SetHeader("roblox-entry-userids", users + "]");
  return r;
}

Json VersionJson(const datastore::EntryRecord& record) {
  return {{"version", datastore::FormatRevisionId(record)},
          {"deleted", record.deleted},
          {"contentLength", record.value.size()},
          {"createdTime", core::FormatRfc3339(record.revision_time)},
          {"objectCreatedTime", core::FormatRfc3339(record.create_time)}};
}

class StandardRoutes {
 public:
  explicit StandardRoutes(const Services& services) : services_(services) {}

  asio::awaitable<Result<Response>> ListDataStores(Request& request) {
    datastore::DataStoreListQuery query;
    SB_CO_ASSIGN_OR_RETURN(query.universe, ParseUniverseId(request.Param("universe")));
    SB_CO_ASSIGN_OR_RETURN(query.page_size, QueryPageSize(request, "limit", 10, 100));
    query.name_prefix = std::string(request.Query("prefix").value_or(""));
    const std::string token_query =
        TokenQuery({"v1 data stores", std::to_string(query.universe), query.name_prefix});
    SB_CO_ASSIGN_OR_RETURN(query.resume_after, ResumeAfter(request, "cursor", token_query));
    SB_CO_ASSIGN_OR_RETURN(auto page, datastore::ListDataStores(*services_.engine, query));
    Json items = Json::array();
    for (const auto& ds : page.data_stores) {
      items.push_back(
          {{"name", ds.name}, {"createdTime", core::FormatRfc3339(ds.info.create_time)}});
    }
    Json body = {{"datastores", std::move(items)},
                 {"nextPageCursor", NextToken(page.next_after, token_query)}};
    co_return http::JsonResponse(200, core::DumpCompact(body));
  }

  asio::awaitable<Result<Response>> ListKeys(Request& request) {
    datastore::EntryListQuery query;
    SB_CO_ASSIGN_OR_RETURN(query.universe, ParseUniverseId(request.Param("universe")));
    SB_CO_ASSIGN_OR_RETURN(query.data_store, RequiredQuery(request, "datastoreName"));
    SB_CO_RETURN_IF_ERROR(datastore::ValidateName(query.data_store, "datastoreName"));
    SB_CO_ASSIGN_OR_RETURN(bool all_scopes, QueryBool(request, "allScopes", false));
    auto scope = request.Query("scope");
    if (all_scopes && scope) {
      co_return Status::InvalidArgument("Use either scope or allScopes=true, not both.");
    }
    if (!all_scopes) {
      query.scope = scope ? std::string(*scope) : std::string(datastore::kDefaultScope);
      SB_CO_RETURN_IF_ERROR(datastore::ValidateName(*query.scope, "scope"));
    }
    query.key_prefix = std::string(request.Query("prefix").value_or(""));
    query.include_deleted = true;  // v1 lists tombstoned keys
    SB_CO_ASSIGN_OR_RETURN(query.page_size, QueryPageSize(request, "limit", 16, 256));
    const std::string token_query =
        TokenQuery({"v1 keys", std::to_string(query.universe), query.data_store,
                    query.scope.value_or("*"), query.key_prefix});
    SB_CO_ASSIGN_OR_RETURN(query.resume_after, ResumeAfter(request, "cursor", token_query));
    SB_CO_ASSIGN_OR_RETURN(auto page, datastore::ListEntries(*services_.engine, query));
    Json keys = Json::array();
    for (const auto& e : page.entries)
      keys.push_back({{"scope", e.name.scope}, {"key", e.name.key}});
    Json body = {{"keys", std::move(keys)},
                 {"nextPageCursor", NextToken(page.next_after, token_query)}};
    co_return http::JsonResponse(200, core::DumpCompact(body));
  }

  asio::awaitable<Result<Response>> Get(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, EntryNameFromQuery(request));
    SB_CO_ASSIGN_OR_RETURN(auto record, services_.entries->Get(name));
    co_return ValueResponse(record);
  }

  asio::awaitable<Result<Response>> Set(Request& request, gate::RequestWrite& request_write) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, EntryNameFromQuery(request));
    auto match_version = request.Query("matchVersion");
    SB_CO_ASSIGN_OR_RETURN(bool exclusive_create, QueryBool(request, "exclusiveCreate", false));
    if (match_version && exclusive_create) {
      co_return Status::InvalidArgument("Use either matchVersion or exclusiveCreate, not both.");
    }
    if (auto md5 = request.Header("content-md5"); md5 && *md5 != core::Md5Base64(request.body)) {
      co_return Status::InvalidArgument("content-md5 does not match the body.");
    }
    SB_CO_ASSIGN_OR_RETURN(Json value, core::ParseJson(request.body));
    datastore::EntryWrite write;
    write.value = core::DumpCompact(value);
    SB_CO_RETURN_IF_ERROR(ReadMetadataHeaders(request, &write));
    auto respond =
        request_write.Respond<datastore::EntryRecord>([](const datastore::EntryRecord& r) {
          return http::JsonResponse(200, core::DumpCompact(VersionJson(r)));
        });
    Result<datastore::EntryRecord> result = Status::Internal("unset");
    if (exclusive_create) {
      result = co_await services_.entries->Create(name, std::move(write), respond.context());
    } else {
      std::optional<std::string> etag;
      if (match_version) etag = std::string(*match_version);
      result = co_await services_.entries->Update(name, std::move(write), std::move(etag),
                                                  /*allow_missing=*/true, respond.context());
    }
    if (!result.ok()) {
      const auto code = result.status().code();
      // Only the preconditions of set (matchVersion, exclusiveCreate) answer 412 with the
      // current value; a lost lock guard stays a 409 LOCK_LOST.
      if (code == core::StatusCode::kAlreadyExists || result.status().reason() == "ETAG_MISMATCH") {
        // v1 answers a failed precondition with 412 and the current value and headers.
        auto current = services_.entries->Get(name);
        if (current.ok()) co_return ValueResponse(*current, 412);
        co_return Status::FailedPrecondition("The entry does not match the precondition.");
      }
      co_return std::move(result).status();
    }
    co_return respond(*result);
  }

  asio::awaitable<Result<Response>> Increment(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, EntryNameFromQuery(request));
    SB_CO_ASSIGN_OR_RETURN(auto by, QueryInt64(request, "incrementBy"));
    const int64_t amount = by.value_or(1);
    datastore::EntryWrite metadata;
    SB_CO_RETURN_IF_ERROR(ReadMetadataHeaders(request, &metadata));
    // v1 metadata headers work as in set: omitted means cleared.
    std::optional<std::vector<int64_t>> users = std::move(metadata.users);
    std::optional<std::string> attributes = std::move(metadata.attributes);
    auto respond = write.Respond<datastore::EntryRecord>(
        [](const datastore::EntryRecord& r) { return ValueResponse(r); });
    SB_CO_ASSIGN_OR_RETURN(
        auto record, co_await services_.entries->Increment(
                         name, amount, std::move(users), std::move(attributes), respond.context()));
    co_return respond(record);
  }

  asio::awaitable<Result<Response>> Delete(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, EntryNameFromQuery(request));
    auto respond = write.Respond<datastore::EntryRecord>([](const datastore::EntryRecord&) {
      Response r;
      r.status = 204;
      return r;
    });
    SB_CO_ASSIGN_OR_RETURN(
        auto record, co_await services_.entries->Delete(name, std::nullopt, respond.context()));
    co_return respond(record);
  }

  asio::awaitable<Result<Response>> ListVersions(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, EntryNameFromQuery(request));
    datastore::EntryService::RevisionQuery query;
    if (auto start = request.Query("startTime")) {
      SB_CO_ASSIGN_OR_RETURN(query.start, core::ParseRfc3339(*start));
    }
    if (auto end = request.Query("endTime")) {
      SB_CO_ASSIGN_OR_RETURN(query.end, core::ParseRfc3339(*end));
    }
    const std::string order(request.Query("sortOrder").value_or("Ascending"));
    if (order != "Ascending" && order != "Descending") {
      co_return Status::InvalidArgument("sortOrder must be Ascending or Descending.");
    }
    query.oldest_first = order == "Ascending";
    SB_CO_ASSIGN_OR_RETURN(query.page_size, QueryPageSize(request, "limit", 10, 100));
    const std::string token_query = TokenQuery(
        {"v1 versions", std::to_string(name.universe), name.data_store, name.scope, name.key,
         request.Query("startTime").value_or(""), request.Query("endTime").value_or(""), order});
    SB_CO_ASSIGN_OR_RETURN(auto after, ResumeAfter(request, "cursor", token_query));
    if (after) {
      auto counter = core::ParseUint64(*after);
      if (!counter) co_return Status::InvalidArgument("Invalid cursor.");
      query.after = *counter;
    }
    SB_CO_ASSIGN_OR_RETURN(auto page, services_.entries->ListRevisions(name, query));
    Json versions = Json::array();
    for (const auto& r : page.revisions) versions.push_back(VersionJson(r));
    Json body = {
        {"versions", std::move(versions)},
        {"nextPageCursor",
         NextToken(page.next_after ? std::optional<std::string>(std::to_string(*page.next_after))
                                   : std::nullopt,
                   token_query)}};
    co_return http::JsonResponse(200, core::DumpCompact(body));
  }

  asio::awaitable<Result<Response>> GetVersion(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, EntryNameFromQuery(request));
    SB_CO_ASSIGN_OR_RETURN(std::string version, RequiredQuery(request, "versionId"));
    SB_CO_ASSIGN_OR_RETURN(auto record, services_.entries->GetRevision(name, version));
    if (record.deleted) co_return Status::NotFound("That version is a deletion; it has no value.");
    co_return ValueResponse(record);
  }

 private:
  const Services& services_;
};

}  // namespace

void RegisterStandardDataStoreRoutes(gate::RouteTable& table, const Services& services) {
  using gate::RequestWrite;
  using namespace ops::scopes;  // NOLINT: the scope names of api.md §7
  auto routes = std::make_shared<StandardRoutes>(services);
  const std::string base = kBase;
  const std::string entry = base + "/datastore/entries/entry";
  // The data store is a query parameter here.
  const auto v1 = gate::Surface::kStandardV1;
  const auto ds = ops::RateFamily::kDataStores;
  const auto q = gate::DataStoreSource::kQuery;
  table.Add({.method = "GET",
             .pattern = base,
             .surface = v1,
             .scopes = {kControlList},
             .family = ds,
             .read = [routes](Request& r) { return routes->ListDataStores(r); }});
  table.Add({.method = "GET",
             .pattern = base + "/datastore/entries",
             .surface = v1,
             .scopes = {kObjectsList},
             .family = ds,
             .data_store = q,
             .read = [routes](Request& r) { return routes->ListKeys(r); }});
  table.Add({.method = "GET",
             .pattern = entry,
             .surface = v1,
             .scopes = {kObjectsRead},
             .family = ds,
             .data_store = q,
             .read = [routes](Request& r) { return routes->Get(r); }});
  // Set and increment create the entry or change it: both scopes, as Open Cloud asks.
  table.Add({.method = "POST",
             .pattern = entry,
             .surface = v1,
             .scopes = {kObjectsCreate, kObjectsUpdate},
             .family = ds,
             .data_store = q,
             .write = [routes](Request& r, RequestWrite& w) { return routes->Set(r, w); }});
  table.Add({.method = "POST",
             .pattern = entry + "/increment",
             .surface = v1,
             .scopes = {kObjectsCreate, kObjectsUpdate},
             .family = ds,
             .data_store = q,
             .write = [routes](Request& r, RequestWrite& w) { return routes->Increment(r, w); }});
  table.Add({.method = "DELETE",
             .pattern = entry,
             .surface = v1,
             .scopes = {kObjectsDelete},
             .family = ds,
             .data_store = q,
             .write = [routes](Request& r, RequestWrite& w) { return routes->Delete(r, w); }});
  table.Add({.method = "GET",
             .pattern = entry + "/versions",
             .surface = v1,
             .scopes = {kVersionsList},
             .family = ds,
             .data_store = q,
             .read = [routes](Request& r) { return routes->ListVersions(r); }});
  table.Add({.method = "GET",
             .pattern = entry + "/versions/version",
             .surface = v1,
             .scopes = {kVersionsRead},
             .family = ds,
             .data_store = q,
             .read = [routes](Request& r) { return routes->GetVersion(r); }});
}

}  // namespace strongbox::api
