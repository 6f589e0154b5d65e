#include "api/revert_routes.h"

#include <map>
#include <optional>

#include "api/entry_json.h"
#include "api/paging.h"
#include "api/request_fields.h"
#include "core/json_util.h"
#include "core/strings.h"
#include "core/time_format.h"
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

constexpr size_t kDefaultEntries = 100;
constexpr size_t kMaxEntries = 1000;

// What the writer did to one entry in the window, from the log.
struct Touched {
  std::string first_revision;  // the writer's first write there: undo goes to the one before
  std::string last_revision;   // the writer's last: anything since is someone else's
  bool erased = false;         // an :eraseUser removed every revision
};

using EntryRef = std::pair<std::string, std::string>;  // scope, key

struct RevertRequest {
  std::string writer;
  core::Timestamp start{};
  core::Timestamp end{};
  bool dry_run = true;
  bool force = false;
  size_t max_entries = kDefaultEntries;
};

Result<RevertRequest> ParseRevert(const Json& body) {
  RevertRequest r;
  SB_ASSIGN_OR_RETURN(auto writer, core::GetOptionalString(body, "writer"));
  if (!writer || writer->empty()) {
    return Status::InvalidArgument(
        "Field 'writer' (the API key id whose changes to undo) is required.");
  }
  r.writer = std::move(*writer);
  for (auto [name, out] : {std::pair{"startTime", &r.start}, std::pair{"endTime", &r.end}}) {
    SB_ASSIGN_OR_RETURN(auto text, core::GetOptionalString(body, name));
    if (!text) return Status::InvalidArgument(std::string("Field '") + name + "' is required.");
    auto t = core::ParseRfc3339(*text);
    if (!t.ok()) {
      return Status::InvalidArgument(std::string("Field '") + name + "' must be an RFC 3339 time.");
    }
    *out = *t;
  }
  if (r.end < r.start) return Status::InvalidArgument("endTime is before startTime.");
  SB_ASSIGN_OR_RETURN(auto dry_run, core::GetOptionalBool(body, "dryRun"));
  r.dry_run = dry_run.value_or(true);
  SB_ASSIGN_OR_RETURN(auto force, core::GetOptionalBool(body, "force"));
  r.force = force.value_or(false);
  SB_ASSIGN_OR_RETURN(auto max, core::GetOptionalInt64(body, "maxEntries"));
  if (max) {
    if (*max < 1 || *max > static_cast<int64_t>(kMaxEntries)) {
      return Status::InvalidArgument("maxEntries must be between 1 and 1000.");
    }
    r.max_entries = static_cast<size_t>(*max);
  }
  return r;
}

class RevertRoutes {
 public:
  explicit RevertRoutes(const Services& services) : services_(services) {}

