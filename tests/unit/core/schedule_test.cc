#include "core/schedule.h"

#include <catch2/catch.hpp>

#include "core/time_format.h"

namespace strongbox::core {
namespace {

Timestamp At(const std::string& rfc3339) { return *ParseRfc3339(rfc3339); }

std::string Next(const std::string& schedule, const std::string& after) {
  auto parsed = ParseSchedule(schedule);
  INFO(schedule << ": " << parsed.status().ToString());
  REQUIRE(parsed.ok());
  auto next = NextFireAfter(*parsed, At(after));
  REQUIRE(next.has_value());
  return FormatRfc3339(*next);
}

TEST_CASE("cron schedules fire at the next matching minute, strictly after", "[core]") {
  // Weekly, Monday 00:00 UTC: 2026-11-30 is a Monday.
  CHECK(Next("0 0 * * 1", "2026-11-29T12:00:00Z") == "2026-11-30T00:00:00Z");
  CHECK(Next("0 0 * * 1", "2026-11-30T00:00:00Z") == "2026-12-07T00:00:00Z");  // strictly after
  CHECK(Next("0 0 * * 1", "2026-11-29T23:59:59.999Z") == "2026-11-30T00:00:00Z");
  CHECK(Next("@daily", "2026-12-31T23:00:00Z") == "2027-01-01T00:00:00Z");
  CHECK(Next("*/15 * * * *", "2026-11-30T10:07:30Z") == "2026-11-30T10:15:00Z");
  CHECK(Next("30 9-17/4 * * *", "2026-11-30T13:31:00Z") == "2026-11-30T17:30:00Z");
  CHECK(Next("0 12 * * 0", "2026-11-30T00:00:00Z") == "2026-12-06T12:00:00Z");
  CHECK(Next("0 12 * * 7", "2026-11-30T00:00:00Z") == "2026-12-06T12:00:00Z");  // 7 = Sunday
  CHECK(Next("0 0 1,15 * *", "2026-11-15T00:00:00Z") == "2026-12-01T00:00:00Z");
  CHECK(Next("@monthly", "2026-01-31T10:00:00Z") == "2026-02-01T00:00:00Z");
  CHECK(Next("0 0 29 2 *", "2026-03-01T00:00:00Z") == "2028-02-29T00:00:00Z");  // leap day
  CHECK(Next("0 0 31 * *", "2026-04-01T00:00:00Z") == "2026-05-31T00:00:00Z");
  // Both day fields restricted: either matches (the 13th, or any Friday).
  CHECK(Next("0 0 13 * 5", "2026-11-30T00:00:00Z") == "2026-12-04T00:00:00Z");
  CHECK(Next("0 0 13 * 5", "2026-12-05T00:00:00Z") == "2026-12-11T00:00:00Z");
  CHECK(Next("0 0 13 * 5", "2026-12-12T00:00:00Z") == "2026-12-13T00:00:00Z");
  CHECK(Next("5 4 * 6 *", "2026-11-30T00:00:00Z") == "2027-06-01T04:05:00Z");
  CHECK(Next("  0   0 * *  1 ", "2026-11-29T00:00:00Z") == "2026-11-30T00:00:00Z");
}

TEST_CASE("interval schedules are multiples of the interval since the epoch", "[core]") {
  CHECK(Next("@every 24h", "2026-11-30T13:00:00Z") == "2026-12-01T00:00:00Z");
  CHECK(Next("@every 1d", "2026-11-30T00:00:00Z") == "2026-12-01T00:00:00Z");
  CHECK(Next("@every 90m", "1970-01-01T01:00:00Z") == "1970-01-01T01:30:00Z");
  CHECK(Next("@every 1h30m", "1970-01-01T01:30:00Z") == "1970-01-01T03:00:00Z");
  CHECK(Next("@every 7d", "1970-01-02T00:00:00Z") == "1970-01-08T00:00:00Z");
}

TEST_CASE("malformed or impossible schedules are refused with a reason", "[core]") {
  for (const char* bad : {"",
                          "* * * *",
                          "* * * * * *",
                          "60 * * * *",
                          "* 24 * * *",
                          "* * 0 * *",
                          "* * 32 * *",
                          "* * * 13 *",
                          "* * * * 8",
                          "*/0 * * * *",
                          "5-1 * * * *",
                          "a * * * *",
                          "1,,2 * * * *",
                          "0 0 30 2 *",
                          "0 0 31 4,6,9,11 *",
                          "@every",
                          "@every 0m",
                          "@every 0s",
                          "@every 400d",
                          "@every 5x",
                          "@every 24",
                          "@fortnightly"}) {
    INFO("\"" << bad << "\"");
    auto parsed = ParseSchedule(bad);
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    CHECK(parsed.status().message().find("reset schedule") != std::string::npos);
  }
  // Huge intervals are refused, never overflowed.
  for (const char* huge : {"@every 999999999d", "@every 999999999d999999999d999999999h"}) {
    CHECK(ParseSchedule(huge).status().code() == StatusCode::kInvalidArgument);
  }
  CHECK(ParseSchedule("0 0 * * 1")->text == "0 0 * * 1");
}

}  // namespace
TEST_CASE("Schedule: steps past the field's range and a starred day field, as Vixie cron",
          "[core]") {
  // Found by a breaker: a step near INT_MAX wrapped, and "*/2" days were read as restricted.
  CHECK(Next("0 23/2147483647 * * *", "2026-12-01T01:26:00Z") == "2026-12-01T23:00:00Z");
  CHECK(Next("30/2147483647 * * * *", "2026-12-01T01:26:00Z") == "2026-12-01T01:30:00Z");
  CHECK(Next("* * * * 1/2147483647", "2026-12-01T01:26:00Z") == "2026-12-07T00:00:00Z");
  CHECK(Next("0 0 */2 * 1", "2026-12-01T01:26:00Z") == "2026-12-07T00:00:00Z");   // odd Monday
  CHECK(Next("0 0 1,15 * 1", "2026-12-01T01:26:00Z") == "2026-12-07T00:00:00Z");  // either
  // A date that must also be a weekday can be years away (found by a reviewer: 2026 → 2032).
  CHECK(Next("0 0 1 2 */7", "2026-02-02T00:00:00Z") == "2032-02-01T00:00:00Z");
  CHECK(strongbox::core::ParseSchedule("0 0 1 1 */7").ok());  // 1978-01-01 was a Sunday
}

}  // namespace strongbox::core
