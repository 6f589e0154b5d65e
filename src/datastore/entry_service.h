#pragma once

// EntryService: the data store entry operations (api.md §3) over the store. Reads go straight
// to the Engine (committed data only); every write is one Mutation through the CommitPipeline
// that checks its preconditions against committed + staged state and writes the entry, its
// revision and (for a new data store) the catalog row in one batch.
// Ownership: app/ owns it; it borrows the Engine, the pipeline and the clock.
// Thread safety: all methods may be called concurrently from any thread.
// Durability: a write's awaitable completes OK only once durable (CommitPipeline's promise).

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "datastore/entry.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::datastore {

class EntryService {
 public:
  EntryService(const store::Engine* engine, store::CommitPipeline* pipeline,
               const core::Clock* clock, EntryLimits limits);

  // The current revision. kNotFound when missing or deleted.
  core::Result<EntryRecord> Get(const EntryName& name) const;
  // A revision by id (tombstones included). kInvalidArgument "Invalid version id." when the id
  // is malformed or names no revision of this entry.
  core::Result<EntryRecord> GetRevision(const EntryName& name, std::string_view revision_id) const;
  // The revision current at `at`. kNotFound if the entry did not exist (or was deleted) then.
  core::Result<EntryRecord> GetAt(const EntryName& name, core::Timestamp at) const;

  // Creates the entry. kAlreadyExists when it exists (a deleted entry may be created again).
  boost::asio::awaitable<core::Result<EntryRecord>> Create(EntryName name, EntryWrite write);

  // Replaces value, users and attributes. With `etag`, only if it is the current revision
  // (else kAborted, reason ETAG_MISMATCH). Missing or deleted: kNotFound unless
  // `allow_missing`, which creates it.
  boost::asio::awaitable<core::Result<EntryRecord>> Update(EntryName name, EntryWrite write,
                                                           std::optional<std::string> etag,
                                                           bool allow_missing);

  // Writes a tombstone revision. kNotFound when missing or already deleted; `etag` as Update.
  boost::asio::awaitable<core::Result<EntryRecord>> Delete(EntryName name,
                                                           std::optional<std::string> etag);

  const EntryLimits& limits() const { return limits_; }

 private:
  // Given the current record (if any) and now: the next record, or why there is none.
  using NextRecordFn = std::function<core::Result<EntryRecord>(
      const std::optional<EntryRecord>& current, core::Timestamp now)>;

  // The one write path: reads the current record inside the sequencer, asks `next_record`,
  // and stages entry + revision (+ catalog row) in one batch.
  boost::asio::awaitable<core::Result<EntryRecord>> CommitEntryWrite(EntryName name,
                                                                     NextRecordFn next_record);

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const EntryLimits limits_;
};

}  // namespace strongbox::datastore
