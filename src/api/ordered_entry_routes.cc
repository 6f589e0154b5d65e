#include "api/ordered_entry_routes.h"

#include <memory>

#include "api/ordered_fields.h"
#include "api/paging.h"
#include "api/request_fields.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "gate/request_write.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Json;
using core::Result;
using core::Status;
using http::Request;
using http::Response;
using leaderboard::BoardName;
using leaderboard::OrderedEntry;
using leaderboard::RankedEntry;

namespace {

// What differs between v1 and v2: paths, parameter names, the list key and a few status codes.
struct Surface {
  bool v1 = false;
  const char* route_base;   // through /entries
  const char* path_prefix;  // of an entry's "path": universes/{u}/<this>/{store}/…
  const char* list_key;     // the listed entries' member
  const char* page_size;    // query parameter names
  const char* page_token;
  const char* order_by;
  size_t max_page_size;
};

const Surface kV1{true,
                  "/ordered-data-stores/v1/universes/{universe}/orderedDataStores/{store}/scopes/"
                  "{scope}/entries",
                  "orderedDataStores",
                  "entries",
                  "max_page_size",
                  "page_token",
                  "order_by",
                  100};
const Surface kV2{false,
                  "/cloud/v2/universes/{universe}/ordered-data-stores/{store}/scopes/{scope}/"
                  "entries",
                  "ordered-data-stores",
                  "orderedDataStoreEntries",
                  "maxPageSize",
                  "pageToken",
                  "orderBy",
                  1000};

// {"path","writeStrategy","bestOrder","resetSchedule","archiveSeasons"} (api.md §9).
Response SettingsResponse(const BoardName& board, const leaderboard::BoardSettings& settings) {
  Json body = {
      {"path", "universes/" + std::to_string(board.universe) + "/ordered-data-stores/" +
                   core::PercentEncodeSegment(board.store) + "/scopes/" +
                   core::PercentEncodeSegment(board.scope)},
      {"writeStrategy", leaderboard::WriteStrategyName(settings.strategy)},
      {"bestOrder", settings.best_order == leaderboard::SortOrder::kDescending ? "desc" : "asc"},
      {"resetSchedule", settings.reset_schedule},
      {"archiveSeasons", settings.archive_seasons}};
  return http::JsonResponse(200, core::DumpCompact(body));
}

Result<leaderboard::SortOrder> OrderOf(const Request& request, const Surface& surface) {
  return ParseSortOrder(request.Query(surface.order_by).value_or(""));
}

// `before` / `after` of :neighbors: 0–100, absent → 5; more than 100 is coerced to 100.
Result<size_t> NeighborCount(const Request& request, std::string_view name) {
  SB_ASSIGN_OR_RETURN(auto n, QueryInt64(request, name));
  if (!n) return size_t{5};
  if (*n < 0) {
    return Status::InvalidArgument("Query parameter '" + std::string(name) +
                                   "' must be an integer from 0 to 100.");
  }
  return static_cast<size_t>(std::min<int64_t>(*n, 100));
}

class OrderedRoutes {
 public:
  OrderedRoutes(const Services& services, const Surface& surface)
      : services_(services), surface_(surface) {}

