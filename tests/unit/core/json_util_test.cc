#include "core/json_util.h"

#include <catch2/catch.hpp>

namespace strongbox::core {
namespace {

TEST_CASE("AppendJsonString escapes exactly what JSON requires", "[core]") {
  for (std::string s :
       {std::string("plain"), std::string("q\"uote\\back/slash"), std::string("tab\tnl\ncr\r\b\f"),
        std::string("\x01\x1f", 2), std::string("nul\0x", 5), std::string("\xE2\x82\xAC utf8")}) {
    std::string out;
    AppendJsonString(&out, s);
    auto parsed = ParseJson(out);
    INFO(out);
    REQUIRE(parsed.ok());
    CHECK(parsed->get<std::string>() == s);
  }
}

TEST_CASE("ParseJson never throws and keeps int64 precision", "[core]") {
  CHECK_FALSE(ParseJson("{").ok());
  CHECK_FALSE(ParseJson("\"\xC3\x28\"").ok());  // invalid UTF-8
  auto big = ParseJson("9007199254740993");
  REQUIRE(big.ok());
  CHECK(DumpCompact(*big) == "9007199254740993");
  CHECK(DumpCompact(*ParseJson(R"({ "a" : [ 1 , 2 ] })")) == R"({"a":[1,2]})");
}

TEST_CASE("typed member readers", "[core]") {
  auto j = *ParseJson(R"({"Value":"x","n":"12","b":true,"bad":1.5})");
  CHECK(GetOptionalString(j, "value", /*ignore_case=*/true)->value() == "x");
  CHECK_FALSE(GetOptionalString(j, "value")->has_value());
  CHECK(GetOptionalInt64(j, "n")->value() == 12);
  CHECK_FALSE(GetOptionalInt64(j, "bad").ok());
  CHECK(GetOptionalBool(j, "b")->value());
  CHECK_FALSE(GetOptionalBool(j, "Value", true).ok());
  // Spelled twice in different cases: the exact spelling wins, in either member order.
  auto twice = *ParseJson(R"({"Value":4,"value":5,"ttl":"60s","Ttl":"5s"})");
  CHECK(*FindMember(twice, "value", true) == 5);
  CHECK(*FindMember(twice, "ttl", true) == "60s");
  CHECK(*FindMember(twice, "TTL", true) == "5s");  // no exact spelling: the first in key order
}

TEST_CASE("ParseJson refuses nesting past max_json_depth before parsing it", "[core]") {
  auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  // Restored however the test ends: the limit is process-wide.
  struct DepthGuard {
    size_t saved = MaxJsonDepth();
    ~DepthGuard() { SetMaxJsonDepth(saved); }
  } guard;
  SetMaxJsonDepth(10);
  CHECK(ParseJson(nested(10)).ok());
  auto deep = ParseJson(nested(11));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().code() == StatusCode::kInvalidArgument);
  CHECK(deep.status().reason() == "LIMIT_EXCEEDED");
  CHECK(deep.status().MetadataValue("limit") == "max_json_depth");
  CHECK(deep.status().message().find("10") != std::string::npos);
  // Brackets inside strings are text, escaped quotes included.
  CHECK(ParseJson(R"({"a":"[[[[[[[[[[[[[[[[[[[[[[\"[[[[[[[[[[[[[[[\\"})").ok());
  // Objects count like arrays; closing brackets bring the depth back.
  CHECK(ParseJson(R"({"a":{"b":{"c":[[[[[1]]]]]}},"d":{"e":{"f":[[[[[2]]]]]}}})").ok());
  CHECK_FALSE(ParseJson(R"({"a":{"b":{"c":[[[[[[[[1]]]]]]]]}}})").ok());
  // Far past the old crash depth: refused quickly, no recursion.
  CHECK(ParseJson("{\"value\":" + nested(1'000'000) + "}").status().reason() == "LIMIT_EXCEEDED");
}

TEST_CASE("MeasureJson walks without recursion and stops at its bounds", "[core]") {
  auto j = *ParseJson(R"({"ab":[1,"xyz",{"k":null}]})");
  auto extent = MeasureJson(j, 100, 1000);
  CHECK(extent.depth == 3);
  CHECK(extent.bytes >= 10);  // keys and strings at least
  CHECK(MeasureJson(Json(5), 100, 1000).depth == 0);
  // A value built past any parse limit (as a patch could) is measured up to the bound only.
  Json deep = Json::array();
  Json* at = &deep;
  for (int i = 0; i < 100'000; ++i) {
    (*at)[0] = Json::array();
    at = &(*at)[0];
  }
  CHECK(MeasureJson(deep, 50, 1 << 20).depth == 51);
}

TEST_CASE("integers are whole JSON numbers however spelled", "[core]") {
  auto j = *ParseJson(
      R"({"a":5,"b":5.0,"c":1e3,"d":-0.0,"e":1.5,"f":1e19,"g":"42","h":"1e3","i":true,)"
      R"("j":18446744073709551615,"k":-9223372036854775808,"l":-9.2233720368547758e18})");
  CHECK(GetOptionalInt64(j, "a")->value() == 5);
  CHECK(GetOptionalInt64(j, "b")->value() == 5);
  CHECK(GetOptionalInt64(j, "c")->value() == 1000);
  CHECK(GetOptionalInt64(j, "d")->value() == 0);
  CHECK(GetOptionalInt64(j, "e").status().message() == "Field 'e' must be a whole number.");
  CHECK(GetOptionalInt64(j, "f").status().message().find("from -9223372036854775808") !=
        std::string::npos);
  CHECK(GetOptionalInt64(j, "g")->value() == 42);
  CHECK_FALSE(GetOptionalInt64(j, "h").ok());
  CHECK_FALSE(GetOptionalInt64(j, "i").ok());
  CHECK_FALSE(GetOptionalInt64(j, "j").ok());
  CHECK(GetOptionalInt64(j, "k")->value() == INT64_MIN);
  // -2^63 as a double may be a rounded -9223372036854775809: refused (the integer form works).
  CHECK_FALSE(GetOptionalInt64(j, "l").ok());
  CHECK_FALSE(GetOptionalInt64(j, "missing")->has_value());
  CHECK(IsWholeInt64(Json(3.0)));
  CHECK_FALSE(IsWholeInt64(Json(3.25)));
}

TEST_CASE("unsigned values (tokens, sequences) are whole numbers or their decimal strings",
          "[core]") {
  auto j = *ParseJson(
      R"([17, 17.0, 1.7e1, "17", "18446744073709551615", 18446744073709551615, -1, -0.0,)"
      R"( 17.5, "1e3", "-1", true, null, [17]])");
  CHECK(JsonToUint64(j[0]) == 17u);
  CHECK(JsonToUint64(j[1]) == 17u);
  CHECK(JsonToUint64(j[2]) == 17u);
  CHECK(JsonToUint64(j[3]) == 17u);
  CHECK(JsonToUint64(j[4]) == UINT64_MAX);
  CHECK(JsonToUint64(j[5]) == UINT64_MAX);
  CHECK_FALSE(JsonToUint64(j[6]).has_value());
  CHECK(JsonToUint64(j[7]) == 0u);
  for (size_t i = 8; i < j.size(); ++i) {
    INFO(j[i].dump());
    CHECK_FALSE(JsonToUint64(j[i]).has_value());
  }
}

}  // namespace
}  // namespace strongbox::core
