#include "core/time_format.h"

#include <catch2/catch.hpp>

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

}  // namespace
}  // namespace strongbox::core
