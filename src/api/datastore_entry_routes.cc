#include "api/datastore_entry_routes.h"

#include "api/entry_json.h"
#include "api/paging.h"
#include "api/request_fields.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "gate/request_write.h"

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

// The entry of an item route: the path's data store and scope, and the `{entry}` capture.
Result<datastore::EntryName> ItemNameFromPath(const Request& request, bool scoped) {
  SB_ASSIGN_OR_RETURN(datastore::EntryName name, NameFromPath(request, scoped));
  name.key = request.Param("entry");
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

// `revision_create_time >= T && revision_create_time <= T`, either clause optional, in any
// order; times RFC 3339, optionally double-quoted.
Status ParseRevisionTimeFilter(std::string_view filter, datastore::EntryService::RevisionQuery* q) {
  const Status bad = Status::InvalidArgument(
      "Invalid filter; use revision_create_time >= <RFC 3339> && revision_create_time <= "
      "<RFC 3339> (either part may be left out).");
  while (!filter.empty()) {
    auto amp = filter.find("&&");
    std::string_view clause = filter.substr(0, amp);
    filter = amp == std::string_view::npos ? std::string_view() : filter.substr(amp + 2);
    while (!clause.empty() && clause.front() == ' ') clause.remove_prefix(1);
    while (!clause.empty() && clause.back() == ' ') clause.remove_suffix(1);
    constexpr std::string_view kField = "revision_create_time";
    if (clause.substr(0, kField.size()) != kField) return bad;
    clause.remove_prefix(kField.size());
    while (!clause.empty() && clause.front() == ' ') clause.remove_prefix(1);
    const bool lower = clause.substr(0, 2) == ">=";
    if (!lower && clause.substr(0, 2) != "<=") return bad;
    clause.remove_prefix(2);
    while (!clause.empty() && clause.front() == ' ') clause.remove_prefix(1);
    if (clause.size() >= 2 && clause.front() == '"' && clause.back() == '"') {
      clause = clause.substr(1, clause.size() - 2);
    }
    auto t = core::ParseRfc3339(clause);
    if (!t.ok()) return bad;
    (lower ? q->start : q->end) = *t;
  }
  return Status::Ok();
}

Response EntryResponse(const datastore::EntryName& name, bool scoped,
                       const datastore::EntryRecord& record) {
  return http::JsonResponse(200, EntryResourceJson(name, scoped, record));
}

class EntryRoutes {
 public:
  EntryRoutes(datastore::EntryService* entries, datastore::Mailbox* mailbox,
              const core::Clock* clock)
      : entries_(entries), mailbox_(mailbox), clock_(clock) {}

  // The responder of a write whose answer is the entry resource.
  static gate::RequestWrite::Responder<datastore::EntryRecord> EntryResponder(
      gate::RequestWrite& write, const datastore::EntryName& name, bool scoped) {
    return write.Respond<datastore::EntryRecord>(
        [name, scoped](const datastore::EntryRecord& r) { return EntryResponse(name, scoped, r); });
  }

  asio::awaitable<Result<Response>> Create(Request& request, gate::RequestWrite& request_write,
                                           bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, NameFromPath(request, scoped));
    auto id = request.Query("id");
    if (!id) co_return Status::InvalidArgument("Query parameter 'id' (the entry key) is required.");
    name.key = std::string(*id);
    SB_CO_ASSIGN_OR_RETURN(core::Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryWrite write, DecodeEntryWrite(body));
    auto respond = EntryResponder(request_write, name, scoped);
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryRecord record,
                           co_await entries_->Create(name, std::move(write), respond.context()));
    co_return respond(record);
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

  asio::awaitable<Result<Response>> Update(Request& request, gate::RequestWrite& request_write,
                                           bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, ItemNameFromPath(request, scoped));
    SB_CO_ASSIGN_OR_RETURN(bool allow_missing, QueryBool(request, "allowMissing", false));
    SB_CO_ASSIGN_OR_RETURN(core::Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(auto etag, core::GetOptionalString(body, "etag"));
    if (!etag) {
      if (auto q = request.Query("etag")) etag = std::string(*q);
    }
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryWrite write, DecodeEntryWrite(body));
    auto respond = EntryResponder(request_write, name, scoped);
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryRecord record,
                           co_await entries_->Update(name, std::move(write), std::move(etag),
                                                     allow_missing, respond.context()));
    co_return respond(record);
  }

  asio::awaitable<Result<Response>> Delete(Request& request, gate::RequestWrite& write,
                                           bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, ItemNameFromPath(request, scoped));
    std::optional<std::string> etag;
    if (auto q = request.Query("etag")) etag = std::string(*q);
    auto respond = write.Respond<datastore::EntryRecord>(
        [](const datastore::EntryRecord&) { return http::JsonResponse(200, "{}"); });
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryRecord record,
                           co_await entries_->Delete(name, std::move(etag), respond.context()));
    co_return respond(record);
  }

  asio::awaitable<Result<Response>> Increment(Request& request, gate::RequestWrite& write,
                                              bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, ItemNameFromPath(request, scoped));
    SB_CO_ASSIGN_OR_RETURN(core::Json body, JsonObjectBody(request));
    SB_CO_RETURN_IF_ERROR(RefuseConsumeMessages(body, ":increment"));
    SB_CO_ASSIGN_OR_RETURN(auto amount, core::GetOptionalInt64(body, "amount"));
    SB_CO_ASSIGN_OR_RETURN(auto users, DecodeOptionalUsers(body));
    SB_CO_ASSIGN_OR_RETURN(auto attributes, DecodeOptionalAttributes(body));
    auto respond = EntryResponder(write, name, scoped);
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryRecord record,
                           co_await entries_->Increment(name, amount.value_or(1), std::move(users),
                                                        std::move(attributes), respond.context()));
    co_return respond(record);
  }

  asio::awaitable<Result<Response>> Patch(Request& request, gate::RequestWrite& write,
                                          bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, ItemNameFromPath(request, scoped));
    SB_CO_ASSIGN_OR_RETURN(core::Json body, JsonObjectBody(request));
    datastore::EntryService::PatchRequest patch;
    const core::Json* operations = core::FindMember(body, "operations");
    if (operations == nullptr) co_return Status::InvalidArgument("Field 'operations' is required.");
    patch.operations = *operations;
    SB_CO_RETURN_IF_ERROR(DecodePatchOptions(body, &patch));
    auto respond = EntryResponder(write, name, scoped);
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryRecord record,
                           co_await entries_->Patch(name, std::move(patch), respond.context()));
    co_return respond(record);
  }

  asio::awaitable<Result<Response>> RestoreRevision(Request& request, gate::RequestWrite& write,
                                                    bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, ItemNameFromPath(request, scoped));
    SB_CO_ASSIGN_OR_RETURN(core::Json body, JsonObjectBody(request));
    SB_CO_RETURN_IF_ERROR(RefuseConsumeMessages(body, ":restoreRevision"));
    SB_CO_ASSIGN_OR_RETURN(auto revision_id, core::GetOptionalString(body, "revisionId"));
    if (!revision_id) co_return Status::InvalidArgument("Field 'revisionId' is required.");
    SB_CO_ASSIGN_OR_RETURN(auto etag, core::GetOptionalString(body, "etag"));
    auto respond = EntryResponder(write, name, scoped);
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryRecord record,
                           co_await entries_->RestoreRevision(name, std::move(*revision_id),
                                                              std::move(etag), respond.context()));
    co_return respond(record);
  }

  asio::awaitable<Result<Response>> ListRevisions(Request& request, bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, ItemNameFromPath(request, scoped));
    datastore::EntryService::RevisionQuery query;
    SB_CO_ASSIGN_OR_RETURN(query.page_size, QueryPageSize(request, "maxPageSize", 10, 100));
    const std::string filter(request.Query("filter").value_or(""));
    SB_CO_RETURN_IF_ERROR(ParseRevisionTimeFilter(filter, &query));
    // A token is valid only for the same entry and filter.
    const std::string token_query = TokenQuery({"v2 revisions", std::to_string(name.universe),
                                                name.data_store, name.scope, name.key, filter});
    SB_CO_ASSIGN_OR_RETURN(auto after, ResumeAfter(request, "pageToken", token_query));
    if (after) {
      auto counter = core::ParseUint64(*after);
      if (!counter) co_return Status::InvalidArgument("Invalid page token.");
      query.after = *counter;
    }
    SB_CO_ASSIGN_OR_RETURN(auto page, entries_->ListRevisions(name, query));
    core::Json items = core::Json::array();
    for (const auto& r : page.revisions) items.push_back(RevisionListItem(name, scoped, r));
    core::Json body = {{"dataStoreEntries", std::move(items)}};
    body["nextPageToken"] =
        NextToken(page.next_after ? std::optional<std::string>(std::to_string(*page.next_after))
                                  : std::nullopt,
                  token_query);
    co_return http::JsonResponse(200, core::DumpCompact(body));
  }

  // [SB] POST …/entries/{entry}:sendMessage {"message":<json>} → {"messageId"} (api.md §11).
  asio::awaitable<Result<Response>> SendMessage(Request& request, gate::RequestWrite& write,
                                                bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, ItemNameFromPath(request, scoped));
    SB_CO_ASSIGN_OR_RETURN(core::Json body, JsonObjectBody(request));
    const core::Json* message = core::FindMember(body, "message");
    if (message == nullptr || message->is_null()) {
      co_return Status::InvalidArgument("Field 'message' (any JSON value) is required.");
    }
    auto respond = write.Respond<datastore::Message>([](const datastore::Message& m) {
      return http::JsonResponse(
          200, core::DumpCompact(core::Json{{"messageId", m.id},
                                            {"sendTime", core::FormatRfc3339(m.send_time)}}));
    });
    SB_CO_ASSIGN_OR_RETURN(
        datastore::Message sent,
        co_await mailbox_->Send(name, core::DumpCompact(*message), respond.context()));
    co_return respond(sent);
  }

  // [SB] GET …/entries/{entry}:listMessages?maxPageSize=&pageToken= (api.md §11).
  asio::awaitable<Result<Response>> ListMessages(Request& request, bool scoped) {
    SB_CO_ASSIGN_OR_RETURN(datastore::EntryName name, ItemNameFromPath(request, scoped));
    SB_CO_ASSIGN_OR_RETURN(const size_t page_size,
                           QueryPageSize(request, "maxPageSize", 100, 1000));
    const std::string token_query = TokenQuery(
        {"v2 messages", std::to_string(name.universe), name.data_store, name.scope, name.key});
    SB_CO_ASSIGN_OR_RETURN(auto after, ResumeAfter(request, "pageToken", token_query));
    std::optional<uint64_t> after_sequence;
    if (after) {
      after_sequence = core::ParseUint64(*after);
      if (!after_sequence) co_return Status::InvalidArgument("Invalid page token.");
    }
    SB_CO_ASSIGN_OR_RETURN(datastore::MessagePage page,
                           mailbox_->List(name, after_sequence, page_size));
    std::string body = "{\"messages\":[";
    for (size_t i = 0; i < page.messages.size(); ++i) {
      const datastore::Message& m = page.messages[i];
      if (i > 0) body += ',';
      body += "{\"messageId\":\"" + m.id + "\",\"sendTime\":\"" + core::FormatRfc3339(m.send_time) +
              "\",\"message\":" + m.message + "}";
    }
    body += "],\"nextPageToken\":";
    core::AppendJsonString(
        &body,
        NextToken(page.next_after ? std::optional<std::string>(std::to_string(*page.next_after))
                                  : std::nullopt,
                  token_query));
    body += '}';
    co_return http::JsonResponse(200, std::move(body));
  }

 private:
  datastore::EntryService* entries_;
  datastore::Mailbox* mailbox_;
  const core::Clock* clock_;
};

}  // namespace

