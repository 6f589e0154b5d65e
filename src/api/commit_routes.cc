#include "api/commit_routes.h"

#include <chrono>
#include <cmath>
#include <map>
#include <memory>

#include "api/commit_operations.h"
#include "api/entry_json.h"
#include "api/ordered_fields.h"
#include "api/request_fields.h"
#include "gate/request_write.h"
#include "locks/lock.h"
#include "locks/lock_service.h"
#include "memstore/limits.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Json;
using core::Result;
using core::Status;
using http::Request;
using http::Response;

namespace {

// api.md §8: a batch read names at most this many ids (Roblox's BatchGetAsync limit).
constexpr size_t kMaxBatchIds = 100;

struct BodyGuard {
  std::string lock_id;
  uint64_t token = 0;
};

// `guards`: [{lockId, fencingToken}], the token a positive integer or its decimal string.
Result<std::vector<BodyGuard>> DecodeGuards(const Json& body, size_t max) {
  std::vector<BodyGuard> guards;
  const Json* list = core::FindMember(body, "guards");
  if (list == nullptr || list->is_null()) return guards;
  if (!list->is_array()) return Status::InvalidArgument("'guards' must be an array.");
  if (list->size() > max) {
    return memstore::LimitExceeded(
        "A commit takes at most " + std::to_string(max) + " guards (config max_commit_operations).",
        "max_commit_operations", max);
  }
  for (const Json& item : *list) {
    if (!item.is_object()) {
      return Status::InvalidArgument("Each guard is an object {lockId, fencingToken}.");
    }
    // A misspelt member would be ignored, and a guard naming the wrong lock is no guard.
    SB_RETURN_IF_ERROR(RefuseUnknownMembers(item, "guard", {"lockId", "fencingToken"}));
    BodyGuard guard;
    SB_ASSIGN_OR_RETURN(auto lock_id, core::GetOptionalString(item, "lockId"));
    if (!lock_id) return Status::InvalidArgument("Each guard needs 'lockId'.");
    SB_RETURN_IF_ERROR(locks::ValidateLockId(*lock_id));
    guard.lock_id = std::move(*lock_id);
    // Tokens are unsigned 64-bit: the decimal string the lock answered, or a number.
    const Json* token = core::FindMember(item, "fencingToken");
    const std::optional<uint64_t> parsed =
        token == nullptr ? std::nullopt : core::JsonToUint64(*token);
    if (!parsed || *parsed == 0) {
      return Status::InvalidArgument(
          "Each guard needs 'fencingToken', a positive integer (or its decimal string).");
    }
    guard.token = *parsed;
    guards.push_back(std::move(guard));
  }
  return guards;
}

// `ids`: 1 to kMaxBatchIds strings.
Result<std::vector<std::string>> DecodeIds(const Request& request) {
  SB_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
  const Json* list = core::FindMember(body, "ids");
  if (list == nullptr || !list->is_array() || list->empty()) {
    return Status::InvalidArgument("Field 'ids' is required: an array of 1 to " +
                                   std::to_string(kMaxBatchIds) + " ids.");
  }
  if (list->size() > kMaxBatchIds) {
    return memstore::LimitExceeded("A batch read takes at most " + std::to_string(kMaxBatchIds) +
                                       " ids; this one has " + std::to_string(list->size()) + ".",
                                   "batch_get_ids", kMaxBatchIds);
  }
  std::vector<std::string> ids;
  ids.reserve(list->size());
  for (const Json& id : *list) {
    if (!id.is_string()) return Status::InvalidArgument("Each id in 'ids' must be a string.");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

// The error of operation `index`: the single call's status, with the index in its details. A
// :patch failure already names the failing patch operation as operationIndex: that one
// becomes patchOperationIndex.
// Every such error carries details, so a status without a reason takes its code's name.
Status AtOperation(Status status, size_t index) {
  if (status.reason().empty()) {
    const std::string code(core::StatusCodeName(status.code()));
    status = std::move(status).WithReason(code);
  }
  return std::move(status)
      .RenameMetadata("operationIndex", "patchOperationIndex")
      .WithMetadata("operationIndex", std::to_string(index));
}

// The rate family a resource's single calls draw on (api.md §7).
ops::RateFamily FamilyOf(CommitResource resource) {
  switch (resource) {
    case CommitResource::kEntry:
      return ops::RateFamily::kDataStores;
    case CommitResource::kOrderedEntry:
      return ops::RateFamily::kOrdered;
    case CommitResource::kSortedMapItem:
    case CommitResource::kQueueItem:
      return ops::RateFamily::kMemoryStore;
  }
  return ops::RateFamily::kDataStores;
}

// Draws `cost` more requests from `family`'s buckets for the caller: a call that does the work
// of many single calls costs as many (the gate drew the route's one). 429 with retry-after
// when a bucket is empty.
// `taken`: tokens the gate already drew from this family for the request (its route's one), so
// the whole request never costs more than a full bucket.
Status ChargeRate(const Services& services, const Request& request, int64_t universe,
                  ops::RateFamily family, size_t cost, uint32_t taken) {
  if (services.limiter == nullptr || cost == 0) return Status::Ok();
  const auto decision =
      services.limiter->Acquire(family, request.principal, universe, ops::RateLimiterNow(),
                                static_cast<uint32_t>(cost), taken);
  if (decision.allowed) return Status::Ok();
  const auto retry = static_cast<int64_t>(std::ceil(decision.retry_after_seconds));
  return Status::ResourceExhausted("Rate limit exceeded for " +
                                   std::string(ops::RateFamilyName(family)) +
                                   " requests (a batch counts each of its operations); retry "
                                   "after " +
                                   std::to_string(retry) + " s.")
      .WithMetadata("retryAfterSeconds", std::to_string(std::max<int64_t>(retry, 1)))
      // The bucket that refused, for the x-ratelimit-* headers every 429 carries (api.md §7).
      .WithMetadata("rateLimit", std::to_string(static_cast<int64_t>(decision.limit)))
      .WithMetadata("rateLimitRemaining", std::to_string(static_cast<int64_t>(decision.remaining)))
      .WithMetadata("rateLimitResetSeconds",
                    std::to_string(static_cast<int64_t>(std::ceil(decision.reset_seconds))));
}

class CommitRoutes {
 public:
  explicit CommitRoutes(const Services& services) : services_(services) {}

  asio::awaitable<Result<Response>> Commit(Request& request, gate::RequestWrite& write) {
    auto answer = co_await Apply(request, write);
    if (!answer.ok() && services_.commits != nullptr) {
      const Status& error = answer.status();
      if (error.code() == core::StatusCode::kUnavailable) {
        // Storage unreachable, or its outcome unknown: the retry with the key tells.
        services_.commits->unavailable.fetch_add(1, std::memory_order_relaxed);
      } else if (error.reason() != gate::kIdempotentReplay) {
        services_.commits->refused.fetch_add(1, std::memory_order_relaxed);
      }
    }
    co_return answer;
  }

 private:
  // The commit itself; Commit counts its outcome.
  asio::awaitable<Result<Response>> Apply(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
    if (request.body.size() > services_.max_commit_bytes) {
      co_return memstore::LimitExceeded(
          "The commit is " + std::to_string(request.body.size()) + " bytes; the limit is " +
              std::to_string(services_.max_commit_bytes) + " (config max_commit_bytes).",
          "max_commit_bytes", services_.max_commit_bytes);
    }
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    for (const auto& [member, value] : body.items()) {
      // A misspelt "guard" must not commit unguarded unnoticed.
      if (member != "operations" && member != "guards") {
        co_return Status::InvalidArgument("Unknown member '" + member +
                                          "' in a commit (it takes operations and guards).");
      }
    }
    const Json* operations = core::FindMember(body, "operations");
    if (operations == nullptr || !operations->is_array() || operations->empty()) {
      co_return Status::InvalidArgument("Field 'operations' is required: a non-empty array.");
    }
    const size_t max_operations = services_.max_commit_operations;
    if (operations->size() > max_operations) {
      co_return memstore::LimitExceeded(
          "The commit has " + std::to_string(operations->size()) + " operations; the limit is " +
              std::to_string(max_operations) + " (config max_commit_operations).",
          "max_commit_operations", max_operations);
    }
    SB_CO_ASSIGN_OR_RETURN(std::vector<BodyGuard> guards, DecodeGuards(body, max_operations));
    std::vector<store::Staged<std::string>> staged;
    staged.reserve(operations->size());
    std::vector<CommitResource> resources;
    for (size_t i = 0; i < operations->size(); ++i) {
      auto operation = ParseCommitOperation((*operations)[i], universe, services_);
      if (!operation.ok()) co_return AtOperation(std::move(operation).status(), i);
      if (request.grants && !request.grants(operation->scopes,
                                            operation->data_store ? std::optional<std::string_view>(
                                                                        *operation->data_store)
                                                                  : std::nullopt)) {
        std::string names;
        for (auto name : operation->scopes)
          names += (names.empty() ? "" : ", ") + std::string(name);
        co_return AtOperation(
            Status::PermissionDenied("This API key lacks the scope operation " + std::to_string(i) +
                                     " needs (" + names + ") on universe " +
                                     std::to_string(universe) + "."),
            i);
      }
      staged.push_back(std::move(operation->stage));
      resources.push_back(operation->resource);
    }
    // Each operation costs what its single call costs; the gate drew one data-store request.
    std::map<ops::RateFamily, size_t> costs;
    for (CommitResource resource : resources) ++costs[FamilyOf(resource)];
    if (costs[ops::RateFamily::kDataStores] > 0) --costs[ops::RateFamily::kDataStores];
    const auto taken = [](ops::RateFamily family) -> uint32_t {
      return family == ops::RateFamily::kDataStores ? 1 : 0;
    };
    for (auto it = costs.begin(); it != costs.end(); ++it) {
      Status charged =
          ChargeRate(services_, request, universe, it->first, it->second, taken(it->first));
      if (!charged.ok()) {
        // Refused on this family's bucket: what the earlier families gave goes back, so a
        // refused commit costs them nothing (their single calls would still pass).
        const double now = ops::RateLimiterNow();
        for (auto back = costs.begin(); back != it; ++back) {
          services_.limiter->Refund(back->first, request.principal, universe, now,
                                    static_cast<uint32_t>(back->second), taken(back->first));
        }
        co_return charged;
      }
    }
    const core::Clock* clock = services_.clock;
    const size_t max_write = services_.max_commit_write_bytes;
    // The request's own guard (headers) is checked first by the context; then the body's, in
    // order; then every operation, in order. Any failure rolls all of it back.
    std::function<Result<std::string>(store::WriteView&)> mutation =
        [universe, guards = std::move(guards), staged = std::move(staged), clock,
         max_write](store::WriteView& view) -> Result<std::string> {
      const core::Timestamp now = clock->Now();
      // A small body can stage a lot (a patch of a large value, many times): bounded here, as
      // it is staged, so one commit can neither hold the sequencer long nor make a huge write.
      const size_t staged_before = view.StagedBytes();
      auto too_large = [max_write](std::string_view what) {
        return memstore::LimitExceeded("The commit " + std::string(what) + " more than " +
                                           std::to_string(max_write) +
                                           " bytes (config max_commit_write_bytes).",
                                       "max_commit_write_bytes", max_write);
      };
      for (const BodyGuard& guard : guards) {
        SB_RETURN_IF_ERROR(locks::CheckGuard(view, universe, guard.lock_id, guard.token, now));
      }
      std::string results = "{\"results\":[";
      for (size_t i = 0; i < staged.size(); ++i) {
        Result<std::string> result = staged[i](view);
        if (!result.ok()) {
          Status failed = std::move(result).status();
          // A later operation may have seen a revision an earlier one staged, which the
          // failure rolls back: its "current" etag would name a revision that never existed.
          if (i > 0) failed = std::move(failed).WithoutMetadata("currentEtag");
          return AtOperation(std::move(failed), i);
        }
        if (view.StagedBytes() - staged_before > max_write) {
          return AtOperation(too_large("writes"), i);
        }
        if (i > 0) results.push_back(',');
        results.append(*result);
        if (results.size() > max_write) {
          return AtOperation(too_large("answers"), i);
        }
      }
      results.append("]}");
      return results;
    };
    auto respond = write.Respond<std::string>(
        [](const std::string& results) { return http::JsonResponse(200, results); });
    store::WriteContext<std::string> context = respond.context();
    auto committed =
        co_await services_.pipeline->Commit<std::string>(std::move(mutation), std::move(context));
    if (!committed.ok()) co_return committed.status();
    if (CommitCounters* counters = services_.commits) {
      counters->committed.fetch_add(1, std::memory_order_relaxed);
      for (CommitResource resource : resources) counters->Committed(resource);
    }
    co_return respond(*committed);
  }

 public:
  asio::awaitable<Result<Response>> BatchGetEntries(Request& request, bool scoped) {
    datastore::EntryName store;
    SB_CO_ASSIGN_OR_RETURN(store.universe, ParseUniverseId(request.Param("universe")));
    store.data_store = request.Param("dataStore");
    if (scoped) store.scope = request.Param("scope");
    SB_CO_ASSIGN_OR_RETURN(std::vector<std::string> ids, DecodeIds(request));
    SB_CO_RETURN_IF_ERROR(ChargeRate(services_, request, store.universe,
                                     ops::RateFamily::kDataStores, ids.size() - 1, 1));
    SB_CO_ASSIGN_OR_RETURN(auto records, services_.entries->BatchGet(store, ids));
    std::string out = "{\"results\":[";
    datastore::EntryName name = store;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) out.push_back(',');
      if (records[i].ok()) {
        name.key = ids[i];
        out.append("{\"entry\":").append(EntryResourceJson(name, scoped, *records[i]));
        out.push_back('}');
        continue;
      }
      const Status& error = records[i].status();
      Json item = {
          {"id", ids[i]},
          {"error",
           {{"code", error.code() == core::StatusCode::kNotFound ? "NOT_FOUND" : "INTERNAL"},
            {"message", error.message()}}}};
      out.append(core::DumpCompact(item));
    }
    out.append("]}");
    co_return http::JsonResponse(200, std::move(out));
  }

  asio::awaitable<Result<Response>> BatchGetOrdered(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(leaderboard::BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(auto order, ParseSortOrder(request.Query("orderBy").value_or("")));
    SB_CO_ASSIGN_OR_RETURN(std::vector<std::string> ids, DecodeIds(request));
    SB_CO_RETURN_IF_ERROR(ChargeRate(services_, request, board.universe, ops::RateFamily::kOrdered,
                                     ids.size() - 1, 1));
    SB_CO_ASSIGN_OR_RETURN(std::string season,
                           ReadSeason(*services_.leaderboards, request, &board));
    SB_CO_ASSIGN_OR_RETURN(auto answer, services_.leaderboards->BatchRank(board, ids, order));
    std::string tail = "\"totalSize\":" + std::to_string(answer.total) + ",\"missingIds\":";
    tail.append(core::DumpCompact(Json(answer.missing)));
    tail.append(season);
    co_return http::JsonResponse(200, OrderedEntryWriter("ordered-data-stores", board)
                                          .List("orderedDataStoreEntries", answer.entries, tail));
  }

 private:
  const Services& services_;
};

}  // namespace

void RegisterCommitRoutes(gate::RouteTable& table, const Services& services) {
  using gate::RequestWrite;
  using namespace ops::scopes;  // NOLINT: the scope names of api.md §7
  auto routes = std::make_shared<CommitRoutes>(services);
  table.Add({.method = "POST",
             .pattern = "/cloud/v2/universes/{universe}:commit",
             .family = ops::RateFamily::kDataStores,
             .write = [routes](Request& r, RequestWrite& w) { return routes->Commit(r, w); },
             .scopes_per_operation = true});
  for (bool scoped : {false, true}) {
    const std::string pattern =
        std::string("/cloud/v2/universes/{universe}/data-stores/{dataStore}") +
        (scoped ? "/scopes/{scope}" : "") + "/entries:batchGet";
    table.Add({.method = "POST",
               .pattern = pattern,
               .scopes = {kObjectsRead},
               .family = ops::RateFamily::kDataStores,
               .data_store = gate::DataStoreSource::kParam,
               .read = [routes, scoped](Request& r) { return routes->BatchGetEntries(r, scoped); },
               .read_by_post = true});
  }
  table.Add({.method = "POST",
             .pattern = "/cloud/v2/universes/{universe}/ordered-data-stores/{store}/scopes/{scope}/"
                        "entries:batchGet",
             .scopes = {kOrderedRead},
             .family = ops::RateFamily::kOrdered,
             .data_store = gate::DataStoreSource::kParam,
             .read = [routes](Request& r) { return routes->BatchGetOrdered(r); },
             .read_by_post = true});
}

}  // namespace strongbox::api
