#pragma once

// BoardSettings: how a leaderboard takes writes (api.md §9, issue #18) — its write strategy and,
// for `best`, which way is better. Stored per board in the catalog column family
// (proto-docs/storage-format.md: kind "leaderboard-settings", then store and scope); a board
// with no row has the defaults, today's behaviour.
//
// Strategies (Unity Leaderboards / PlayFab statistic aggregations, Nakama operators):
//   set     the value written replaces the stored one (the default);
//   best    the better of the stored value and the one written is kept: higher for
//           best_order descending (the default), lower for ascending — "keep my best score"
//           without a read-modify-write;
//   sum     a value written is added to the stored one (a missing entry starts from 0);
//   latest  as set, but every write is a new arrival, so among equal values the latest
//           submission ranks last (under set, rewriting the same value keeps the place).
// `:increment` adds its amount under every strategy; under best the sum is kept only if it is
// better. Thread safety: values; the functions are pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "leaderboard/ordered_entry.h"
#include "leaderboard/rank_index.h"

namespace strongbox::leaderboard {

enum class WriteStrategy { kSet, kBest, kSum, kLatest };

struct BoardSettings {
  WriteStrategy strategy = WriteStrategy::kSet;
  SortOrder best_order = SortOrder::kDescending;  // which way `best` keeps
  // Seasons (board_seasons.h): the reset schedule as given (core::Schedule; "" = none) and its
  // anchor — when it took effect or, for cron, the start of the latest season with a write —,
  // the season live at the anchor and when that season started (ns since the Unix epoch), and
  // how many finished seasons stay readable.
  std::string reset_schedule;
  int64_t schedule_set_at_ns = 0;
  uint64_t first_season = 0;
  int64_t first_season_start_ns = 0;
  uint32_t archive_seasons = 0;
  // Seasons below this are gone for good, whatever archive_seasons says later: a season that
  // once left retention never comes back (its rows may be half reclaimed).
  uint64_t first_kept_season = 0;
};

// "set", "best", "sum", "latest"; kInvalidArgument for anything else.
core::Result<WriteStrategy> ParseWriteStrategy(std::string_view text);
std::string_view WriteStrategyName(WriteStrategy strategy);

// The catalog key of a board's settings row.
std::string BoardSettingsKey(const BoardName& board);

// Format 1: strategy and best order only (before seasons); format 2 adds the season fields.
// Both are read; format 2 is written.
inline constexpr uint8_t kBoardSettingsFormat = 2;
std::string EncodeBoardSettings(const BoardSettings& settings);
core::Result<BoardSettings> DecodeBoardSettings(std::string_view bytes);

// What a write gives beyond the value (api.md §9); an absent member keeps the entry's own.
struct EntryExtras {
  std::optional<int64_t> subscore;
  std::optional<std::string> metadata;  // a compact JSON object; "" removes it
  // The season the write must land in (season= on a write, api.md §9): another live season
  // fails the write — 400 SEASON_ENDED for an earlier one, 404 for one not begun.
  std::optional<uint64_t> season;
};

// The record a write leaves (arrival not set): a submission of `value` (create, update, a
// transaction's set) or, with `increment`, `:increment` by `value`: set and latest store the
// value, sum adds it, an increment adds to the stored value (kInvalidArgument
// VALUE_OUT_OF_RANGE on overflow); the subscore and metadata are the write's or the entry's own.
// Under `best`, the write's score (value, subscore) replaces the stored one only if it is better,
// and then its metadata comes with it; otherwise the entry is left exactly as it was.
core::Result<OrderedRecord> NextRecord(const BoardSettings& settings,
                                       const std::optional<OrderedRecord>& current, int64_t value,
                                       bool increment, const EntryExtras& extras);

}  // namespace strongbox::leaderboard
