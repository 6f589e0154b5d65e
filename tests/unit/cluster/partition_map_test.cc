// PartitionMap (cluster/partition_map.h): the routing entries, the in-flight holds a hand-off
// waits for, and the lease window outside which a node serves none of its partitions.

#include "cluster/partition_map.h"

#include <catch2/catch.hpp>

namespace strongbox::cluster {
namespace {

using State = PartitionMap::State;

TEST_CASE("partition map: entries start moving and change as set", "[cluster]") {
  PartitionMap map(4);
  CHECK(map.partitions() == 4);
  CHECK(map.Count(State::kMoving) == 5);  // 0..3 and the system partition
  map.Set(2, {State::kOwned, "a", ""});
  map.Set(4, {State::kRemote, "b", "http://127.0.0.1:1"});
  CHECK(map.Get(2).state == State::kOwned);
  CHECK(map.Get(4).owner_url == "http://127.0.0.1:1");
  CHECK(map.Count(State::kMoving) == 3);
  CHECK(map.Get(99).state == State::kMoving);  // out of range reads as moving, never owned
}

TEST_CASE("partition map: holds count requests until released", "[cluster]") {
  PartitionMap map(4);
  auto a = map.Hold(1);
  auto b = map.Hold(1);
  CHECK(map.InFlight(1) == 2);
  CHECK(map.InFlight(0) == 0);
  a.reset();
  CHECK(map.InFlight(1) == 1);
  b.reset();
  CHECK(map.InFlight(1) == 0);
  CHECK(map.Hold(5) == nullptr);
}

TEST_CASE("partition map: the lease window bounds local serving", "[cluster]") {
  PartitionMap map(4);
  const auto now = std::chrono::steady_clock::now();
  CHECK_FALSE(map.LeaseValid(now));  // never renewed
  map.SetLeaseValidUntil(now + std::chrono::seconds(1));
  CHECK(map.LeaseValid(now));
  CHECK_FALSE(map.LeaseValid(now + std::chrono::seconds(2)));  // paused past it
}

TEST_CASE("partition map: a partition is served only while owned and within the lease",
          "[cluster]") {
  PartitionMap map(4);
  const auto now = std::chrono::steady_clock::now();
  map.Set(1, PartitionMap::Entry{PartitionMap::State::kOwned, "a", ""});
  CHECK_FALSE(map.Serves(1, now));  // owned, but no lease known yet
  map.SetLeaseValidUntil(now + std::chrono::seconds(1));
  CHECK(map.Serves(1, now));
  CHECK_FALSE(map.Serves(2, now));  // not owned here
  // Still marked owned, but the lease has lapsed (cut off from PostgreSQL, or paused).
  CHECK_FALSE(map.Serves(1, now + std::chrono::seconds(2)));
  map.Set(1, PartitionMap::Entry{PartitionMap::State::kMoving, "", ""});
  CHECK_FALSE(map.Serves(1, now));
}

}  // namespace
}  // namespace strongbox::cluster
