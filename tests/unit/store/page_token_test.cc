#include "store/page_token.h"

#include <catch2/catch.hpp>

#include "core/strings.h"

namespace strongbox::store {
namespace {

TEST_CASE("page tokens round-trip for their own query only", "[store]") {
  const std::string resume(
      "key\0with\xFF"
      "bytes",
      14);
  const std::string token = EncodePageToken("list|filter=a", resume);
  auto back = DecodePageToken(token, "list|filter=a");
  REQUIRE(back.ok());
  CHECK(*back == resume);
  auto other = DecodePageToken(token, "list|filter=b");
  CHECK(other.status().code() == core::StatusCode::kInvalidArgument);
  CHECK(other.status().message().find("different query") != std::string::npos);
  for (const char* junk : {"", "!!!", "AAAA", "not a token"}) {
    INFO(junk);
    CHECK_FALSE(DecodePageToken(junk, "list|filter=a").ok());
  }
}

TEST_CASE("base64url round-trips and rejects non-canonical text", "[core]") {
  for (std::string s : {std::string(), std::string("f"), std::string("fo"), std::string("foo"),
                        std::string("\xFF\xFE\x00\x01", 4)}) {
    auto back = core::Base64UrlDecode(core::Base64UrlEncode(s));
    REQUIRE(back.has_value());
    CHECK(*back == s);
  }
  CHECK(core::Base64UrlEncode("\xFB\xFF") == "-_8");
  CHECK_FALSE(core::Base64UrlDecode("a").has_value());
  CHECK_FALSE(core::Base64UrlDecode("Zh").has_value());  // stray low bits
  CHECK_FALSE(core::Base64UrlDecode("ab+/").has_value());
  CHECK(core::StableHash64("abc") == 0xe71fa2190541574bull);  // FNV-1a reference value
}

}  // namespace
}  // namespace strongbox::store