  asio::awaitable<Result<Response>> List(Request& request) {
    leaderboard::LeaderboardService::ListQuery query;
    SB_CO_ASSIGN_OR_RETURN(query.board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(query.page_size,
                           QueryPageSize(request, surface_.page_size, 10, surface_.max_page_size));
    SB_CO_ASSIGN_OR_RETURN(query.order, OrderOf(request, surface_));
    const std::string filter(request.Query("filter").value_or(""));
    SB_CO_ASSIGN_OR_RETURN(query.range, ParseValueFilter(filter));
    SB_CO_ASSIGN_OR_RETURN(auto requested, SeasonParam(request));
    // A token is valid only for the same board, order and filter, and carries the season its
    // listing started in: paging on across a reset goes on reading that season (api.md §9).
    const std::string token_query =
        TokenQuery({surface_.v1 ? "ordered v1 (seasons)" : "ordered v2 (seasons)",
                    std::to_string(query.board.universe), query.board.store, query.board.scope,
                    query.order == leaderboard::SortOrder::kAscending ? "asc" : "desc", filter});
    SB_CO_ASSIGN_OR_RETURN(auto resume, ResumeAfter(request, surface_.page_token, token_query));
    std::optional<uint64_t> season_read = requested;
    if (resume) {
      const size_t dot = resume->find('.');
      const auto token_season = core::ParseUint64(std::string_view(*resume).substr(0, dot));
      if (dot == std::string::npos || !token_season) {
        co_return Status::InvalidArgument("Invalid page token.");
      }
      if (requested && *requested != *token_season) {
        co_return Status::InvalidArgument("The page token belongs to season " +
                                          std::to_string(*token_season) + ", not " +
                                          std::to_string(*requested) + ".");
      }
      season_read = token_season;
      query.resume_after = resume->substr(dot + 1);
    }
    SB_CO_ASSIGN_OR_RETURN(auto season,
                           services_.leaderboards->ResolveSeason(&query.board, season_read));
    SB_CO_ASSIGN_OR_RETURN(auto page, services_.leaderboards->List(query));
    std::optional<std::string> next_after;
    if (page.next_after) next_after = std::to_string(query.board.season) + "." + *page.next_after;
    std::string tail = "\"nextPageToken\":";
    core::AppendJsonString(&tail, NextToken(next_after, token_query));
    tail.append(SeasonMembers(season, requested.has_value()));
    co_return http::JsonResponse(200, OrderedEntryWriter(surface_.path_prefix, query.board)
                                          .List(surface_.list_key, page.entries, tail));
  }

  asio::awaitable<Result<Response>> Create(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    auto id = request.Query("id");
    if (!id) co_return Status::InvalidArgument("Query parameter 'id' (the entry id) is required.");
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(int64_t value, RequiredInt64(body, "value"));
    SB_CO_ASSIGN_OR_RETURN(auto extras, DecodeEntryExtras(body));
    SB_CO_ASSIGN_OR_RETURN(extras.season, SeasonParam(request));
    auto respond = EntryResponder(write, board);
    auto created = co_await services_.leaderboards->Create(board, std::string(*id), value,
                                                           respond.context(), std::move(extras));
    // v1 answers a create on an existing entry with 400 (api.md §4); v2 with 409.
    if (surface_.v1 && created.status().code() == core::StatusCode::kAlreadyExists) {
      co_return Status::InvalidArgument(created.status().message());
    }
    SB_CO_ASSIGN_OR_RETURN(OrderedEntry entry, std::move(created));
    co_return respond(entry);
  }

  asio::awaitable<Result<Response>> Get(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(std::string season_members, Season(request, &board));
    SB_CO_ASSIGN_OR_RETURN(OrderedEntry entry,
                           services_.leaderboards->Get(board, request.Param("entry")));
    std::string body;
    OrderedEntryWriter(surface_.path_prefix, board)
        .Append(&body, entry.id, entry.value, std::nullopt, std::nullopt, season_members,
                entry.subscore, entry.metadata);
    co_return http::JsonResponse(200, std::move(body));
  }

  asio::awaitable<Result<Response>> Update(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    // v1 spells it allow_missing, v2 allowMissing; live clients also send allowIfMissing.
    bool allow_missing = false;
    for (const char* name : {"allow_missing", "allowMissing", "allowIfMissing"}) {
      SB_CO_ASSIGN_OR_RETURN(bool allowed, QueryBool(request, name, false));
      allow_missing = allow_missing || allowed;
    }
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(int64_t value, RequiredInt64(body, "value"));
    SB_CO_ASSIGN_OR_RETURN(auto extras, DecodeEntryExtras(body));
    SB_CO_ASSIGN_OR_RETURN(extras.season, SeasonParam(request));
    auto respond = EntryResponder(write, board);
    SB_CO_ASSIGN_OR_RETURN(
        OrderedEntry entry,
        co_await services_.leaderboards->Update(board, request.Param("entry"), value, allow_missing,
                                                respond.context(), std::move(extras)));
    co_return respond(entry);
  }

  asio::awaitable<Result<Response>> Increment(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(int64_t amount, RequiredInt64(body, "amount"));
    SB_CO_ASSIGN_OR_RETURN(auto extras, DecodeEntryExtras(body));
    SB_CO_ASSIGN_OR_RETURN(extras.season, SeasonParam(request));
    auto respond = EntryResponder(write, board);
    SB_CO_ASSIGN_OR_RETURN(OrderedEntry entry, co_await services_.leaderboards->Increment(
                                                   board, request.Param("entry"), amount,
                                                   respond.context(), std::move(extras)));
    co_return respond(entry);
  }

  asio::awaitable<Result<Response>> Delete(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    leaderboard::EntryExtras extras;
    SB_CO_ASSIGN_OR_RETURN(extras.season, SeasonParam(request));
    auto respond = write.Respond<OrderedEntry>(
        [](const OrderedEntry&) { return http::JsonResponse(200, "{}"); });
    // v1 answers 200 for a missing entry; v2 404.
    SB_CO_ASSIGN_OR_RETURN(OrderedEntry entry, co_await services_.leaderboards->Delete(
                                                   board, request.Param("entry"), surface_.v1,
                                                   respond.context(), std::move(extras)));
    co_return respond(entry);
  }

  asio::awaitable<Result<Response>> Rank(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(auto order, OrderOf(request, surface_));
    SB_CO_ASSIGN_OR_RETURN(std::string season_members, Season(request, &board));
    SB_CO_ASSIGN_OR_RETURN(auto answer,
                           services_.leaderboards->Rank(board, request.Param("entry"), order));
    std::string body;
    OrderedEntryWriter(surface_.path_prefix, board)
        .Append(&body, answer.entry.id, answer.entry.value, answer.entry.rank, answer.total,
                season_members, answer.entry.subscore, answer.entry.metadata);
    co_return http::JsonResponse(200, std::move(body));
  }

  asio::awaitable<Result<Response>> Neighbors(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(auto order, OrderOf(request, surface_));
    SB_CO_ASSIGN_OR_RETURN(size_t before, NeighborCount(request, "before"));
    SB_CO_ASSIGN_OR_RETURN(size_t after, NeighborCount(request, "after"));
    SB_CO_ASSIGN_OR_RETURN(std::string season_members, Season(request, &board));
    SB_CO_ASSIGN_OR_RETURN(auto around, services_.leaderboards->Neighbors(
                                            board, request.Param("entry"), order, before, after));
    co_return http::JsonResponse(
        200, OrderedEntryWriter(surface_.path_prefix, board)
                 .List(surface_.list_key, around.entries,
                       "\"totalSize\":" + std::to_string(around.total) + season_members));
  }

  // GET/PATCH …/scopes/{scope}:settings (api.md §9): the board's write strategy.
  asio::awaitable<Result<Response>> GetSettings(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(auto settings, services_.leaderboards->Settings(board));
    co_return SettingsResponse(board, settings);
  }

  asio::awaitable<Result<Response>> PatchSettings(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    leaderboard::LeaderboardService::SettingsChange change;
    SB_CO_ASSIGN_OR_RETURN(auto strategy, core::GetOptionalString(body, "writeStrategy"));
    if (strategy) {
      SB_CO_ASSIGN_OR_RETURN(change.strategy, leaderboard::ParseWriteStrategy(*strategy));
    }
    SB_CO_ASSIGN_OR_RETURN(auto best_order, core::GetOptionalString(body, "bestOrder"));
    if (best_order) {
      if (*best_order != "desc" && *best_order != "asc") {
        co_return Status::InvalidArgument("bestOrder must be \"desc\" or \"asc\".");
      }
      change.best_order = *best_order == "desc" ? leaderboard::SortOrder::kDescending
                                                : leaderboard::SortOrder::kAscending;
    }
    SB_CO_ASSIGN_OR_RETURN(change.reset_schedule, core::GetOptionalString(body, "resetSchedule"));
    SB_CO_ASSIGN_OR_RETURN(auto archive, core::GetOptionalInt64(body, "archiveSeasons"));
    if (archive) {
      if (*archive < 0 || *archive > UINT32_MAX) {
        co_return Status::InvalidArgument("archiveSeasons must be a whole number from 0.");
      }
      change.archive_seasons = static_cast<uint32_t>(*archive);
    }
    auto respond = write.Respond<leaderboard::BoardSettings>(
        [board](const leaderboard::BoardSettings& s) { return SettingsResponse(board, s); });
    SB_CO_ASSIGN_OR_RETURN(auto settings, co_await services_.leaderboards->UpdateSettings(
                                              board, change, respond.context()));
    co_return respond(settings);
  }

  // GET …/scopes/{scope}:seasons (api.md §9): the live season, then the readable archives.
  asio::awaitable<Result<Response>> Seasons(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(auto seasons, services_.leaderboards->Seasons(board));
    Json list = Json::array();
    for (const auto& season : seasons) {
      Json item = {{"seasonId", std::to_string(season.span.id)}, {"totalSize", season.total}};
      if (season.span.start_known()) item["startTime"] = core::FormatRfc3339(season.span.start);
      if (season.span.end) item["endTime"] = core::FormatRfc3339(*season.span.end);
      list.push_back(std::move(item));
    }
    co_return http::JsonResponse(200, core::DumpCompact(Json{{"seasons", std::move(list)}}));
  }

  asio::awaitable<Result<Response>> Count(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(BoardName board, BoardFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(auto range, ParseValueFilter(request.Query("filter").value_or("")));
    SB_CO_ASSIGN_OR_RETURN(std::string season_members, Season(request, &board));
    SB_CO_ASSIGN_OR_RETURN(size_t count, services_.leaderboards->Count(board, range));
    co_return http::JsonResponse(200,
                                 "{\"totalSize\":" + std::to_string(count) + season_members + "}");
  }

 private:
  // Resolves the `season` parameter on `board` (api.md §9; 404 for a season not readable) and
  // gives the answer's season members (SeasonMembers).
  Result<std::string> Season(const Request& request, BoardName* board) const {
    return ReadSeason(*services_.leaderboards, request, board);
  }

  // The responder of a write whose answer is the entry.
  gate::RequestWrite::Responder<OrderedEntry> EntryResponder(gate::RequestWrite& write,
                                                             const BoardName& board) const {
    return write.Respond<OrderedEntry>(
        [writer = OrderedEntryWriter(surface_.path_prefix, board)](const OrderedEntry& e) {
          return http::JsonResponse(200, writer.Entry(e));
        });
  }

  const Services& services_;
  const Surface& surface_;
};

void RegisterSurface(gate::RouteTable& table, const Services& services, const Surface& surface) {
  using gate::RequestWrite;
  using ops::scopes::kOrderedRead;
  using ops::scopes::kOrderedWrite;
  auto routes = std::make_shared<OrderedRoutes>(services, surface);
  const std::string base = surface.route_base;
  const std::string item = base + "/{entry}";
  auto add = [&table](std::string method, std::string pattern, std::string_view scope,
                      http::Handler read, gate::WriteHandler write = {}) {
    table.Add({.method = std::move(method),
               .pattern = std::move(pattern),
               .scopes = {scope},
               .family = ops::RateFamily::kOrdered,
               .data_store = gate::DataStoreSource::kParam,
               .read = std::move(read),
               .write = std::move(write)});
  };
  add("GET", base, kOrderedRead, [routes](Request& r) { return routes->List(r); });
  add("POST", base, kOrderedWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->Create(r, w); });
  add("GET", item, kOrderedRead, [routes](Request& r) { return routes->Get(r); });
  add("PATCH", item, kOrderedWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->Update(r, w); });
  add("DELETE", item, kOrderedWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->Delete(r, w); });
  add("POST", item + ":increment", kOrderedWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->Increment(r, w); });
  if (surface.v1) return;
  add("GET", item + ":rank", kOrderedRead, [routes](Request& r) { return routes->Rank(r); });
  add("GET", item + ":neighbors", kOrderedRead,
      [routes](Request& r) { return routes->Neighbors(r); });
  add("GET", base + ":count", kOrderedRead, [routes](Request& r) { return routes->Count(r); });
  // The board itself: …/scopes/{scope}:settings.
  const std::string board = base.substr(0, base.size() - std::string("/entries").size());
  add("GET", board + ":settings", kOrderedRead,
      [routes](Request& r) { return routes->GetSettings(r); });
  add("PATCH", board + ":settings", kOrderedWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->PatchSettings(r, w); });
  add("GET", board + ":seasons", kOrderedRead, [routes](Request& r) { return routes->Seasons(r); });
}

}  // namespace

void RegisterOrderedEntryRoutes(gate::RouteTable& routes, const Services& services) {
  RegisterSurface(routes, services, kV1);
  RegisterSurface(routes, services, kV2);
}

}  // namespace strongbox::api
