#include "core/schedule.h"

#include <charconv>
#include <vector>

namespace strongbox::core {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

Status Invalid(std::string why) {
  return Status::InvalidArgument("Invalid reset schedule: " + why +
                                 " (five cron fields in UTC, e.g. \"0 0 * * 1\", or "
                                 "\"@every 24h\").");
}

std::optional<int> Number(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> Split(std::string_view text, char by) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(by, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// Sets the values `field` names within [low, high]. `any`: the field starts with `*` (`*` or
// `*/S`), which is what Vixie cron's day rule looks at (DayMatches).
Status ParseField(std::string_view field, int low, int high, std::string_view name,
                  std::vector<bool>* out, bool* any) {
  *any = !field.empty() && field.front() == '*';
  for (std::string_view item : Split(field, ',')) {
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      auto parsed = Number(item.substr(slash + 1));
      if (!parsed || *parsed < 1) return Invalid("the step in " + std::string(name) + " field");
      step = *parsed;
      item = item.substr(0, slash);
    }
    int first = low, last = high;
    if (item != "*") {
      if (auto dash = item.find('-'); dash != std::string_view::npos) {
        auto a = Number(item.substr(0, dash)), b = Number(item.substr(dash + 1));
        if (!a || !b || *a > *b) return Invalid("a range in the " + std::string(name) + " field");
        first = *a;
        last = *b;
      } else {
        auto n = Number(item);
        if (!n)
          return Invalid("\"" + std::string(item) + "\" in the " + std::string(name) + " field");
        first = *n;
        // "N/S" runs from N to the field's end, as cron reads it.
        last = step > 1 ? high : *n;
      }
    }
    if (first < low || last > high) {
      return Invalid("the " + std::string(name) + " field takes " + std::to_string(low) + "–" +
                     std::to_string(high));
    }
    // int64: a step near INT_MAX must not wrap (found by a breaker: "0 23/2147483647 * * *").
    for (int64_t v = first; v <= last; v += step) (*out)[static_cast<size_t>(v)] = true;
  }
  return Status::Ok();
}

// "24h", "90m", "1h30m", "3600s", "7d": whole numbers with units d, h, m, s. Summed in whole
// seconds and bounded as it goes, so no spelling can overflow (9 digits of days fit easily).
std::optional<std::chrono::nanoseconds> ParseEvery(std::string_view text) {
  constexpr int64_t kMaxSeconds = int64_t{366} * 86400;
  int64_t total = 0;
  if (text.empty()) return std::nullopt;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 9 || digits == text.size()) return std::nullopt;
    const int64_t n = *Number(text.substr(0, digits));
    int64_t unit = 0;
    switch (text[digits]) {
      case 'd':
        unit = 86400;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'm':
        unit = 60;
        break;
      case 's':
        unit = 1;
        break;
      default:
        return std::nullopt;
    }
    total += n * unit;  // ≤ 999,999,999 × 86,400: far inside int64
    if (total > kMaxSeconds) return std::chrono::seconds(kMaxSeconds + 1);  // refused by caller
    text.remove_prefix(digits + 1);
  }
  return std::chrono::seconds(total);
}

template <size_t N>
std::bitset<N> Bits(const std::vector<bool>& values, size_t offset = 0) {
  std::bitset<N> bits;
  for (size_t i = 0; i < N; ++i) bits[i] = values[i + offset];
  return bits;
}

