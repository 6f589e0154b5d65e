#pragma once

// MemoryStoreFlush: `memory-store:flush` (api.md §5) removes every sorted map and queue of a
// universe, and records the operation so `GET …/memory-store/operations/{id}`
// can report it later.
//
// The flush deletes what the universe held when it started, in bounded commits (so it never
// holds the sequencer long); writes that land while it runs may survive it, and its last commit
// sets every item count, sorted-map index and the universe's usage (memstore/usage.h) to what
// survived. Expiry rows of the
// removed items are left to the sweeper, which drops rows whose item is gone.
//
// Ownership: app/ owns it. Thread safety: any thread. Durability: each commit is durable; the
// operation is recorded, done, only after the last one.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::memstore {

class MemoryStoreFlush {
 public:
  MemoryStoreFlush(const store::Engine* engine, store::CommitPipeline* pipeline,
                   const core::Clock* clock)
      : engine_(engine), pipeline_(pipeline), clock_(clock) {}

  // Applied in the last commit, the one that records the operation, with its id: the request's
  // Idempotency-Key record (store/write_context.h).
  using Context = store::WriteContext<std::string>;

  // Removes everything, then returns the id of the (done) operation.
  boost::asio::awaitable<core::Result<std::string>> Flush(int64_t universe, Context context = {});

  // kNotFound unless `id` names a flush of `universe`.
  core::Status GetOperation(int64_t universe, const std::string& id) const;

 private:
  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
};

}  // namespace strongbox::memstore
