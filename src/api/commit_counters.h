#pragma once

// CommitCounters: what /metrics reports about :commit (api.md §8) — transactions committed and
// refused, and the operations committed by resource kind. The request metrics already count
// the route's calls and latencies; these count what was inside them.
// Ownership: app/ owns it beside the Services table that borrows it.
// Thread safety: atomic counters, bumped by any request thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace strongbox::api {

// The resource an operation names, indexing CommitCounters::operations.
enum class CommitResource { kEntry, kOrderedEntry, kSortedMapItem, kQueueItem };
inline constexpr std::array<std::string_view, 4> kCommitResourceNames = {
    "entry", "orderedEntry", "sortedMapItem", "queueItem"};

struct CommitCounters {
  std::atomic<uint64_t> committed{0};  // transactions made durable
  std::atomic<uint64_t> refused{0};    // answered with an error: nothing written
  // 503: storage unreachable or the outcome unknown (PostgreSQL), so possibly written; a retry
  // with the same Idempotency-Key says which.
  std::atomic<uint64_t> unavailable{0};
  std::array<std::atomic<uint64_t>, kCommitResourceNames.size()> operations{};  // committed

  void Committed(CommitResource resource) {
    operations[static_cast<size_t>(resource)].fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace strongbox::api
