#pragma once

// ExpirySweeper: reclaims memory-store rows whose time has passed (sorted map items, queue
// items, queue reads), driven by the `expiry` family (expire time first, so "what is due" is one
// scan from the start). Expired rows are already invisible to every read; this only frees the
// space, in bounded commits through the pipeline, so it never holds the sequencer long.
//
// Ownership: app/ owns it and calls SweepExpired on a timer. Thread safety: any thread.

#include <boost/asio/awaitable.hpp>
#include <cstddef>

#include "core/clock.h"
#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::memstore {

class ExpirySweeper {
 public:
  ExpirySweeper(const store::Engine* engine, store::CommitPipeline* pipeline,
                const core::Clock* clock)
      : engine_(engine), pipeline_(pipeline), clock_(clock) {}

  // Handles up to `budget` due expiry rows in one commit. Returns how many it found.
  boost::asio::awaitable<core::Result<size_t>> SweepExpired(size_t budget);

 private:
  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
};

}  // namespace strongbox::memstore
