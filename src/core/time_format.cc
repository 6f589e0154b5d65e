#include "core/time_format.h"

#include <cstdio>

namespace strongbox::core {
namespace {

// Reads exactly `width` decimal digits at `pos`.
bool ReadDigits(std::string_view s, size_t pos, size_t width, int* out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatRfc3339(Timestamp t) {
  using namespace std::chrono;
  // Seconds and the nanoseconds past them first: the midnight before `t` in int64 nanoseconds
  // (floor<days>(t)) does not fit for the earliest day of the range, 1677-09-21.
  long long secs = t.time_since_epoch().count() / 1'000'000'000;
  long long frac = t.time_since_epoch().count() % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const sys_seconds whole{seconds(secs)};
  const auto day = floor<days>(whole);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> hms(whole - day);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                        int(hms.minutes().count()), int(hms.seconds().count()));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    char fbuf[16];
    std::snprintf(fbuf, sizeof(fbuf), "%09lld", frac);
    std::string f(fbuf);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  out += "Z";
  return out;
}

Result<Timestamp> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  // Built only when needed: this runs for every timestamp a request carries.
  auto bad = [s] {
    return Status::InvalidArgument("Invalid timestamp '" + std::string(s) +
                                   "': expected RFC 3339, e.g. 2024-05-01T12:00:00Z.");
  };
  int y, mo, d, h, mi, sec;
  if (!ReadDigits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !ReadDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ReadDigits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !ReadDigits(s, 11, 2, &h) || s[13] != ':' || !ReadDigits(s, 14, 2, &mi) || s[16] != ':' ||
      !ReadDigits(s, 17, 2, &sec)) {
    return bad();
  }
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return bad();
  size_t pos = 19;
  int64_t frac_nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++digits > 9) return bad();
      frac_nanos = frac_nanos * 10 + (s[pos] - '0');
      ++pos;
    }
    if (digits == 0) return bad();
    for (size_t i = digits; i < 9; ++i) frac_nanos *= 10;
  }
  int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ReadDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ReadDigits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_minutes = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  // Timestamps are int64 nanoseconds: the instants of the years 1678–2261 (in UTC, not in the
  // text: an offset or a leap second must not carry one outside them, where its own formatted
  // form would be refused). Judged in seconds, which any four-digit year fits, and said so: a
  // valid RFC 3339 time outside them is not malformed.
  const int64_t instant = int64_t{sys_days(ymd).time_since_epoch().count()} * 86'400 + h * 3'600 +
                          mi * 60 + sec - offset_minutes * 60;
  constexpr int64_t kFirst = sys_days(year(1678) / January / 1).time_since_epoch().count() * 86'400;
  constexpr int64_t kEnd = sys_days(year(2262) / January / 1).time_since_epoch().count() * 86'400;
  if (instant < kFirst || instant >= kEnd) {
    return Status::InvalidArgument("Timestamp '" + std::string(s) +
                                   "' is outside the years 1678 to 2261 this server keeps.");
  }
  return Timestamp(nanoseconds(instant * 1'000'000'000 + frac_nanos));
}

Result<std::chrono::nanoseconds> ParseDuration(std::string_view s) {
  const Status bad = Status::InvalidArgument("Invalid duration '" + std::string(s) +
                                             "': expected seconds with an 's' suffix, e.g. 30s.");
  if (s.size() < 2 || s.back() != 's') return bad;
  s.remove_suffix(1);
  int64_t whole = 0;
  int64_t frac = 0;
  size_t i = 0;
  size_t whole_digits = 0;
  const int64_t longest_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(kLongestDuration).count();
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    ++whole_digits;
    // Past kLongestDuration the rest is read only to judge the form (no overflow).
    if (whole < longest_seconds) whole = whole * 10 + (s[i] - '0');
  }
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (++frac_digits > 9) return bad;
      frac = frac * 10 + (s[i] - '0');
    }
    if (frac_digits == 0) return bad;
  }
  if (i != s.size() || whole_digits == 0) return bad;
  for (size_t k = frac_digits; k < 9; ++k) frac *= 10;
  if (whole >= longest_seconds) return kLongestDuration;
  return std::chrono::nanoseconds(whole * 1'000'000'000 + frac);
}

std::optional<std::chrono::nanoseconds> DurationFromSeconds(double seconds) {
  if (!(seconds >= 0)) return std::nullopt;  // negative, or NaN
  const double longest = std::chrono::duration<double>(kLongestDuration).count();
  if (seconds >= longest) return kLongestDuration;  // infinity included
  return std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
}

}  // namespace strongbox::core
