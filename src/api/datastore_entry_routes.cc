#include "api/datastore_entry_routes.h"

#include "api/entry_json.h"
#include "api/request_fields.h"
#include "core/strings.h"
#include "core/time_format.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Result;
using core::Status;
using http::Request;
using http::Response;

namespace {

constexpr const char* kBase = "/cloud/v2/universes/{universe}/data-stores/{dataStore}";

// The entry named by the path; `entry_param` is the capture holding the key (absent for the
// collection routes, where it comes from `?id=`).
Result<datastore::EntryName> NameFromPath(const Request& request, bool scoped) {
  datastore::EntryName name;
  SB_ASSIGN_OR_RETURN(name.universe, ParseUniverseId(request.Param("universe")));
  name.data_store = request.Param("dataStore");
  if (scoped) name.scope = request.Param("scope");
  return name;
}

// What a GET asks for after the key: the current revision, one revision, or a point in time.
struct RevisionSelector {
  enum class Kind { kCurrent, kRevision, kAt } kind = Kind::kCurrent;
  std::string revision_id;
  core::Timestamp at{};
};

// Splits `K@<revisionId>`, `K@latest`, `K@latest:<RFC3339>` at the last literal '@' of the raw
// segment, so an encoded %40 stays part of the key.
Result<RevisionSelector> SplitEntryId(const Request& request, std::string* key) {
  const std::string& raw = request.raw_params.at("entry");
  RevisionSelector sel;
  auto at = raw.rfind('@');
  if (at == std::string::npos) {
    *key = request.Param("entry");
    return sel;
  }
  auto decoded_key = core::PercentDecode(std::string_view(raw).substr(0, at));
  auto selector = core::PercentDecode(std::string_view(raw).substr(at + 1));
  if (!decoded_key || !selector) return Status::InvalidArgument("Malformed entry id.");
  *key = std::move(*decoded_key);
  if (*selector == "latest") return sel;
  if (selector->rfind("latest:", 0) == 0) {
    SB_ASSIGN_OR_RETURN(sel.at, core::ParseRfc3339(std::string_view(*selector).substr(7)));
    sel.kind = RevisionSelector::Kind::kAt;
    return sel;
  }
  sel.kind = RevisionSelector::Kind::kRevision;
  sel.revision_id = std::move(*selector);
  return sel;
}

Response EntryResponse(const datastore::EntryName& name, bool scoped,
                       const datastore::EntryRecord& record) {
  return http::JsonResponse(200, EntryResourceJson(name, scoped, record));
}

class EntryRoutes {
 public:
  EntryRoutes(datastore::EntryService* entries, const core::Clock* clock)
      : entries_(entries), clock_(clock) {}

  asio::awaitable<Result<Response>> Create(Request& request, bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, NameFromPath(request, scoped));
    auto id = request.Query("id");
    if (!id) co_return Status::InvalidArgument("Query parameter 'id' (the entry key) is required.");
    name.key = std::string(*id);
    SB_CO_ASSIGN_OR_RETURN(core::Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryWrite write, DecodeEntryWrite(body));
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryRecord record,
                           co_await entries_->Create(name, std::move(write)));
    co_return EntryResponse(name, scoped, record);
  }

  asio::awaitable<Result<Response>> Get(Request& request, bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, NameFromPath(request, scoped));
    SB_CO_ASSIGN_OR_RETURN(RevisionSelector sel, SplitEntryId(request, &name.key));
    switch (sel.kind) {
      case RevisionSelector::Kind::kCurrent: {
        SB_CO_ASSIGN_OR_RETURN(auto record, entries_->Get(name));
        co_return EntryResponse(name, scoped, record);
      }
      case RevisionSelector::Kind::kRevision: {
        SB_CO_ASSIGN_OR_RETURN(auto record, entries_->GetRevision(name, sel.revision_id));
        co_return EntryResponse(name, scoped, record);
      }
      case RevisionSelector::Kind::kAt: {
        if (sel.at > clock_->Now() + std::chrono::minutes(10)) {
          co_return Status::InvalidArgument(
              "@latest:<time> may be at most 10 minutes in the future.");
        }
        SB_CO_ASSIGN_OR_RETURN(auto record, entries_->GetAt(name, sel.at));
        co_return EntryResponse(name, scoped, record);
      }
    }
    co_return Status::Internal("unreachable revision selector");
  }

  asio::awaitable<Result<Response>> Update(Request& request, bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, NameFromPath(request, scoped));
    name.key = request.Param("entry");
    SB_CO_ASSIGN_OR_RETURN(bool allow_missing, QueryBool(request, "allowMissing", false));
    SB_CO_ASSIGN_OR_RETURN(core::Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(auto etag, core::GetOptionalString(body, "etag"));
    if (!etag) {
      if (auto q = request.Query("etag")) etag = std::string(*q);
    }
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryWrite write, DecodeEntryWrite(body));
    SB_CO_ASSIGN_OR_RETURN(
        datastore::EntryRecord record,
        co_await entries_->Update(name, std::move(write), std::move(etag), allow_missing));
    co_return EntryResponse(name, scoped, record);
  }

  asio::awaitable<Result<Response>> Delete(Request& request, bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, NameFromPath(request, scoped));
    name.key = request.Param("entry");
    std::optional<std::string> etag;
    if (auto q = request.Query("etag")) etag = std::string(*q);
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryRecord record,
                           co_await entries_->Delete(name, std::move(etag)));
    (void)record;
    co_return http::JsonResponse(200, "{}");
  }

 private:
  datastore::EntryService* entries_;
  const core::Clock* clock_;
};

}  // namespace

void RegisterDataStoreEntryRoutes(http::Router& router, const Services& services) {
  auto routes = std::make_shared<EntryRoutes>(services.entries, services.clock);
  for (bool scoped : {false, true}) {
    const std::string collection =
        std::string(kBase) + (scoped ? "/scopes/{scope}/entries" : "/entries");
    const std::string item = collection + "/{entry}";
    router.Add("POST", collection,
               [routes, scoped](Request& r) { return routes->Create(r, scoped); });
    router.Add("GET", item, [routes, scoped](Request& r) { return routes->Get(r, scoped); });
    router.Add("PATCH", item, [routes, scoped](Request& r) { return routes->Update(r, scoped); });
    router.Add("DELETE", item, [routes, scoped](Request& r) { return routes->Delete(r, scoped); });
  }
}

}  // namespace strongbox::api
