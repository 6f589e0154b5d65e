#include "store/partition.h"

#include <catch2/catch.hpp>
#include <map>

#include "store/key_codec.h"

namespace strongbox::store {
namespace {

std::string UniverseKey(int64_t universe, std::string_view rest) {
  std::string key;
  PutKeyInt64(&key, universe);
  PutKeyString(&key, rest);
  return key;
}

TEST_CASE("a universe's partition is stable, in range, and universe 0 is the system's",
          "[store][partition]") {
  // Fixed values: the partition of a row is on disk in PostgreSQL, so the hash never changes.
  CHECK(PartitionOfUniverse(42, 64) == PartitionOfUniverse(42, 64));
  CHECK(PartitionOfUniverse(0, 64) == 64);
  CHECK(PartitionOfUniverse(0, 8) == 8);
  std::map<PartitionId, int> counts;
  for (int64_t u = 1; u <= 6400; ++u) {
    const PartitionId p = PartitionOfUniverse(u, 64);
    REQUIRE(p < 64);
    ++counts[p];
  }
  // Spread: every partition gets a share of consecutive universe ids.
  CHECK(counts.size() == 64);
  for (const auto& [p, n] : counts) CHECK(n > 40);
  CHECK(PartitionOfUniverse(-5, 64) < 64);
}

TEST_CASE("every family's key names its row's partition", "[store][partition]") {
  const std::string key = UniverseKey(42, "Inventory");
  const PartitionId p = PartitionOfUniverse(42, 64);
  for (ColumnFamily cf :
       {ColumnFamily::kCatalog, ColumnFamily::kEntries, ColumnFamily::kRevisions,
        ColumnFamily::kOrdered, ColumnFamily::kOrderedIndex, ColumnFamily::kSortedMaps,
        ColumnFamily::kSortedMapIndex, ColumnFamily::kQueues, ColumnFamily::kLocks,
        ColumnFamily::kIdempotency, ColumnFamily::kUserIndex}) {
    CHECK(PartitionOfKey(cf, key, 64) == p);
  }
  // Expiry rows: time and kind first, then the row's own key.
  std::string expiry;
  PutKeyUint64(&expiry, 1'700'000'000'000'000'000ull);
  expiry.push_back('\x02');
  expiry += key;
  CHECK(PartitionOfKey(ColumnFamily::kExpiry, expiry, 64) == p);
  // API keys and universe 0 (the /admin calls' Idempotency-Key answers): the system partition.
  CHECK(PartitionOfKey(ColumnFamily::kAuth, "key-id", 64) == 64);
  CHECK(PartitionOfKey(ColumnFamily::kIdempotency, UniverseKey(0, "k"), 64) == 64);
  // Nothing of ours lives in `default`, and a key too short for a universe has no partition.
  CHECK(!PartitionOfKey(ColumnFamily::kDefault, key, 64));
  CHECK(!PartitionOfKey(ColumnFamily::kEntries, "abc", 64));
  CHECK(!PartitionOfKey(ColumnFamily::kExpiry, expiry.substr(0, 12), 64));
}

}  // namespace
}  // namespace strongbox::store
