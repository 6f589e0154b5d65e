#pragma once

// Schedule: when a recurring event happens, in UTC — the leaderboard reset schedule of api.md
// §9 (issue #18). Two forms:
//
//   cron      five fields "minute hour day-of-month month day-of-week" as Vixie cron reads them:
//             `*`, `N`, `A-B`, `*/S`, `A-B/S`, `N/S` (from N to the field's end) and comma lists;
//             minute 0–59, hour 0–23, day 1–31, month 1–12, weekday 0–7 (0 and 7 are Sunday).
//             When both day fields are restricted, a day matches if either does; when either
//             starts with `*` (`*/2` too), both must (Vixie cron's rule).
//             Shorthands: @hourly, @daily (= @midnight), @weekly (Sunday), @monthly, @yearly
//             (= @annually).
//   interval  "@every <duration>" (e.g. "@every 24h", "@every 90m"; at least 1 second — the
//             leaderboard's config raises that floor —, at most 366 days), at multiples of the
//             interval since the Unix epoch, so every node and every restart computes the same
//             boundaries without storing a start.
//
// There is no Debian package of a C++ cron parser, hence this small one (design.md: outside what
// Strongbox exists for, a packaged library first; none exists here).
// Thread safety: a value; the functions are pure.

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace strongbox::core {

struct Schedule {
  std::string text;                   // as given, for answers
  std::chrono::nanoseconds every{0};  // interval form when > 0; else the cron fields below
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;     // 1–31
  std::bitset<13> months;   // 1–12
  std::bitset<7> weekdays;  // 0–6, Sunday = 0
  bool any_day = true;      // day-of-month starts with `*` (`*` or `*/S`)
  bool any_weekday = true;  // day-of-week starts with `*`
};

// kInvalidArgument naming what is wrong (field count, a value out of range, a step of 0, a
// schedule that never fires, like "0 0 30 2 *").
Result<Schedule> ParseSchedule(std::string_view text);

// The first time strictly after `after` at which the schedule fires; nullopt if none within
// the next 28 years (a parsed schedule always has one).
std::optional<Timestamp> NextFireAfter(const Schedule& schedule, Timestamp after);

}  // namespace strongbox::core
