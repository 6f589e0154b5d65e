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
}

}  // namespace
}  // namespace strongbox::core