Result<Schedule> ParseCron(std::string_view text) {
  std::vector<std::string_view> fields;
  for (std::string_view part : Split(text, ' ')) {
    if (!part.empty()) fields.push_back(part);
  }
  if (fields.size() != 5)
    return Invalid("it needs five fields, not " + std::to_string(fields.size()));
  Schedule s;
  std::vector<bool> minute(60), hour(24), day(32), month(13), weekday(8);
  bool any = false;
  SB_RETURN_IF_ERROR(ParseField(fields[0], 0, 59, "minute", &minute, &any));
  SB_RETURN_IF_ERROR(ParseField(fields[1], 0, 23, "hour", &hour, &any));
  SB_RETURN_IF_ERROR(ParseField(fields[2], 1, 31, "day-of-month", &day, &s.any_day));
  SB_RETURN_IF_ERROR(ParseField(fields[3], 1, 12, "month", &month, &any));
  SB_RETURN_IF_ERROR(ParseField(fields[4], 0, 7, "day-of-week", &weekday, &s.any_weekday));
  if (weekday[7]) weekday[0] = true;  // 7 is Sunday too
  s.minutes = Bits<60>(minute);
  s.hours = Bits<24>(hour);
  s.days = Bits<32>(day);
  s.months = Bits<13>(month);
  s.weekdays = Bits<7>(weekday);
  return s;
}

bool DayMatches(const Schedule& s, const std::chrono::year_month_day& ymd,
                std::chrono::weekday wd) {
  const bool by_day = s.days[static_cast<unsigned>(ymd.day())];
  const bool by_weekday = s.weekdays[wd.c_encoding()];
  // Vixie cron: when either field starts with `*`, both must match ("0 0 */2 * 1" is odd-numbered
  // Mondays; a plain `*` matches every day anyway); when both are restricted, either does.
  if (s.any_day || s.any_weekday) return by_day && by_weekday;
  return by_day || by_weekday;
}

}  // namespace

Result<Schedule> ParseSchedule(std::string_view text) {
  static const std::pair<std::string_view, std::string_view> kShorthands[] = {
      {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"}};
  Schedule s;
  if (text.rfind("@every ", 0) == 0) {
    auto every = ParseEvery(text.substr(7));
    if (!every) return Invalid("\"@every\" takes a duration such as 24h, 90m or 1h30m");
    if (*every < std::chrono::seconds(1) || *every > days(366)) {
      return Invalid("\"@every\" takes from 1s to 366 days");
    }
    s.every = *every;
  } else {
    std::string_view cron = text;
    for (const auto& [name, fields] : kShorthands) {
      if (text == name) cron = fields;
    }
    SB_ASSIGN_OR_RETURN(s, ParseCron(cron));
  }
  s.text = std::string(text);
  // Cron schedules repeat within 28 years (NextFireAfter), so 28 years from 1970 tell whether
  // one ever fires.
  if (!NextFireAfter(s, FromUnixNanos(0))) return Invalid("it never fires");
  return s;
}

std::optional<Timestamp> NextFireAfter(const Schedule& s, Timestamp after) {
  if (s.every.count() > 0) {
    const auto since_epoch = after.time_since_epoch();
    return Timestamp((since_epoch / s.every + 1) * s.every);
  }
  using namespace std::chrono;
  // The first whole minute after `after`; then skip whole months, days and hours that cannot
  // match, so even a yearly schedule takes a few thousand steps at most.
  auto t = floor<minutes>(after) + minutes(1);
  // 28 years: with Vixie cron's rule a day can need both its date and its weekday ("0 0 1 2
  // */7", February 1st on a Sunday), and the Gregorian calendar repeats those every 28 years
  // (within 1901–2099).
  const auto limit = t + days(28 * 366 + 1);
  while (t < limit) {
    const auto day = floor<days>(t);
    const year_month_day ymd(day);
    if (!s.months[static_cast<unsigned>(ymd.month())]) {
      const year_month next = year_month(ymd.year(), ymd.month()) + months(1);
      t = time_point_cast<minutes>(sys_days(next / 1));
      continue;
    }
    if (!DayMatches(s, ymd, weekday(day))) {
      t = time_point_cast<minutes>(day + days(1));
      continue;
    }
    const hh_mm_ss clock(t - day);
    if (!s.hours[static_cast<size_t>(clock.hours().count())]) {
      t = floor<hours>(t) + hours(1);
      continue;
    }
    if (!s.minutes[static_cast<size_t>(clock.minutes().count())]) {
      t += minutes(1);
      continue;
    }
    return Timestamp(t);
  }
  return std::nullopt;
}

}  // namespace strongbox::core