  asio::awaitable<Result<Response>> Revert(Request& request, gate::RequestWrite& write) {
    changes::ChangeFeed* feed = services_.changes;
    if (feed == nullptr) {
      co_return Status::FailedPrecondition(
          "The change log is off on this server (change_log = off); nothing can be undone by "
          "writer.")
          .WithReason("CHANGE_LOG_OFF");
    }
    SB_CO_ASSIGN_OR_RETURN(const int64_t universe, ParseUniverseId(request.Param("universe")));
    const std::string data_store(request.Param("dataStore"));
    {
      datastore::EntryName probe;  // the data store name's own rules (api.md §3)
      probe.universe = universe;
      probe.data_store = data_store;
      probe.key = "k";
      SB_CO_RETURN_IF_ERROR(datastore::ValidateEntryName(probe));
    }
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(RevertRequest revert, ParseRevert(body));
    const std::string token_query =
        TokenQuery({"revertChanges", std::to_string(universe), data_store, revert.writer,
                    core::FormatRfc3339(revert.start), core::FormatRfc3339(revert.end)});
    SB_CO_ASSIGN_OR_RETURN(auto resume, ResumeAfter(request, "pageToken", token_query));
    SB_CO_ASSIGN_OR_RETURN(auto touched, Plan(*feed, universe, data_store, revert));

    Json reverted = Json::array();
    Json conflicts = Json::array();
    std::optional<std::string> last_done;
    size_t handled = 0;
    auto it = touched.begin();
    if (resume) {
      SB_CO_ASSIGN_OR_RETURN(EntryRef after, SplitToken(*resume));
      it = touched.upper_bound(after);
    }
    for (; it != touched.end() && handled < revert.max_entries; ++it, ++handled) {
      datastore::EntryName name;
      name.universe = universe;
      name.data_store = data_store;
      name.scope = it->first.first;
      name.key = it->first.second;
      const std::string path = EntryPath(name, /*scoped=*/true);
      last_done = JoinToken(it->first);
      auto conflict = [&](std::string reason, std::string detail) {
        conflicts.push_back({{"path", path}, {"reason", std::move(reason)}, {"detail", detail}});
      };
      if (it->second.erased) {
        conflict("ERASED", "An :eraseUser removed this entry's revisions; it cannot be restored.");
        continue;
      }
      SB_CO_ASSIGN_OR_RETURN(auto current, services_.entries->GetLatest(name));
      const std::string current_id = current ? datastore::FormatRevisionId(*current) : "";
      auto before = services_.entries->GetRevisionBefore(name, it->second.first_revision);
      if (!before.ok()) {
        const std::string& reason = before.status().reason();
        if (reason != "REVISION_NOT_KEPT" && reason != "ERASED") co_return before.status();
        conflict(reason, before.status().message());
        continue;
      }
      // Restore the revision before, or delete when there was none (the writer created it)
      // or it was a deletion.
      const bool restore = before->has_value() && !(*before)->deleted;
      const bool live = current && !current->deleted;
      if (!restore && !live) {
        // Already gone (a repeated undo): nothing to do, no conflict.
        reverted.push_back({{"path", path}, {"action", "none"}, {"fromRevisionId", current_id}});
        continue;
      }
      // Already where the undo would take it (a repeated undo): nothing to do, no conflict.
      if (current && !current->deleted && before->has_value() && !(*before)->deleted &&
          current->value == (*before)->value && current->users == (*before)->users &&
          current->attributes == (*before)->attributes) {
        reverted.push_back({{"path", path}, {"action", "none"}, {"fromRevisionId", current_id}});
        continue;
      }
      const bool changed_since = current_id != it->second.last_revision;
      if (changed_since && !revert.force) {
        conflict("CHANGED_SINCE", "Written since the writer's last change (current revision " +
                                      current_id + "); force reverts it anyway.");
        continue;
      }
      Json item = {{"path", path},
                   {"action", restore ? "restore" : "delete"},
                   {"fromRevisionId", current_id}};
      if (restore) item["toRevisionId"] = datastore::FormatRevisionId(**before);
      if (revert.dry_run) {
        reverted.push_back(std::move(item));
        continue;
      }
      datastore::EntryService::Context context;
      context.check = write.GuardCheck();
      context.writer = write.writer();
      // Compare-and-swap on what the plan saw, unless forced: a write that lands between the
      // plan and this commit makes it a conflict, never a silent overwrite.
      std::optional<std::string> etag;
      if (!revert.force) etag = current_id;  // a tombstone's id too (:restoreRevision's CAS)
      // Two statements, not a conditional expression: GCC 12 miscompiles co_await inside ?:.
      Result<datastore::EntryRecord> done = Status::Internal("not run");
      if (restore) {
        done = co_await services_.entries->RestoreRevision(
            name, datastore::FormatRevisionId(**before), etag, std::move(context));
      } else {
        done = co_await services_.entries->Delete(name, etag, std::move(context));
      }
      if (!done.ok()) {
        // Another write (another undo, a delete) landed between the plan and this commit: a
        // conflict like any other, not an error that would hide what this page already did.
        // Deleted meanwhile, a delete has nothing left to do (as when the plan sees it gone);
        // a restore whose revision was trimmed meanwhile is the conflict the plan would give.
        const bool gone = done.status().code() == core::StatusCode::kNotFound;
        if (gone && !restore) {
          reverted.push_back({{"path", path}, {"action", "none"}, {"fromRevisionId", current_id}});
          continue;
        }
        if (restore && done.status().code() == core::StatusCode::kInvalidArgument) {
          conflict("REVISION_NOT_KEPT", "The revision to restore was trimmed while the undo ran.");
          continue;
        }
        if (gone || done.status().reason() == "ETAG_MISMATCH") {
          conflict("CHANGED_SINCE", "Written while the undo ran.");
          continue;
        }
        co_return done.status();
      }
      item["revisionId"] = datastore::FormatRevisionId(*done);
      reverted.push_back(std::move(item));
    }
    const bool done = it == touched.end();
    Json out = {{"reverted", std::move(reverted)},
                {"conflicts", std::move(conflicts)},
                {"done", done},
                {"dryRun", revert.dry_run}};
    if (!done) out["nextPageToken"] = NextToken(last_done, token_query);
    co_return http::JsonResponse(200, core::DumpCompact(out));
  }

