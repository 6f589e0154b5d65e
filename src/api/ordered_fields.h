#pragma once

// Request fields of the ordered data store calls (api.md §4): sort order, value filter and
// int64 values. Each error is a 400 that says what is accepted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "core/status.h"
#include "core/strings.h"
#include "http/message.h"
#include "leaderboard/leaderboard_service.h"

namespace strongbox::api {

// "", "asc", "desc", "value", "value asc", "value desc" (any case; v1 clients send the short
// forms, v2 clients the long ones). Empty is ascending.
core::Result<leaderboard::SortOrder> ParseSortOrder(std::string_view text);

// `entry >= N`, `entry <= N`, or one of each joined by `&&` in either order (api.md §4), with
// any spaces or tabs (or none) between tokens and N a whole number in int64 (5, 5.0, 1e3); ""
// is no filter. Anything else → 400 listing the accepted forms. No recursion: two clauses at
// most are read, left to right.
core::Result<leaderboard::ValueRange> ParseValueFilter(std::string_view text);

// A required int64 field: a JSON integer, or a decimal string (proto3 JSON writes int64 so).
// Fractions, other types and values outside int64 → 400, never a rounded or wrapped value.
core::Result<int64_t> RequiredInt64(const core::Json& body, std::string_view name);

// The optional members of an ordered entry write (api.md §9): "subscore" (an int64, as
// RequiredInt64 reads it) and "metadata" (a JSON object; {} removes it), stored compact.
// Anything else in their place → 400.
core::Result<leaderboard::EntryExtras> DecodeEntryExtras(const core::Json& body);

// The board a route's {universe}, {store} and {scope} name (season 0 until resolved).
core::Result<leaderboard::BoardName> BoardFromPath(const http::Request& request);

// The `season` query parameter (api.md §9): a season number, absent → nullopt (the live one
// for a read; for a write, any season). Any whole-number spelling (api.md §1); anything else, or
// a negative number → 400.
core::Result<std::optional<uint64_t>> SeasonParam(const http::Request& request);

// A read's `season` parameter resolved on `board` (which then names that season; api.md §9: 404
// for a season not readable), as the answer's season members (SeasonMembers).
core::Result<std::string> ReadSeason(const leaderboard::LeaderboardService& boards,
                                     const http::Request& request, leaderboard::BoardName* board);

// The season members of an answer, each preceded by a comma, ready for a hand-written object:
// "seasonId" (a decimal string), "seasonStartTime", and "nextResetTime" for the live season
// or "seasonEndTime" for a finished one (RFC 3339, UTC; absent when there is none). Empty when
// the board has no seasons and none was asked for.
std::string SeasonMembers(const leaderboard::LeaderboardService::SeasonAnswer& season,
                          bool requested);

// Responses are written by hand rather than through a JSON DOM: a top-100 page is 100 of these,
// and the DOM round trip cost a third of its throughput.
class OrderedEntryWriter {
 public:
  // `surface_prefix`: "orderedDataStores" (v1) or "ordered-data-stores" (v2).
  OrderedEntryWriter(std::string_view surface_prefix, const leaderboard::BoardName& board)
      : path_prefix_("universes/" + std::to_string(board.universe) + "/" +
                     std::string(surface_prefix) + "/" + core::PercentEncodeSegment(board.store) +
                     "/scopes/" + core::PercentEncodeSegment(board.scope) + "/entries/") {}

  // {"path","id","value"[,"subscore"][,"metadata"][,"rank"][,"totalSize"]<extra>}: subscore
  // when not 0 and metadata when set, so a board that uses neither answers as api.md §4
  // shapes it. `extra`: more members, each preceded by a comma (SeasonMembers).
  void Append(std::string* out, const std::string& id, int64_t value,
              std::optional<size_t> rank = std::nullopt, std::optional<size_t> total = std::nullopt,
              std::string_view extra = {}, int64_t subscore = 0,
              std::string_view metadata = {}) const {
    out->append("{\"path\":");
    core::AppendJsonString(out, path_prefix_ + core::PercentEncodeSegment(id));
    out->append(",\"id\":");
    core::AppendJsonString(out, id);
    out->append(",\"value\":").append(std::to_string(value));
    if (subscore != 0) out->append(",\"subscore\":").append(std::to_string(subscore));
    if (!metadata.empty()) out->append(",\"metadata\":").append(metadata);
    if (rank) out->append(",\"rank\":").append(std::to_string(*rank));
    if (total) out->append(",\"totalSize\":").append(std::to_string(*total));
    out->append(extra);
    out->push_back('}');
  }
  // A write's answer: the entry, and the season it landed in on a board with seasons.
  std::string Entry(const leaderboard::OrderedEntry& entry) const;
  // {"<list_key>":[…ranked entries…],<tail>}; `tail` is the rest of the object, already JSON.
  std::string List(const char* list_key, const std::vector<leaderboard::RankedEntry>& entries,
                   const std::string& tail) const {
    std::string out = "{";
    core::AppendJsonString(&out, list_key);
    out.append(":[");
    out.reserve(entries.size() * (path_prefix_.size() + 64));
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out.push_back(',');
      Append(&out, entries[i].id, entries[i].value, entries[i].rank, std::nullopt, {},
             entries[i].subscore, entries[i].metadata);
    }
    out.append("],").append(tail).push_back('}');
    return out;
  }

 private:
  std::string path_prefix_;
};

}  // namespace strongbox::api
