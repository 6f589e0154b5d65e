#pragma once

// ChangePruner: retention of the change log (api.md §11, proto-docs/changes.md). A universe
// keeps at most `max_count` records and none older than `max_age`; one pass deletes, per
// universe, up to `batch` of the oldest records past either bound and raises the universe's
// floor row in the same commit, so a reader whose cursor fell below the floor is told
// (CHANGES_EXPIRED) instead of skipping records.
//
// Records are immutable and only the pruner deletes them, so the scan outside the sequencer
// needs no re-check; the commit still keeps the floor from moving back (two nodes pruning one
// universe during a hand-off). A universe whose partition this node does not own is skipped.
// Errors: the engine's and the pipeline's, except kUnavailable (skipped, a later pass retries).
// Thread safety: one pass at a time (BackgroundWork's task); borrows the engine, pipeline and
// clock, which outlive it.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/clock.h"
#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::changes {

struct Retention {
  std::chrono::seconds max_age{7 * 24 * 3600};  // changes_retention_seconds
  uint64_t max_count = 1'000'000;               // changes_retention_count, per universe
  size_t batch = 1000;                          // changes_prune_batch: deletes per commit
};

class ChangePruner {
 public:
  ChangePruner(const store::Engine* engine, store::CommitPipeline* pipeline,
               const core::Clock* clock, Retention retention)
      : engine_(engine), pipeline_(pipeline), clock_(clock), retention_(retention) {}

  // One pass over every universe with a log; returns how many records it deleted. A universe
  // with more to delete than one batch is left for the next pass (returned count = batch).
  boost::asio::awaitable<core::Result<size_t>> PruneOnce();

 private:
  boost::asio::awaitable<core::Result<size_t>> PruneUniverse(int64_t universe);

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const Retention retention_;
};

}  // namespace strongbox::changes
