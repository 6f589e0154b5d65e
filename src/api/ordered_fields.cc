#include "api/ordered_fields.h"

#include <string>

#include "api/request_fields.h"
#include "core/names.h"
#include "core/strings.h"
#include "core/time_format.h"

namespace strongbox::api {

using core::Result;
using core::Status;

Result<leaderboard::SortOrder> ParseSortOrder(std::string_view text) {
  const std::string order = core::ToLowerAscii(text);
  if (order.empty() || order == "asc" || order == "value" || order == "value asc") {
    return leaderboard::SortOrder::kAscending;
  }
  if (order == "desc" || order == "value desc") return leaderboard::SortOrder::kDescending;
  return Status::InvalidArgument(
      "Invalid order; use \"value\" (ascending, the default) or \"value desc\" (\"asc\" and "
      "\"desc\" also work).");
}

namespace {

// One clause of an ordered filter: `entry >= N` or `entry <= N`, with any whitespace (or none)
// between the tokens. Consumes it from `rest`; false when `rest` does not start with one.
bool TakeClause(std::string_view* rest, bool* is_lower, int64_t* bound) {
  auto skip_space = [rest] {
    while (!rest->empty() && (rest->front() == ' ' || rest->front() == '\t'))
      rest->remove_prefix(1);
  };
  skip_space();
  if (rest->substr(0, 5) != "entry") return false;
  rest->remove_prefix(5);
  skip_space();
  const std::string_view op = rest->substr(0, 2);
  if (op != ">=" && op != "<=") return false;
  *is_lower = op == ">=";
  rest->remove_prefix(2);
  skip_space();
  size_t end = 0;
  while (end < rest->size() && (*rest)[end] != ' ' && (*rest)[end] != '\t' && (*rest)[end] != '&') {
    ++end;
  }
  const core::WholeNumber n = core::ParseWholeNumber(rest->substr(0, end));
  if (n.error) return false;
  *bound = n.value;
  rest->remove_prefix(end);
  skip_space();
  return true;
}

}  // namespace

Result<leaderboard::ValueRange> ParseValueFilter(std::string_view text) {
  leaderboard::ValueRange range;
  if (text.empty()) return range;
  const Status bad = Status::InvalidArgument(
      "Invalid filter; the accepted forms are \"entry >= N\", \"entry <= N\" and "
      "\"entry >= N && entry <= N\" (the two clauses in either order, whitespace between "
      "tokens optional, N a 64-bit integer).");
  std::string_view rest = text;
  bool is_lower = false;
  int64_t bound = 0;
  if (!TakeClause(&rest, &is_lower, &bound)) return bad;
  (is_lower ? range.min : range.max) = bound;
  if (rest.empty()) return range;
  if (rest.substr(0, 2) != "&&") return bad;
  rest.remove_prefix(2);
  bool second_is_lower = false;
  if (!TakeClause(&rest, &second_is_lower, &bound) || !rest.empty()) return bad;
  // One lower and one upper bound: `entry >= 1 && entry >= 2` is not a range.
  if (second_is_lower == is_lower) return bad;
  (second_is_lower ? range.min : range.max) = bound;
  return range;
}

Result<int64_t> RequiredInt64(const core::Json& body, std::string_view name) {
  // A fraction or an out-of-range number says so; only a missing field is "required".
  SB_ASSIGN_OR_RETURN(auto value, core::GetOptionalInt64(body, name));
  if (value) return *value;
  return Status::InvalidArgument(
      "Field '" + std::string(name) +
      "' is required: an integer from -9223372036854775808 to 9223372036854775807.");
}

Result<leaderboard::EntryExtras> DecodeEntryExtras(const core::Json& body) {
  leaderboard::EntryExtras extras;
  SB_ASSIGN_OR_RETURN(extras.subscore, core::GetOptionalInt64(body, "subscore"));
  const core::Json* metadata = core::FindMember(body, "metadata");
  if (metadata != nullptr && !metadata->is_null()) {
    if (!metadata->is_object()) {
      return Status::InvalidArgument("Field 'metadata' must be a JSON object.");
    }
    extras.metadata = metadata->empty() ? std::string() : core::DumpCompact(*metadata);
  }
  return extras;
}

Result<leaderboard::BoardName> BoardFromPath(const http::Request& request) {
  leaderboard::BoardName board;
  SB_ASSIGN_OR_RETURN(board.universe, core::ParseUniverseId(request.Param("universe")));
  board.store = request.Param("store");
  board.scope = request.Param("scope");
  return board;
}

Result<std::optional<uint64_t>> SeasonParam(const http::Request& request) {
  // Any whole-number spelling, as every integer parameter (api.md §1).
  SB_ASSIGN_OR_RETURN(auto season, QueryInt64(request, "season"));
  if (!season) return std::optional<uint64_t>();
  if (*season < 0) {
    return Status::InvalidArgument("Query parameter 'season' must be a season number (seasonId).");
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(*season));
}

Result<std::string> ReadSeason(const leaderboard::LeaderboardService& boards,
                               const http::Request& request, leaderboard::BoardName* board) {
  SB_ASSIGN_OR_RETURN(auto requested, SeasonParam(request));
  SB_ASSIGN_OR_RETURN(auto season, boards.ResolveSeason(board, requested));
  return SeasonMembers(season, requested.has_value());
}

namespace {

void AppendSeason(std::string* out, const leaderboard::SeasonSpan& span, bool live) {
  out->append(",\"seasonId\":\"").append(std::to_string(span.id)).append("\"");
  if (span.start_known()) {
    out->append(",\"seasonStartTime\":");
    core::AppendJsonString(out, core::FormatRfc3339(span.start));
  }
  if (span.end) {
    out->append(live ? ",\"nextResetTime\":" : ",\"seasonEndTime\":");
    core::AppendJsonString(out, core::FormatRfc3339(*span.end));
  }
}

}  // namespace

std::string SeasonMembers(const leaderboard::LeaderboardService::SeasonAnswer& season,
                          bool requested) {
  std::string out;
  if (season.has_seasons || requested) AppendSeason(&out, season.span, season.live);
  return out;
}

std::string OrderedEntryWriter::Entry(const leaderboard::OrderedEntry& entry) const {
  std::string extra;
  if (entry.season) AppendSeason(&extra, *entry.season, true);
  std::string out;
  Append(&out, entry.id, entry.value, std::nullopt, std::nullopt, extra, entry.subscore,
         entry.metadata);
  return out;
}

}  // namespace strongbox::api
