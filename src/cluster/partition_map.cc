#include "cluster/partition_map.h"

#include <mutex>

namespace strongbox::cluster {

PartitionMap::PartitionMap(uint32_t partitions)
    : partitions_(partitions),
      states_(new std::atomic<State>[partitions + 1]),
      entries_(partitions + 1),
      in_flight_(new std::atomic<int64_t>[partitions + 1]),
      generation_(new std::atomic<uint64_t>[partitions + 1]) {
  for (uint32_t p = 0; p <= partitions; ++p) {
    states_[p] = State::kMoving;
    in_flight_[p] = 0;
    generation_[p] = 0;
  }
}

PartitionMap::State PartitionMap::StateOf(store::PartitionId partition) const {
  return partition > partitions_ ? State::kMoving : states_[partition].load();
}

PartitionMap::Entry PartitionMap::Get(store::PartitionId partition) const {
  std::lock_guard<std::mutex> lock(mu_);
  return partition < entries_.size() ? entries_[partition] : Entry{};
}

void PartitionMap::Set(store::PartitionId partition, Entry entry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (partition >= entries_.size()) return;
  // Leaving kOwned (or re-entering it) ends every hold taken before: the generation moves
  // before the state does, so a reader that still sees kOwned saw it while it was true.
  if (entry.state != State::kOwned || states_[partition].load() != State::kOwned) {
    generation_[partition].fetch_add(1);
  }
  states_[partition].store(entry.state);
  entries_[partition] = std::move(entry);
}

size_t PartitionMap::Count(State state) const {
  size_t n = 0;
  for (uint32_t p = 0; p <= partitions_; ++p) n += states_[p].load() == state ? 1 : 0;
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
  return states_[held.partition].load() == State::kOwned &&
         generation_[held.partition].load() == held.generation;
}

bool PartitionMap::Serves(store::PartitionId partition,
                          std::chrono::steady_clock::time_point now) const {
  return StateOf(partition) == State::kOwned && LeaseValid(now);
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
