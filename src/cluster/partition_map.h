#pragma once

// PartitionMap: what this node knows of every partition's owner, for routing (proto-docs/
// cluster.md "Routing"): owned here and serving, moving (a hand-off or a claim in progress:
// 503), or owned by another node (forward to its advertise URL). Filled by the Coordinator from
// strongbox_partitions at every tick (≤ cluster_tick_ms stale): a stale entry costs a 503,
// never a wrong write, because only the owner's epoch can commit.
//
// It also counts the requests being served here per partition (Hold), so a hand-off can wait
// for them, and keeps how long this node's leases are known to last (a node whose last renewal
// is older than the lease may have lost its partitions: it serves none of them until it
// renews, so a paused node never answers from a stale cache).
//
// Shapes: partitions 0..count (count = the system partition). Times: steady clock.
// Ownership: the Cluster owns it. Thread safety: every method from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/partition.h"

namespace strongbox::cluster {

class PartitionMap {
 public:
  enum class State { kOwned, kMoving, kRemote };
  struct Entry {
    State state = State::kMoving;
    std::string owner_id;   // kRemote: the owner's node id ("" = unknown yet)
    std::string owner_url;  // kRemote: its advertise URL ("" = unknown yet)
  };

  explicit PartitionMap(uint32_t partitions);

  uint32_t partitions() const { return partitions_; }  // the system partition's id
  // The state alone: an atomic load, for the request path (no lock, so heavy read traffic can
  // never starve the coordinator's updates).
  State StateOf(store::PartitionId partition) const;
  Entry Get(store::PartitionId partition) const;
  void Set(store::PartitionId partition, Entry entry);
  // How many partitions are in `state`.
  size_t Count(State state) const;

  // A request being served here: counted in InFlight until released, and remembering the
  // partition's generation (bumped whenever it stops being owned here) so the answer can be
  // checked before it leaves (StillServing).
  struct Held {
    store::PartitionId partition = 0;
    uint64_t generation = 0;
  };
  std::shared_ptr<const Held> Hold(store::PartitionId partition);
  int64_t InFlight(store::PartitionId partition) const;
  // True while the partition of `held` has stayed owned here since the hold was taken and the
  // lease is valid at `now`: an answer read from the cache is then still the truth.
  bool StillServing(const Held& held, std::chrono::steady_clock::time_point now) const;

  // The steady time until which this node's leases are known to hold.
  void SetLeaseValidUntil(std::chrono::steady_clock::time_point until);
  bool LeaseValid(std::chrono::steady_clock::time_point now) const;
  // Whether this node serves `partition` at `now`: owned here and the lease valid. What a new
  // request asks before it is served here, and what a long poll or a webhook delivery asks
  // each time it wakes (a node cut off from PostgreSQL keeps kOwned until its coordinator
  // learns otherwise, but its lease lapses on time).
  bool Serves(store::PartitionId partition, std::chrono::steady_clock::time_point now) const;

 private:
  const uint32_t partitions_;
  std::unique_ptr<std::atomic<State>[]> states_;       // per partition; Set also stores entries_
  mutable std::mutex mu_;                              // a plain mutex: held only to copy an entry
  std::vector<Entry> entries_;                         // guarded by mu_
  std::unique_ptr<std::atomic<int64_t>[]> in_flight_;  // per partition
  std::unique_ptr<std::atomic<uint64_t>[]> generation_;  // per partition
  std::atomic<int64_t> lease_valid_until_ns_{0};         // steady clock, ns since its epoch
};

}  // namespace strongbox::cluster
