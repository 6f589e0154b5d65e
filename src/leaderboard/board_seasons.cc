#include "leaderboard/board_seasons.h"

#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::leaderboard {

using core::Result;
using core::Status;
using core::Timestamp;

namespace {

constexpr std::string_view kCatalogKindSeason = "leaderboard-season";
constexpr uint8_t kSeasonRowFormat = 1;

// The season `first_season` as it stood when the schedule took effect.
SeasonSpan FirstSeason(const BoardSettings& settings, const core::Schedule* schedule) {
  SeasonSpan span;
  span.id = settings.first_season;
  span.start = core::FromUnixNanos(settings.first_season_start_ns);
  if (schedule) {
    span.end = core::NextFireAfter(*schedule, core::FromUnixNanos(settings.schedule_set_at_ns));
  }
  return span;
}

// Moves `span` forward to the season that holds `now`. An interval schedule jumps there in one
// step; cron walks its fire times. Returns the season before the one reached, when it moved.
std::optional<SeasonSpan> Advance(const core::Schedule& schedule, SeasonSpan* span, Timestamp now) {
  if (!span->end || now < *span->end) return std::nullopt;
  if (schedule.every.count() > 0) {
    const int64_t skipped = (now - *span->end) / schedule.every;  // whole intervals past the end
    // With none skipped the season before is the one `span` held, which may be shorter than an
    // interval (a board's first season starts when the board did, not on an interval).
    SeasonSpan previous = *span;
    span->id += static_cast<uint64_t>(skipped) + 1;
    span->start = *span->end + skipped * schedule.every;
    span->end = span->start + schedule.every;
    if (skipped > 0) previous = SeasonSpan{span->id - 1, span->start - schedule.every, span->start};
    return previous;
  }
  SeasonSpan previous;
  while (span->end && *span->end <= now) {
    previous = *span;
    ++span->id;
    span->start = *span->end;
    span->end = core::NextFireAfter(schedule, span->start);
  }
  previous.end = span->start;
  return previous;
}

bool SameSchedule(const BoardSettings& settings, int64_t set_at_ns, const std::string& text) {
  return set_at_ns == settings.schedule_set_at_ns && text == settings.reset_schedule;
}

}  // namespace

Result<SeasonSpan> LiveSeasonAt(const BoardSettings& settings, Timestamp now) {
  if (settings.reset_schedule.empty()) return FirstSeason(settings, nullptr);
  SB_ASSIGN_OR_RETURN(core::Schedule schedule, core::ParseSchedule(settings.reset_schedule));
  SeasonSpan span = FirstSeason(settings, &schedule);
  Advance(schedule, &span, now);
  return span;
}

Result<SeasonSpan> SeasonClock::Live(const std::string& board_id, const BoardSettings& settings,
                                     std::optional<Timestamp> at) const {
  const Timestamp now = at ? *at : clock_->Now();
  if (settings.reset_schedule.empty()) return LiveSeasonAt(settings, now);
  std::optional<SeasonSpan> from;  // where to walk from, when the cursor is behind `now`
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cursors_.find(board_id);
    if (it != cursors_.end() &&
        SameSchedule(settings, it->second.set_at_ns, it->second.schedule_text)) {
      const Cursor& cursor = it->second;
      if (cursor.span.start <= now) {
        if (!cursor.span.end || now < *cursor.span.end) return cursor.span;
        from = cursor.span;
      } else if (cursor.previous && cursor.previous->start <= now) {
        return *cursor.previous;  // a pinned instant just before the cursor's reset
      }
    }
  }
  // Parsing and walking happen outside the lock; the cursor is only ever moved forward.
  SB_ASSIGN_OR_RETURN(core::Schedule schedule, core::ParseSchedule(settings.reset_schedule));
  SeasonSpan span = from ? *from : FirstSeason(settings, &schedule);
  std::optional<SeasonSpan> previous = Advance(schedule, &span, now);
  std::lock_guard<std::mutex> lock(mu_);
  Cursor& cursor = cursors_[board_id];
  if (!SameSchedule(settings, cursor.set_at_ns, cursor.schedule_text) || cursor.span.id < span.id) {
    cursor = Cursor{settings.schedule_set_at_ns, settings.reset_schedule, span, previous};
  }
  return span;
}

std::string SeasonRowPrefix(const BoardName& board) {
  return BoardCatalogKey(board, kCatalogKindSeason);
}

std::string SeasonRowKey(const BoardName& board) {
  std::string k = SeasonRowPrefix(board);
  store::PutKeyUint64(&k, board.season);
  return k;
}

bool ParseSeasonRowKey(std::string_view key, std::string_view prefix, uint64_t* season) {
  if (key.substr(0, prefix.size()) != prefix) return false;
  key.remove_prefix(prefix.size());
  return store::GetKeyUint64(&key, season) && key.empty();
}

std::string EncodeSeasonRow(const SeasonSpan& span) {
  std::string out(1, static_cast<char>(kSeasonRowFormat));
  store::PutVarsint64(&out, core::ToUnixNanos(span.start));
  store::PutVarint64(&out, span.end ? 1 : 0);
  store::PutVarsint64(&out, span.end ? core::ToUnixNanos(*span.end) : 0);
  return out;
}

Result<SeasonSpan> DecodeSeasonRow(uint64_t season, std::string_view bytes) {
  uint8_t format = 0;
  int64_t start = 0, end = 0;
  uint64_t has_end = 0;
  if (!store::GetByte(&bytes, &format) || format != kSeasonRowFormat ||
      !store::GetVarsint64(&bytes, &start) || !store::GetVarint64(&bytes, &has_end) ||
      !store::GetVarsint64(&bytes, &end) || !bytes.empty() || has_end > 1) {
    return Status::Internal("corrupt leaderboard season record");
  }
  SeasonSpan span;
  span.id = season;
  span.start = core::FromUnixNanos(start);
  if (has_end) span.end = core::FromUnixNanos(end);
  return span;
}

}  // namespace strongbox::leaderboard
