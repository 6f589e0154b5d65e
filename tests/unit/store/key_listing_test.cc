#include "store/key_listing.h"

#include <catch2/catch.hpp>

#include "store/key_codec.h"
#include "support/store_fixture.h"

namespace strongbox::store {
namespace {

struct Fixture : testing::StoreFixture {
  // A row keyed (universe, name[, tag]) with `rows` suffixes after it.
  void Put(int64_t universe, const std::string& name, uint8_t tag = kKeyStringPlain, int rows = 1) {
    REQUIRE(pipeline
                ->CommitAndWait([&](WriteView& view) {
                  for (int i = 0; i < rows; ++i) {
                    std::string key;
                    PutKeyInt64(&key, universe);
                    if (tag == kKeyStringPlain) {
                      PutKeyString(&key, name);
                    } else {
                      PutKeyStringVariant(&key, name, tag);
                    }
                    PutKeyUint64(&key, static_cast<uint64_t>(i));
                    view.Put(ColumnFamily::kQueues, key, "v");
                  }
                  return core::Status::Ok();
                })
                .ok());
  }
};

std::string UniversePrefix(int64_t universe) {
  std::string prefix;
  PutKeyInt64(&prefix, universe);
  return prefix;
}

TEST_CASE("key listing: distinct leading universes, one seek each", "[store]") {
  Fixture f;
  for (int64_t universe : {9, 3, 3, 1 << 20, 5}) f.Put(universe, "q", kKeyStringPlain, 50);
  auto all = DistinctLeadingInt64(*f.engine, ColumnFamily::kQueues, 10);
  REQUIRE(all.ok());
  CHECK(*all == std::vector<int64_t>{3, 5, 9, 1 << 20});
  auto two = DistinctLeadingInt64(*f.engine, ColumnFamily::kQueues, 2);
  REQUIRE(two.ok());
  CHECK(*two == std::vector<int64_t>{3, 5});
  auto none = DistinctLeadingInt64(*f.engine, ColumnFamily::kLocks, 10);
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("key listing: distinct names under a prefix, variants once, prefixes of names kept",
          "[store]") {
  Fixture f;
  // "a" is a prefix of "ab": skipping past "a" must not skip "ab". "b" has plain and season
  // (variant) rows: listed once. "\0x" holds an escaped byte. Universe 2's names stay out.
  f.Put(1, "ab", kKeyStringPlain, 3);
  f.Put(1, "a", kKeyStringPlain, 3);
  f.Put(1, "b", kKeyStringPlain, 2);
  f.Put(1, "b", 0x02, 2);
  f.Put(1, std::string("\0x", 2), kKeyStringPlain, 1);
  f.Put(2, "other", kKeyStringPlain, 1);
  auto names = DistinctStringsAfter(*f.engine, ColumnFamily::kQueues, UniversePrefix(1), 10);
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{std::string("\0x", 2), "a", "ab", "b"});
  auto first = DistinctStringsAfter(*f.engine, ColumnFamily::kQueues, UniversePrefix(1), 2);
  REQUIRE(first.ok());
  CHECK(*first == std::vector<std::string>{std::string("\0x", 2), "a"});
  auto empty = DistinctStringsAfter(*f.engine, ColumnFamily::kQueues, UniversePrefix(3), 10);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

}  // namespace
}  // namespace strongbox::store
