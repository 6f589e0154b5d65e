#pragma once

// Seasons of a leaderboard with a reset schedule (api.md §9, proto-docs/leaderboard-seasons.md).
//
// A season is a number. The live one is a pure function of the board's settings (the schedule,
// when it took effect, the season live then and its start) and of the clock: season
// `first_season` runs from `first_season_start` to the schedule's first fire time after it took
// effect, and each later fire time starts the next season. Every node and every restart computes
// the same season, so no job runs at a reset: the new season's rows live under a new key prefix
// (ordered_entry.h) and start empty — a reset costs nothing on the request path.
//
// Each season that was written to has a catalog row (SeasonRowKey → {start, end}), written by
// its first write (or by the settings change that started a schedule), from which finished
// seasons are listed and their times answered.
//
// Thread safety: the functions are pure; SeasonClock may be used from any thread.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/schedule.h"
#include "core/status.h"
#include "leaderboard/board_settings.h"
#include "leaderboard/ordered_entry.h"

namespace strongbox::leaderboard {

struct SeasonSpan {
  uint64_t id = 0;
  core::Timestamp start;  // the Unix epoch when unknown (see start_known)
  // The live season's next reset, or when a finished season ended; nullopt when no reset is
  // scheduled (the season lasts until a schedule is set).
  std::optional<core::Timestamp> end;

  // False for a board's first season when it had no schedule yet: nothing recorded its start.
  bool start_known() const { return core::ToUnixNanos(start) != 0; }
};

// The season live at `now` under `settings`, iterating fire times from when the schedule took
// effect (a clock set before that reads as the first season). kInvalidArgument when the stored
// schedule no longer parses (never, for what the settings route accepts).
core::Result<SeasonSpan> LiveSeasonAt(const BoardSettings& settings, core::Timestamp now);

// LiveSeasonAt, remembered per board, so a cron schedule set long ago is walked once per
// process rather than on every request: later calls continue from the cached season.
class SeasonClock {
 public:
  explicit SeasonClock(const core::Clock* clock) : clock_(clock) {}
  const core::Clock& clock() const { return *clock_; }
  // `board_id`: any stable name of the board (its settings key). `now`: the instant to decide
  // at (a mutation's WriteView::Now); the clock when absent.
  core::Result<SeasonSpan> Live(const std::string& board_id, const BoardSettings& settings,
                                std::optional<core::Timestamp> now = std::nullopt) const;

 private:
  struct Cursor {
    int64_t set_at_ns = 0;
    std::string schedule_text;
    SeasonSpan span;
    // The season before `span`, when known: a write's pinned instant (WriteView::Now) may be a
    // little older than the reader's that moved the cursor on, and must not walk from the start.
    std::optional<SeasonSpan> previous;
  };
  const core::Clock* clock_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Cursor> cursors_;  // guarded by mu_
};

// The catalog row of one season of `board` (board.season), and its prefix for all seasons.
std::string SeasonRowKey(const BoardName& board);
std::string SeasonRowPrefix(const BoardName& board);
// Reads the season number back from a key under SeasonRowPrefix; false when malformed.
bool ParseSeasonRowKey(std::string_view key, std::string_view prefix, uint64_t* season);

std::string EncodeSeasonRow(const SeasonSpan& span);
core::Result<SeasonSpan> DecodeSeasonRow(uint64_t season, std::string_view bytes);

}  // namespace strongbox::leaderboard
