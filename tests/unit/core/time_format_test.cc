#include "core/time_format.h"

#include <catch2/catch.hpp>
#include <limits>

namespace strongbox::core {
namespace {

TEST_CASE("RFC 3339 formatting", "[core]") {
  CHECK(FormatRfc3339(FromUnixNanos(0)) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339(FromUnixNanos(1'700'000'000'123'000'000)) == "2023-11-14T22:13:20.123Z");
  CHECK(FormatRfc3339(FromUnixNanos(1'700'000'000'000'000'001)) ==
        "2023-11-14T22:13:20.000000001Z");
}

TEST_CASE("RFC 3339 parsing", "[core]") {
  auto t = ParseRfc3339("2023-11-14T22:13:20.123Z");
  REQUIRE(t.ok());
  CHECK(ToUnixNanos(*t) == 1'700'000'000'123'000'000);
  auto offset = ParseRfc3339("2023-11-14T23:13:20+01:00");
  REQUIRE(offset.ok());
  CHECK(ToUnixNanos(*offset) == 1'700'000'000'000'000'000);
  for (const char* bad :
       {"", "2023-11-14", "2023-13-01T00:00:00Z", "2023-02-30T00:00:00Z", "2023-11-14T22:13:20",
        "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20.1234567891Z", "2023-11-14T22:13:20Zjunk",
        "2999-01-01T00:00:00Z"}) {
    INFO(bad);
    CHECK(ParseRfc3339(bad).status().code() == StatusCode::kInvalidArgument);
  }
}

// Found by the time_format fuzz target: the midnight before a time on the first day of the
// int64 range does not fit in int64 nanoseconds (signed overflow inside std::chrono).
TEST_CASE("RFC 3339 formatting of the whole int64 range", "[core]") {
  CHECK(FormatRfc3339(FromUnixNanos(std::numeric_limits<int64_t>::min())) ==
        "1677-09-21T00:12:43.145224192Z");
  CHECK(FormatRfc3339(FromUnixNanos(std::numeric_limits<int64_t>::max())) ==
        "2262-04-11T23:47:16.854775807Z");
  CHECK(FormatRfc3339(FromUnixNanos(-1)) == "1969-12-31T23:59:59.999999999Z");
  CHECK(FormatRfc3339(FromUnixNanos(-1'000'000'000)) == "1969-12-31T23:59:59Z");
}

// Found by the time_format fuzz target: "2261-12-31T23:59:60Z" parsed to 2262-01-01T00:00:00Z,
// which formats to a text the parser refuses.
TEST_CASE("RFC 3339 years bound the instant in UTC, not the text", "[core]") {
  for (const char* good : {"1678-01-01T00:00:00Z", "1678-01-01T00:30:00+00:30",
                           "2261-12-31T23:59:59.999999999Z", "2261-12-31T22:59:59-01:00"}) {
    INFO(good);
    auto t = ParseRfc3339(good);
    REQUIRE(t.ok());
    CHECK(ParseRfc3339(FormatRfc3339(*t)).ok());
  }
  for (const char* bad : {"2261-12-31T23:59:60Z", "2261-12-31T23:00:00-05:00",
                          "1678-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z"}) {
    INFO(bad);
    CHECK(ParseRfc3339(bad).status().code() == StatusCode::kInvalidArgument);
    // Valid RFC 3339, so the answer names the range rather than the form.
    CHECK(ParseRfc3339(bad).status().message().find("1678 to 2261") != std::string::npos);
  }
  for (const char* malformed :
       {"2024-13-01T00:00:00Z", "9999-12-31T23:59:59Zjunk", "9999-12-31T23:59:59+99:99"}) {
    INFO(malformed);
    CHECK(ParseRfc3339(malformed).status().message().find("expected RFC 3339") !=
          std::string::npos);
  }
  // The instant decides, not the text's year.
  CHECK(ParseRfc3339("2262-01-01T00:30:00+01:00").ok());
  CHECK(FormatRfc3339(*ParseRfc3339("2262-01-01T00:30:00+01:00")) == "2261-12-31T23:30:00Z");
}

TEST_CASE("formatting and parsing round-trip", "[core]") {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{1'234'567'890'123'456'789},
                    int64_t{4'102'444'800'000'000'000}}) {
    auto back = ParseRfc3339(FormatRfc3339(FromUnixNanos(n)));
    REQUIRE(back.ok());
    CHECK(ToUnixNanos(*back) == n);
  }
}

TEST_CASE("protobuf durations", "[core]") {
  CHECK(ParseDuration("30s")->count() == 30'000'000'000);
  CHECK(ParseDuration("1.5s")->count() == 1'500'000'000);
  CHECK(ParseDuration("0.000000001s")->count() == 1);
  for (const char* bad : {"", "s", "30", "-1s", "1.s", "abc", "1.0000000001s"}) {
    INFO(bad);
    CHECK_FALSE(ParseDuration(bad).ok());
  }
}

// Found by the time_format fuzz target: 12 whole digits times 10^9 overflowed int64. A long
// duration is capped rather than refused as malformed, so the caller's limit names itself.
TEST_CASE("durations past 200 years are taken as 200 years, never wrapped", "[core]") {
  const int64_t longest = kLongestDuration.count();
  CHECK(ParseDuration("6307199999.999999999s")->count() == longest - 1);
  for (const char* capped : {"6307200000s", "9223372036.854775807s", "9223372037s", "55555555555s",
                             "999999999999s", "99999999999999999999999999s"}) {
    INFO(capped);
    CHECK(ParseDuration(capped)->count() == longest);
  }
  for (const char* bad : {"99999999999999999999x", "99999999999999999999.s", "1e99s"}) {
    INFO(bad);
    CHECK(ParseDuration(bad).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("seconds as numbers become durations, capped at 200 years", "[core]") {
  CHECK(DurationFromSeconds(1.5)->count() == 1'500'000'000);
  CHECK(DurationFromSeconds(0)->count() == 0);
  CHECK(*DurationFromSeconds(1e10) == kLongestDuration);
  CHECK(*DurationFromSeconds(1e300) == kLongestDuration);
  CHECK(*DurationFromSeconds(std::numeric_limits<double>::infinity()) == kLongestDuration);
  CHECK_FALSE(DurationFromSeconds(-1).has_value());
  CHECK_FALSE(DurationFromSeconds(std::numeric_limits<double>::quiet_NaN()).has_value());
}

}  // namespace
}  // namespace strongbox::core
