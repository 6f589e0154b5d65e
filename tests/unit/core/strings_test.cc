#include "core/strings.h"

#include <catch2/catch.hpp>

namespace strongbox::core {
namespace {

TEST_CASE("percent decoding", "[core]") {
  CHECK(PercentDecode("users%3A42") == std::optional<std::string>("users:42"));
  CHECK(PercentDecode("a%2fb%20c") == std::optional<std::string>("a/b c"));
  CHECK(PercentDecode("plain") == std::optional<std::string>("plain"));
  CHECK_FALSE(PercentDecode("bad%2").has_value());
  CHECK_FALSE(PercentDecode("bad%zz").has_value());
}

TEST_CASE("percent encoding keeps ':' and '@' and escapes '/'", "[core]") {
  CHECK(PercentEncodeSegment("users:7") == "users:7");
  CHECK(PercentEncodeSegment("a/b c%") == "a%2Fb%20c%25");
  CHECK(PercentDecode(PercentEncodeSegment("\xE2\x82\xAC/x")) ==
        std::optional<std::string>("\xE2\x82\xAC/x"));
}

TEST_CASE("UTF-8 validation", "[core]") {
  CHECK(IsValidUtf8("hello"));
  CHECK(IsValidUtf8("\xE2\x82\xAC"));        // euro sign
  CHECK(IsValidUtf8("\xF0\x9F\x98\x80"));    // emoji
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  CHECK_FALSE(IsValidUtf8("\xE2\x82"));      // truncated
  CHECK_FALSE(IsValidUtf8("\xFF"));
}

TEST_CASE("integer parsing is strict", "[core]") {
  CHECK(ParseInt64("42") == std::optional<int64_t>(42));
  CHECK(ParseInt64("-9223372036854775808") == std::optional<int64_t>(INT64_MIN));
  CHECK_FALSE(ParseInt64("9223372036854775808").has_value());
  CHECK_FALSE(ParseInt64("").has_value());
  CHECK_FALSE(ParseInt64("12a").has_value());
  CHECK_FALSE(ParseInt64(" 1").has_value());
  CHECK(ParseUint64("18446744073709551615") == std::optional<uint64_t>(UINT64_MAX));
}

TEST_CASE("case helpers and hex", "[core]") {
  CHECK(ToLowerAscii("Content-Type") == "content-type");
  CHECK(EqualsIgnoreCase("Value", "vALUE"));
  CHECK_FALSE(EqualsIgnoreCase("Value", "Values"));
  CHECK(HexUpper(0xABC, 6) == "000ABC");
}

}  // namespace
}  // namespace strongbox::core

#include "core/digest.h"

namespace strongbox::core {
namespace {

TEST_CASE("content-md5 is base64 of MD5", "[core]") {
  CHECK(Md5Base64("") == "1B2M2Y8AsgTpgAmY7PhCfg==");
  CHECK(Md5Base64(R"({"gold":5})") == Md5Base64(std::string(R"({"gold":5})")));
  CHECK(Md5Base64("hello") == "XUFAKrxLKna5cZ2REBfFkg==");
}

}  // namespace
}  // namespace strongbox::core
