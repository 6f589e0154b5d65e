#include "api/ordered_fields.h"

#include <catch2/catch.hpp>

namespace strongbox::api {
namespace {

using leaderboard::SortOrder;

TEST_CASE("The ordered filter accepts the three forms of the contract and nothing else", "[api]") {
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

  // Real clients write the clauses in either order and with their own spacing (issue #13).
  for (const char* spelled :
       {"entry <= 50 && entry >= 10", "entry>=10&&entry<=50", "entry >=  10  &&  entry <= 50 ",
        "  entry\t>=\t10 && entry <= 5e1", "entry <= 50.0 && entry >= 1e1"}) {
    INFO(spelled);
    auto parsed = ParseValueFilter(spelled);
    REQUIRE(parsed.ok());
    CHECK(parsed->min == 10);
    CHECK(parsed->max == 50);
  }

  for (const char* bad :
       {"entry > 10", "entry >= 1.5", "entry >= 10 && entry >= 20", "entry <= 1 && entry <= 2",
        "value >= 10", "entry >= 9223372036854775808", "entry >= 10 || entry <= 50",
        "entry >= ", "entry >= 10 &&", "entry >= 10 && entry <= 50 && entry <= 60",
        "entry >= 10 entry <= 5", "&& entry >= 10", "entry >= 0x10", "Entry >= 10"}) {
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
  // Whole numbers however a double-only client spells them (api.md §1 "Numbers").
  REQUIRE(*value(R"({"value":5.0})") == 5);
  REQUIRE(*value(R"({"value":1e3})") == 1000);
  REQUIRE(*value(R"({"value":-0.0})") == 0);
  REQUIRE(*value(R"({"value":-2.5e1})") == -25);
  for (const char* bad : {R"({"value":9223372036854775808})", R"({"value":-9223372036854775809})",
                          R"({"value":1.5})", R"({"value":true})", R"({"value":"1e3"})", R"({})",
                          R"({"value":null})", R"({"value":1e19})", R"({"value":9.3e18})"}) {
    INFO(bad);
    REQUIRE(value(bad).status().code() == core::StatusCode::kInvalidArgument);
  }
  CHECK(value(R"({"value":1.5})").status().message().find("must be a whole number") !=
        std::string::npos);
  CHECK(value(R"({})").status().message().find("is required") != std::string::npos);
}

}  // namespace
}  // namespace strongbox::api
