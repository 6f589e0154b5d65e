#include "cluster/partition_map.h"

#include <mutex>

namespace strongbox::cluster {

PartitionMap::PartitionMap(uint32_t partitions)
    : partitions_(partitions),
      entries_(partitions + 1),
      in_flight_(new std::atomic<int64_t>[partitions + 1]),
      generation_(new std::atomic<uint64_t>[partitions + 1]) {
  for (uint32_t p = 0; p <= partitions; ++p) {
    in_flight_[p] = 0;
    generation_[p] = 0;
  }
}

PartitionMap::Entry PartitionMap::Get(store::PartitionId partition) const {
  std::shared_lock lock(mu_);
  return partition < entries_.size() ? entries_[partition] : Entry{};
}

void PartitionMap::Set(store::PartitionId partition, Entry entry) {
  std::unique_lock lock(mu_);
  if (partition >= entries_.size()) return;
  // Leaving kOwned (or re-entering it) ends every hold taken before.
  if (entry.state != State::kOwned || entries_[partition].state != State::kOwned) {
    generation_[partition].fetch_add(1);
  }
  entries_[partition] = std::move(entry);
}

size_t PartitionMap::Count(State state) const {
  std::shared_lock lock(mu_);
  size_t n = 0;
  for (const Entry& e : entries_) n += e.state == state ? 1 : 0;
  return n;
}

std::shared_ptr<const PartitionMap::Held> PartitionMap::Hold(store::PartitionId partition) {
  if (partition > partitions_) return nullptr;
  std::atomic<int64_t>* counter = &in_flight_[partition];
  counter->fetch_add(1);
  return std::shared_ptr<const Held>(new Held{partition, generation_[partition].load()},
                                     [counter](const Held* held) {
                                       counter->fetch_sub(1);
                                       delete held;
                                     });
}

bool PartitionMap::StillServing(const Held& held, std::chrono::steady_clock::time_point now) const {
  if (held.partition > partitions_ || !LeaseValid(now)) return false;
  std::shared_lock lock(mu_);
  return generation_[held.partition].load() == held.generation &&
         entries_[held.partition].state == State::kOwned;
}

int64_t PartitionMap::InFlight(store::PartitionId partition) const {
  return partition > partitions_ ? 0 : in_flight_[partition].load();
}

void PartitionMap::SetLeaseValidUntil(std::chrono::steady_clock::time_point until) {
  lease_valid_until_ns_ =
      std::chrono::duration_cast<std::chrono::nanoseconds>(until.time_since_epoch()).count();
}

bool PartitionMap::LeaseValid(std::chrono::steady_clock::time_point now) const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() <
         lease_valid_until_ns_.load();
}

}  // namespace strongbox::cluster
