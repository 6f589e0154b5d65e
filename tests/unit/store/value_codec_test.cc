#include "store/value_codec.h"

#include <catch2/catch.hpp>

namespace strongbox::store {
namespace {

TEST_CASE("varints round-trip", "[store]") {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{300}, UINT64_MAX}) {
    std::string s;
    PutVarint64(&s, v);
    std::string_view in(s);
    uint64_t back;
    REQUIRE(GetVarint64(&in, &back));
    CHECK(back == v);
    CHECK(in.empty());
  }
  for (int64_t v : {INT64_MIN, int64_t{-1}, int64_t{0}, int64_t{63}, int64_t{-64}, INT64_MAX}) {
    std::string s;
    PutVarsint64(&s, v);
    std::string_view in(s);
    int64_t back;
    REQUIRE(GetVarsint64(&in, &back));
    CHECK(back == v);
  }
}

TEST_CASE("length-prefixed strings and truncation", "[store]") {
  std::string s;
  PutLengthPrefixed(&s, "hello");
  PutLengthPrefixed(&s, "");
  std::string_view in(s), a, b;
  REQUIRE(GetLengthPrefixed(&in, &a));
  REQUIRE(GetLengthPrefixed(&in, &b));
  CHECK(a == "hello");
  CHECK(b.empty());
  std::string_view truncated(s.data(), 3);
  CHECK_FALSE(GetLengthPrefixed(&truncated, &a));
  std::string_view empty;
  uint64_t v;
  CHECK_FALSE(GetVarint64(&empty, &v));
}

}  // namespace
}  // namespace strongbox::store
