#include "api/ordered_fields.h"

#include <catch2/catch.hpp>

namespace strongbox::api {
namespace {

using leaderboard::SortOrder;

TEST_CASE("The ordered filter accepts exactly the three forms of the contract", "[api]") {
  auto both = ParseValueFilter("entry >= 10 && entry <= 50");
  REQUIRE(both.ok());
  REQUIRE(both->min == 10);
  REQUIRE(both->max == 50);
  auto lower = ParseValueFilter("entry >= -5");
  REQUIRE(lower.ok());
  REQUIRE(lower->min == -5);
  REQUIRE_FALSE(lower->max.has_value());
  auto upper = ParseValueFilter("entry <= 9223372036854775807");
  REQUIRE(upper.ok());
  REQUIRE(upper->max == INT64_MAX);
  REQUIRE_FALSE(upper->min.has_value());
  auto none = ParseValueFilter("");
  REQUIRE(none.ok());
  REQUIRE_FALSE(none->min.has_value());

  for (const char* bad :
       {"entry > 10", "entry>=10", "entry >=  10", "entry >= 10 &&entry <= 5", "entry >= 1.5",
        "entry <= 50 && entry >= 10", "entry >= 10 && entry <= 50 ", "value >= 10",
        "entry >= 9223372036854775808", "entry >= 10 || entry <= 50", "entry >= "}) {
    INFO(bad);
    auto parsed = ParseValueFilter(bad);
    REQUIRE(parsed.status().code() == core::StatusCode::kInvalidArgument);
    REQUIRE(parsed.status().message().find("entry >= N && entry <= N") != std::string::npos);
  }
}

TEST_CASE("The ordered sort order takes the v1 and v2 spellings", "[api]") {
  REQUIRE(*ParseSortOrder("") == SortOrder::kAscending);
  REQUIRE(*ParseSortOrder("asc") == SortOrder::kAscending);
  REQUIRE(*ParseSortOrder("value") == SortOrder::kAscending);
  REQUIRE(*ParseSortOrder("Value Desc") == SortOrder::kDescending);
  REQUIRE(*ParseSortOrder("desc") == SortOrder::kDescending);
  REQUIRE(ParseSortOrder("score desc").status().code() == core::StatusCode::kInvalidArgument);
}

TEST_CASE("Ordered values are int64 or an error, never rounded or wrapped", "[api]") {
  auto value = [](const char* json) {
    return RequiredInt64(core::ParseJson(json).value(), "value");
  };
  REQUIRE(*value(R"({"value":9223372036854775807})") == INT64_MAX);
  REQUIRE(*value(R"({"value":-9223372036854775808})") == INT64_MIN);
  REQUIRE(*value(R"({"value":"42"})") == 42);
  for (const char* bad :
       {R"({"value":9223372036854775808})", R"({"value":-9223372036854775809})", R"({"value":1.5})",
        R"({"value":true})", R"({"value":"1e3"})", R"({})", R"({"value":null})"}) {
    INFO(bad);
    REQUIRE(value(bad).status().code() == core::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace strongbox::api
