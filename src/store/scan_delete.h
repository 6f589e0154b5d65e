#pragma once

// ScanAndDelete: one bounded pass of a background purge (expired idempotency records, data
// stores past their retention, memory-store rows past their expiry, …), the one shape every
// reclaimer shares: read at most `budget` records of a key range outside the sequencer, keep
// the keys `select` picks, then remove them in one commit where `remove` re-checks each against
// the state the sequencer sees (a request may have rewritten a key since the scan).
//
// Reading outside the sequencer keeps a long scan from stalling writes; the re-check inside the
// commit keeps the scan's stale view from deleting anything live. `cursor`, when given, makes
// successive passes walk the whole range: the pass starts at *cursor (empty: at `lower`) and
// leaves the key after the last one read there, or empty once it reached the end.
//
// Returns how many keys `remove` reported removed; the engine's iterator errors and the
// commit's errors (kUnavailable while writes are stopped) as they are.
// `pass` must outlive the call. Thread safety: one coroutine per cursor; Engine and
// CommitPipeline are shared.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/column_families.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::store {

struct ScanDelete {
  ColumnFamily cf = ColumnFamily::kDefault;
  std::string lower;              // first key of the range; empty: the column family's first
  std::string upper;              // end of the range (exclusive); empty: unbounded
  std::string* cursor = nullptr;  // resume point across passes; nullptr: every pass from `lower`
  size_t budget = 1000;           // records read at most in this pass
  // Outside the sequencer, on the scanned (possibly stale) record: collect this key?
  std::function<bool(std::string_view key, std::string_view value)> select;
  // Inside the commit, for each collected key: re-check and stage its removal; true if removed.
  std::function<core::Result<bool>(WriteView& view, const std::string& key)> remove;

  // A pass that deletes every key of [lower, upper) of `cf`, `batch` keys a commit, resuming at
  // *cursor: call ScanAndDelete until *cursor is empty again. `remove` may be replaced to
  // delete more with each key.
  static ScanDelete EveryKey(ColumnFamily cf, std::string lower, std::string upper,
                             std::string* cursor, size_t batch);
};

boost::asio::awaitable<core::Result<size_t>> ScanAndDelete(const Engine& engine,
                                                           CommitPipeline& pipeline,
                                                           const ScanDelete& pass);

}  // namespace strongbox::store
