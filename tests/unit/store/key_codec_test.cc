#include "store/key_codec.h"

#include <catch2/catch.hpp>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

namespace strongbox::store {
namespace {

using Tuple = std::tuple<std::string, int64_t, uint64_t, std::string>;

// The tuple layout of a typical key: a name, a signed score, a descending counter, a name.
std::string Encode(const Tuple& t) {
  std::string k;
  PutKeyString(&k, std::get<0>(t));
  PutKeyInt64(&k, std::get<1>(t));
  PutKeyUint64Desc(&k, std::get<2>(t));
  PutKeyString(&k, std::get<3>(t));
  return k;
}

// Tuple order with the third field descending, as Encode stores it.
bool TupleLess(const Tuple& a, const Tuple& b) {
  if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) < std::get<0>(b);
  if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
  if (std::get<2>(a) != std::get<2>(b)) return std::get<2>(a) > std::get<2>(b);
  return std::get<3>(a) < std::get<3>(b);
}

std::string RandomString(std::mt19937_64& rng) {
  // A tiny alphabet with NUL and 0xFF makes prefixes, escapes and ties common.
  static const char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\xFF'};
  std::string s(rng() % 4, ' ');
  for (char& c : s) c = kAlphabet[rng() % sizeof(kAlphabet)];
  return s;
}

int64_t RandomInt(std::mt19937_64& rng) {
  static const int64_t kEdges[] = {INT64_MIN, -1, 0, 1, INT64_MAX};
  return rng() % 2 ? kEdges[rng() % 5] : static_cast<int64_t>(rng() % 7) - 3;
}

TEST_CASE("key strings round-trip, including NUL and 0xFF bytes", "[store]") {
  for (std::string s : {std::string(), std::string("abc"), std::string("a\0b", 3),
                        std::string("\0\0", 2), std::string("\xFF\x00\x01", 3)}) {
    std::string k;
    PutKeyString(&k, s);
    PutKeyUint64(&k, 7);
    std::string_view in(k);
    std::string out;
    uint64_t n;
    REQUIRE(GetKeyString(&in, &out));
    REQUIRE(GetKeyUint64(&in, &n));
    CHECK(out == s);
    CHECK(n == 7);
    CHECK(in.empty());
  }
}

TEST_CASE("integers round-trip at their edges", "[store]") {
  for (int64_t v : {INT64_MIN, int64_t{-1}, int64_t{0}, int64_t{1}, INT64_MAX}) {
    std::string k;
    PutKeyInt64(&k, v);
    PutKeyUint64Desc(&k, static_cast<uint64_t>(v));
    std::string_view in(k);
    int64_t back;
    uint64_t desc;
    REQUIRE(GetKeyInt64(&in, &back));
    REQUIRE(GetKeyUint64Desc(&in, &desc));
    CHECK(back == v);
    CHECK(desc == static_cast<uint64_t>(v));
  }
}

TEST_CASE("malformed keys are rejected", "[store]") {
  std::string out;
  std::string_view unterminated("abc");
  CHECK_FALSE(GetKeyString(&unterminated, &out));
  std::string_view bad_escape("a\0\x05", 3);
  CHECK_FALSE(GetKeyString(&bad_escape, &out));
  std::string_view short_int("\x01\x02", 2);
  uint64_t v;
  CHECK_FALSE(GetKeyUint64(&short_int, &v));
}

TEST_CASE("a variant string sorts after the plain one and before any longer string", "[store]") {
  std::string plain, variant, nul_suffix, longer;
  PutKeyString(&plain, "s");
  PutKeyUint64(&plain, UINT64_MAX);
  PutKeyStringVariant(&variant, "s", 0x02);
  PutKeyUint64(&variant, 0);
  PutKeyString(&nul_suffix, std::string("s\0", 2));
  PutKeyString(&longer, "s\x01");
  CHECK(plain < variant);
  CHECK(variant < nul_suffix);
  CHECK(variant < longer);
  std::string out;
  uint8_t tag = 0;
  std::string_view in = variant;
  CHECK_FALSE(GetKeyString(&in, &out));  // a plain reader never mistakes it
  in = variant;
  REQUIRE(GetKeyStringOrVariant(&in, &out, &tag));
  CHECK(out == "s");
  CHECK(tag == 0x02);
  CHECK(in.size() == 8);
  in = plain;
  REQUIRE(GetKeyStringOrVariant(&in, &out, &tag));
  CHECK(tag == kKeyStringPlain);
}

TEST_CASE("byte order equals tuple order over random tuples", "[store]") {
  std::mt19937_64 rng(20261124);
  std::vector<Tuple> tuples;
  for (int i = 0; i < 3000; ++i) {
    tuples.emplace_back(RandomString(rng), RandomInt(rng), rng() % 3 ? rng() % 4 : UINT64_MAX,
                        RandomString(rng));
  }
  for (size_t i = 0; i + 1 < tuples.size(); ++i) {
    const Tuple& a = tuples[i];
    const Tuple& b = tuples[i + 1];
    const std::string ka = Encode(a), kb = Encode(b);
    INFO("pair " << i);
    CHECK(TupleLess(a, b) == (ka < kb));
    CHECK(TupleLess(b, a) == (kb < ka));
    CHECK((a == b) == (ka == kb));
  }
  // And a full sort agrees.
  std::vector<Tuple> by_tuple = tuples;
  std::sort(by_tuple.begin(), by_tuple.end(), TupleLess);
  std::vector<std::string> by_bytes;
  for (const auto& t : tuples) by_bytes.push_back(Encode(t));
  std::sort(by_bytes.begin(), by_bytes.end());
  for (size_t i = 0; i < by_tuple.size(); ++i) CHECK(Encode(by_tuple[i]) == by_bytes[i]);
}

TEST_CASE("a string's encoding never prefixes another tuple's encoding", "[store]") {
  // "a" then 1 must sort before "a\0" then 0: the terminator keeps fields apart.
  std::string k1, k2;
  PutKeyString(&k1, "a");
  PutKeyUint64(&k1, 1);
  PutKeyString(&k2, std::string("a\0", 2));
  PutKeyUint64(&k2, 0);
  CHECK(k1 < k2);
}

TEST_CASE("prefix successor bounds a prefix scan", "[store]") {
  CHECK(PrefixSuccessor("ab") == "ac");
  CHECK(PrefixSuccessor(std::string("a\xFF", 2)) == "b");
  CHECK(PrefixSuccessor("\xFF\xFF").empty());
}

TEST_CASE("doubles encode in numeric order and round-trip", "[store]") {
  const std::vector<double> ordered = {-std::numeric_limits<double>::infinity(),
                                       -1e300,
                                       -2.5,
                                       -1,
                                       -std::numeric_limits<double>::denorm_min(),
                                       0,
                                       std::numeric_limits<double>::denorm_min(),
                                       1e-9,
                                       1,
                                       2.5,
                                       1e300,
                                       std::numeric_limits<double>::infinity()};
  std::string previous;
  for (size_t i = 0; i < ordered.size(); ++i) {
    std::string encoded;
    PutKeyDouble(&encoded, ordered[i]);
    if (i > 0) REQUIRE(previous < encoded);
    std::string_view in = encoded;
    double back;
    REQUIRE(GetKeyDouble(&in, &back));
    REQUIRE(back == ordered[i]);
    previous = encoded;
  }
  std::string negative_zero, zero;
  PutKeyDouble(&negative_zero, -0.0);
  PutKeyDouble(&zero, 0.0);
  REQUIRE(negative_zero == zero);
}

}  // namespace
}  // namespace strongbox::store
