#pragma once

// The change log (api.md §11, proto-docs/changes.md): one record per operation of every
// mutation that records one, written by the CommitPipeline in the same batch as the mutation's
// own rows, so a change is in the log exactly when it committed (never a record for a write
// that failed, never a committed write without one).
//
// Shapes (proto-docs/storage-format.md, family `changes`):
//   universe(int64) 00 01        → the universe's last sequence number (decimal)
//   universe(int64) 00 02        → the first sequence number retention kept (decimal; absent: 1)
//   universe(int64) 01 seq(u64)  → the record: format byte 01, then compact JSON with
//                                  one-letter fields (EncodeChangeRecord)
// Sequence numbers are per universe, start at 1 and grow by one per record with no gap: the
// sequencer assigns them while it builds the group, reading the head row through the WriteView
// (which sees the group's earlier records). Times are the mutation's WriteView::Now.
//
// Who owns what: the composition root owns the ChangeLog and hands it to the CommitPipeline
// (null: the log is off, `changes_enabled = false`); the feed (changes/) reads what it wrote.
// Thread safety: Stage runs on the sequencer thread only; the Decode/key functions are pure;
// `committed()` may be used from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/keyed_waiters.h"
#include "core/status.h"

namespace strongbox::store {

class WriteView;

// Who made a change: the caller's API key id ("" for the server's own work, shown as
// "strongbox") and the optional `Strongbox-Writer` label (1–128 printable ASCII, a build or
// server id).
struct ChangeWriter {
  std::string api_key_id;
  std::string label;
};

// One operation as a domain service reports it (WriteView::RecordChange). `kind` and
// `operation` are the contract's words (api.md §11: "entry", "orderedEntry", "sortedMapItem",
// "hashMapItem", "queueItem", "sessionLock"; "create", "update", "delete", "increment", "add",
// "read", "discard", "acquire", "renew", "release", "steal"). `container` is the data store,
// ordered data store, map or queue name (empty for a session lock), `scope` an entry's scope
// (empty for other kinds), `id` the entry key, item id or lock id; `revision` the new revision
// id (entries) or etag (items), empty when the operation has none.
struct Change {
  int64_t universe = 0;
  std::string_view kind;
  std::string container;
  std::string scope;
  std::string id;
  std::string_view operation;
  std::string revision;
};

// True for the kinds a record may have (the list above).
bool IsChangeKind(std::string_view kind);

// A record of kind "gap" (never a resource's): the log was off after the sequence before it, so
// writes of that time have no records. A reader cannot pass it without being told
// (changes/change_feed.h); changes/change_log_gaps.h writes it.
inline constexpr std::string_view kGapKind = "gap";
// The row that says the log was switched off (universe 0's, so the system partition's).
std::string ChangeLogOffKey();

// A record as read back from the log.
struct ChangeRecord {
  uint64_t sequence = 0;
  core::Timestamp time{};
  uint64_t transaction = 0;  // the first sequence of a mutation with several records; 0 if alone
  std::string kind;
  std::string container;
  std::string scope;
  std::string id;
  std::string operation;
  std::string revision;
  ChangeWriter writer;
};

// Keys of the `changes` family.
std::string ChangeHeadKey(int64_t universe);
std::string ChangeFloorKey(int64_t universe);
std::string ChangeKey(int64_t universe, uint64_t sequence);
// The record range of a universe: [ChangeKey(u, 0), ChangeRecordsEnd(u)).
std::string ChangeRecordsEnd(int64_t universe);
// Every row of a universe in the family starts with this (the 8 key-codec bytes of `universe`);
// the tags after it: 00 head and floor, 01 records, 02 subscriptions (changes/subscriptions.h).
std::string ChangeUniversePrefix(int64_t universe);

class Engine;
// Walks the universes that have rows in the family, in key order: the first at or after key
// `from` (empty: the first of all), and where the next search starts (empty: none can follow).
// nullopt when there is none. kInternal for a corrupt key; the iterator's errors.
struct ChangeUniverse {
  int64_t universe = 0;
  std::string next_from;
};
core::Result<std::optional<ChangeUniverse>> NextChangeUniverse(const Engine& engine,
                                                               std::string_view from);
// The universe and sequence of a record key; false for the head/floor rows or a malformed key.
bool ParseChangeKey(std::string_view key, int64_t* universe, uint64_t* sequence);

std::string EncodeChangeRecord(const ChangeRecord& record);
// kInternal for bytes that are not a record (a corrupt row); `sequence` is the key's.
core::Result<ChangeRecord> DecodeChangeRecord(std::string_view bytes, uint64_t sequence);
// A head or floor row's number; kInternal when malformed. nullopt reads as `absent`.
core::Result<uint64_t> DecodeChangeCounter(const std::optional<std::string>& bytes,
                                           uint64_t absent);

class ChangeLog {
 public:
  // `clock` outlives it (WriteView::Now reads it once per mutation).
  explicit ChangeLog(const core::Clock* clock) : clock_(clock) {}

  // Sequencer thread, inside the mutation's save point: stages one record per change (with a
  // shared transaction id when there are several) and the universes' head rows, and an
  // OnCommitted hook that wakes the universe's waiters. `writer` may be null (the server's own
  // write). Errors: the head row's read (kUnavailable while a partition moves) or kInternal (a
  // corrupt head row).
  core::Status Stage(WriteView& view, const std::vector<Change>& changes,
                     const ChangeWriter* writer) const;

  // Woken (Wake, keyed by WaiterKey) once a group holding records of that universe is durable.
  core::KeyedWaiters& committed() const { return committed_; }
  static std::string WaiterKey(int64_t universe) { return std::to_string(universe); }

 private:
  const core::Clock* clock_;
  mutable core::KeyedWaiters committed_;
};

}  // namespace strongbox::store