void RegisterDataStoreEntryRoutes(gate::RouteTable& table, const Services& services) {
  using gate::RequestWrite;
  using namespace ops::scopes;  // NOLINT: the scope names of api.md §7
  auto routes = std::make_shared<EntryRoutes>(services.entries, services.mailbox, services.clock);
  const auto ds = ops::RateFamily::kDataStores;
  const auto p = gate::DataStoreSource::kParam;
  for (bool scoped : {false, true}) {
    const std::string collection =
        std::string(kBase) + (scoped ? "/scopes/{scope}/entries" : "/entries");
    const std::string item = collection + "/{entry}";
    table.Add({.method = "POST",
               .pattern = collection,
               .scopes = {kObjectsCreate},
               .family = ds,
               .data_store = p,
               .write = [routes, scoped](Request& r, RequestWrite& w) {
                 return routes->Create(r, w, scoped);
               }});
    table.Add({.method = "GET",
               .pattern = item,
               .scopes = {kObjectsRead},
               .family = ds,
               .data_store = p,
               .read = [routes, scoped](Request& r) { return routes->Get(r, scoped); }});
    table.Add({.method = "PATCH",
               .pattern = item,
               .scopes = {kObjectsUpdate},
               .family = ds,
               .data_store = p,
               .write = [routes, scoped](Request& r, RequestWrite& w) {
                 return routes->Update(r, w, scoped);
               }});
    table.Add({.method = "DELETE",
               .pattern = item,
               .scopes = {kObjectsDelete},
               .family = ds,
               .data_store = p,
               .write = [routes, scoped](Request& r, RequestWrite& w) {
                 return routes->Delete(r, w, scoped);
               }});
    table.Add({.method = "POST",
               .pattern = item + ":increment",
               .scopes = {kObjectsUpdate},
               .family = ds,
               .data_store = p,
               .write = [routes, scoped](Request& r, RequestWrite& w) {
                 return routes->Increment(r, w, scoped);
               }});
    table.Add({.method = "POST",
               .pattern = item + ":patch",
               .scopes = {kObjectsUpdate},
               .family = ds,
               .data_store = p,
               .write = [routes, scoped](Request& r, RequestWrite& w) {
                 return routes->Patch(r, w, scoped);
               }});
    table.Add({.method = "POST",
               .pattern = item + ":restoreRevision",
               .scopes = {kObjectsUpdate},
               .family = ds,
               .data_store = p,
               .write = [routes, scoped](Request& r, RequestWrite& w) {
                 return routes->RestoreRevision(r, w, scoped);
               }});
    table.Add({.method = "POST",
               .pattern = item + ":sendMessage",
               .scopes = {kObjectsUpdate},
               .family = ds,
               .data_store = p,
               .write = [routes, scoped](Request& r, RequestWrite& w) {
                 return routes->SendMessage(r, w, scoped);
               }});
    table.Add({.method = "GET",
               .pattern = item + ":listMessages",
               .scopes = {kObjectsRead},
               .family = ds,
               .data_store = p,
               .read = [routes, scoped](Request& r) { return routes->ListMessages(r, scoped); }});
    table.Add({.method = "GET",
               .pattern = item + ":listRevisions",
               .scopes = {kVersionsList},
               .family = ds,
               .data_store = p,
               .read = [routes, scoped](Request& r) { return routes->ListRevisions(r, scoped); }});
  }
}

}  // namespace strongbox::api
