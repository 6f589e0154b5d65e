#include "core/strings.h"

#include <catch2/catch.hpp>
#include <map>

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

TEST_CASE("ParseWholeNumber takes the JSON spellings of a whole int64", "[core]") {
  struct Case {
    const char* text;
    int64_t value;
  };
  for (auto c : {Case{"5", 5}, Case{"5.0", 5}, Case{"1e3", 1000}, Case{"1E+3", 1000},
                 Case{"-0.0", 0}, Case{"2.50e1", 25}, Case{"-9223372036854775808", INT64_MIN},
                 Case{"9223372036854775807", INT64_MAX}}) {
    INFO(c.text);
    auto n = ParseWholeNumber(c.text);
    REQUIRE_FALSE(n.error.has_value());
    CHECK(n.value == c.value);
  }
  CHECK(ParseWholeNumber("1.5").error == WholeNumberError::kFraction);
  CHECK(ParseWholeNumber("1e-400").error == WholeNumberError::kFraction);
  CHECK(ParseWholeNumber("25e-1").error == WholeNumberError::kFraction);
  CHECK(ParseWholeNumber("1e19").error == WholeNumberError::kOutOfRange);
  CHECK(ParseWholeNumber("1e400").error == WholeNumberError::kOutOfRange);
  CHECK(ParseWholeNumber("9223372036854775808").error == WholeNumberError::kOutOfRange);
  for (const char* bad :
       {"", " 5", "5 ", "+5", "0x10", "5.", ".5", "inf", "nan", "1e", "--1", "-25e-1e"}) {
    INFO(bad);
    CHECK(ParseWholeNumber(bad).error == WholeNumberError::kNotANumber);
  }
  CHECK(WholeNumberMessage("Field 'x'", WholeNumberError::kFraction) ==
        "Field 'x' must be a whole number.");
}

TEST_CASE("CaseInsensitiveLess finds parameter names in any case", "[core]") {
  std::map<std::string, std::string, CaseInsensitiveLess> m{{"AllScopes", "true"}};
  CHECK(m.count("allScopes") == 1);
  CHECK(m.count("ALLSCOPES") == 1);
  CHECK(m.count("allScope") == 0);
  CHECK(CaseInsensitiveLess()("a", "B"));
  CHECK_FALSE(CaseInsensitiveLess()("B", "a"));
}

}  // namespace
}  // namespace strongbox::core