 private:
  // A page token's entry: the scope's length, ':', the scope, the key. A length, not a
  // separator: scopes and keys may hold any byte, NUL included.
  static std::string JoinToken(const EntryRef& entry) {
    return std::to_string(entry.first.size()) + ":" + entry.first + entry.second;
  }
  static Result<EntryRef> SplitToken(const std::string& token) {
    const size_t colon = token.find(':');
    auto length = colon == std::string::npos
                      ? std::nullopt
                      : core::ParseUint64(std::string_view(token).substr(0, colon));
    if (!length || *length > token.size() - colon - 1) {
      // A token of an earlier version: scope NUL key. Undo is repeatable; it only resumes.
      if (const size_t zero = token.find('\0'); zero != std::string::npos) {
        return EntryRef{token.substr(0, zero), token.substr(zero + 1)};
      }
      return Status::InvalidArgument("Invalid pageToken.");
    }
    return EntryRef{token.substr(colon + 1, *length), token.substr(colon + 1 + *length)};
  }

  // Every entry of the data store the writer changed in the window, from the whole log (bounded
  // by retention: a universe keeps changes_retention_count records at most).
  static Result<std::map<EntryRef, Touched>> Plan(const changes::ChangeFeed& feed, int64_t universe,
                                                  const std::string& data_store,
                                                  const RevertRequest& revert) {
    changes::ChangeFilter filter;
    filter.kind = "entry";
    filter.container = data_store;
    filter.writer = revert.writer;
    filter.start = revert.start;
    filter.end = revert.end;
    SB_ASSIGN_OR_RETURN(changes::FeedBounds bounds, feed.Bounds(universe));
    uint64_t cursor = bounds.floor - 1;
    std::map<EntryRef, Touched> touched;
    for (;;) {
      SB_ASSIGN_OR_RETURN(changes::FeedPage page,
                          feed.ReadOnce(universe, cursor, filter, feed.limits().max_page_size));
      for (const store::ChangeRecord& r : page.changes) {
        if (r.operation == "sendMessage") continue;  // the entry's value did not change
        Touched& t = touched[{r.scope, r.id}];
        if (r.operation == "erase") {
          t.erased = true;
          continue;
        }
        if (t.first_revision.empty()) t.first_revision = r.revision;
        t.last_revision = r.revision;
      }
      if (page.at_end || page.next == cursor) break;
      cursor = page.next;
    }
    return touched;
  }

  const Services& services_;
};

}  // namespace

void RegisterRevertRoutes(gate::RouteTable& table, const Services& services) {
  auto routes = std::make_shared<RevertRoutes>(services);
  table.Add({.method = "POST",
             .pattern = "/cloud/v2/universes/{universe}/data-stores/{dataStore}:revertChanges",
             .scopes = {ops::scopes::kObjectsUpdate, ops::scopes::kObjectsDelete,
                        ops::scopes::kChangesRead},
             .family = ops::RateFamily::kDataStores,
             .data_store = gate::DataStoreSource::kParam,
             .write = [routes](Request& r, gate::RequestWrite& w) { return routes->Revert(r, w); },
             .commits = gate::Commits::kMany});
}

}  // namespace strongbox::api
