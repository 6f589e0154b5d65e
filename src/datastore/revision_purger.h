#pragma once

// RevisionPurger: reclaims revisions past the retention policy (api.md §3, "Revisions").
//
// - A non-current revision is kept `retention` after a newer revision replaced it, and only the
//   newest `max_revisions` of an entry are kept (the write path also drops the one that falls
//   out of that window as it writes, see EntryService).
// - A tombstone, with all its revisions, is purged once the entry has been deleted for
//   `retention`.
// - The current revision of a live entry is never touched.
//
// RunOnce() does bounded work (about `scan_budget` revisions), resuming where the previous call
// stopped and wrapping around; deletions are committed through the pipeline in batches of at most
// `delete_batch` keys, so foreground writes interleave and are never stalled for long.
// Ownership: app/ owns it and calls RunOnce from one coroutine at a time (not thread-safe).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::datastore {

struct RetentionPolicy {
  std::chrono::nanoseconds retention = std::chrono::hours(24 * 30);
  size_t max_revisions = 100;
  size_t scan_budget = 10'000;
  size_t delete_batch = 1'000;
};

class RevisionPurger {
 public:
  RevisionPurger(const store::Engine* engine, store::CommitPipeline* pipeline,
                 const core::Clock* clock, RetentionPolicy policy);

  struct Stats {
    size_t revisions_scanned = 0;
    size_t revisions_deleted = 0;
    size_t entries_purged = 0;  // tombstones past retention, removed with their revisions
    bool wrapped = false;       // this call reached the end and starts over next time
  };
  boost::asio::awaitable<core::Result<Stats>> RunOnce();

 private:
  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const RetentionPolicy policy_;
  std::string cursor_;  // entry key to resume at; empty = from the start
};

}  // namespace strongbox::datastore
