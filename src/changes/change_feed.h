#pragma once

// ChangeFeed: reads a universe's change log (store/change_log.h) after a cursor, filtered,
// optionally waiting for the next commit (api.md §11 `GET …/changes`, proto-docs/changes.md).
//
// A cursor is a sequence number: a read returns records with sequence > `start_after`, in
// order, and `next`, the last sequence it examined (records the filter skipped included), to
// pass as the next `start_after`; a reader that always passes `next` back sees every matching
// record exactly once. Reads run outside the sequencer on one RocksDB iterator (one snapshot:
// a group's records are all there or none), and check retention after the scan: the floor only
// grows, so a floor read after the scan that still admits the cursor proves the scan started
// at a record that was there (never a silent gap).
//
// Errors: kFailedPrecondition reason CHANGES_EXPIRED (400) when records after the cursor were
// pruned; kInvalidArgument when the cursor is past the log's end; kInternal for a corrupt row;
// the engine's errors as they are; from Read, the SetServing function's status when the
// universe moved to another node while the read waited.
// Thread safety: every method may be called from any thread; Read runs on the caller's
// executor. Owned by the composition root; borrows the engine and the log, which outlive it.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "changes/change_filter.h"
#include "core/status.h"
#include "store/change_log.h"
#include "store/engine.h"

namespace strongbox::changes {

struct FeedLimits {
  size_t max_page_size = 1000;  // records returned per read at most
  size_t scan_budget = 10000;   // records examined per read at most (a narrow filter)
  std::chrono::nanoseconds max_wait = std::chrono::seconds(30);  // a long poll's longest wait
};

struct FeedPage {
  std::vector<store::ChangeRecord> changes;
  uint64_t next = 0;    // pass as the next start_after
  bool at_end = false;  // the scan reached the last committed record
};

// Where a universe's log stands: records [floor, head] are kept; head 0 means none written.
struct FeedBounds {
  uint64_t floor = 1;
  uint64_t head = 0;
};

class ChangeFeed {
 public:
  ChangeFeed(const store::Engine* engine, const store::ChangeLog* log, FeedLimits limits)
      : engine_(engine), log_(log), limits_(limits) {}

  const FeedLimits& limits() const { return limits_; }

  core::Result<FeedBounds> Bounds(int64_t universe) const;

  // At most `max_page` (1..limits().max_page_size) matching records after `start_after`.
  // kFailedPrecondition CHANGES_EXPIRED on reaching a gap record (change_log_gaps.h), unless
  // the filter's start time is at or after it; also when start_after is below the floor.
  core::Result<FeedPage> ReadOnce(int64_t universe, uint64_t start_after,
                                  const ChangeFilter& filter, size_t max_page) const;

  // As ReadOnce, but when nothing matched and the scan reached the log's end, waits up to
  // `wait` (≤ limits().max_wait, else kInvalidArgument) for a commit of this universe and
  // reads again from where the last read stopped. Woken by the commit's hook, no polling.
  boost::asio::awaitable<core::Result<FeedPage>> Read(int64_t universe, uint64_t start_after,
                                                      ChangeFilter filter, size_t max_page,
                                                      std::chrono::nanoseconds wait);

  // For a draining server: every waiting Read answers now with what it has. Thread-safe.
  void StopWaiting();
  // Every waiting Read looks again (and asks SetServing's function): partitions moved.
  void WakeWaiters() { log_->committed().WakeAll(); }
  // Cluster mode: asked between waits; a non-OK status ends the read with it (the universe's
  // partition moved to another node). REQUIRES: before serving.
  void SetServing(std::function<core::Status(int64_t universe)> serving) {
    serving_ = std::move(serving);
  }
  // OK when this node serves `universe` (always, outside cluster mode); else SetServing's
  // function's status (503 PARTITION_MOVING).
  core::Status Serving(int64_t universe) const {
    return serving_ ? serving_(universe) : core::Status::Ok();
  }

 private:
  const store::Engine* engine_;
  const store::ChangeLog* log_;
  const FeedLimits limits_;
  std::atomic<bool> stop_waiting_{false};
  std::function<core::Status(int64_t universe)> serving_;
};

// The status a read past retention answers (api.md §11).
core::Status ChangesExpired(uint64_t start_after, uint64_t floor);

}  // namespace strongbox::changes
