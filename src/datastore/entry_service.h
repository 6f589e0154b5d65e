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
#include "core/json_util.h"
#include "core/status.h"
#include "datastore/entry.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::datastore {

class EntryService {
 public:
  // A request's lock guard and Idempotency-Key record (store/write_context.h), applied in the
  // write's own commit.
  using Context = store::WriteContext<EntryRecord>;

  EntryService(const store::Engine* engine, store::CommitPipeline* pipeline,
               const core::Clock* clock, EntryLimits limits);

  // The current revision, with its mailbox's pending count. kNotFound when missing or deleted.
  core::Result<EntryRecord> Get(const EntryName& name) const;
  // A revision by id (tombstones included). kInvalidArgument "Invalid version id." when the id
  // is malformed or names no revision of this entry.
  core::Result<EntryRecord> GetRevision(const EntryName& name, std::string_view revision_id) const;
  // The current record, a tombstone included; nullopt when the entry was never written.
  core::Result<std::optional<EntryRecord>> GetLatest(const EntryName& name) const;
  // The revision just before `revision_id` (a tombstone included): what undoing that write
  // restores. nullopt when `revision_id` was the entry's first write. kFailedPrecondition
  // reason REVISION_NOT_KEPT when retention removed it; kInvalidArgument for a malformed id.
  core::Result<std::optional<EntryRecord>> GetRevisionBefore(const EntryName& name,
                                                             std::string_view revision_id) const;
  // The revision current at `at`. kNotFound if the entry did not exist (or was deleted) then.
  core::Result<EntryRecord> GetAt(const EntryName& name, core::Timestamp at) const;

  // The current revisions of several entries of one data store and scope, read at one instant
  // (a transaction's writes are in all of them or none; api.md §8 :batchGet). `keys[i]`
  // answers in element i: the record, or kNotFound when missing or deleted. The whole call
  // fails (kNotFound) when the data store is deleted, kInvalidArgument for a malformed name.
  core::Result<std::vector<core::Result<EntryRecord>>> BatchGet(
      const EntryName& store, const std::vector<std::string>& keys) const;

  // Each write below comes in two forms: the call, which commits it alone with the request's
  // context, and Stage*, which validates the arguments (the same errors) and returns the write
  // for a caller that commits several in one mutation (api.md §8). Inside the commit both
  // check and stage exactly the same.
  // Creates the entry. kAlreadyExists when it exists (a deleted entry may be created again).
  boost::asio::awaitable<core::Result<EntryRecord>> Create(EntryName name, EntryWrite write,
                                                           Context context = {});

  // Replaces value, users and attributes. With `etag`, only if it is the current revision
  // (else kAborted, reason ETAG_MISMATCH). Missing or deleted: kNotFound unless
  // `allow_missing`, which creates it.
  boost::asio::awaitable<core::Result<EntryRecord>> Update(EntryName name, EntryWrite write,
                                                           std::optional<std::string> etag,
                                                           bool allow_missing,
                                                           Context context = {});

  // Writes a tombstone revision. kNotFound when missing or already deleted; `etag` as Update.
  boost::asio::awaitable<core::Result<EntryRecord>> Delete(EntryName name,
                                                           std::optional<std::string> etag,
                                                           Context context = {});

  // Adds `amount` to an integer value; a missing or deleted entry starts from 0 (created).
  // Existing non-integer value → kInvalidArgument; overflow → kInvalidArgument. `users` /
  // `attributes` replace the entry's when given and are kept when not.
  boost::asio::awaitable<core::Result<EntryRecord>> Increment(
      EntryName name, int64_t amount, std::optional<std::vector<int64_t>> users,
      std::optional<std::string> attributes, Context context = {});

  // Applies JSON Patch operations (json_patch.h) to the current value atomically. Missing or
  // deleted: kNotFound unless `allow_missing`, which starts from `initial_value`. Omitted
  // users / attributes are kept.
  struct PatchRequest {
    core::Json operations;
    std::optional<std::string> etag;
    bool allow_missing = false;
    std::string initial_value = "{}";  // compact JSON
    std::optional<std::vector<int64_t>> users;
    std::optional<std::string> attributes;
    // Mailbox messages (mailbox.h) removed in the same write: each must be there, else the
    // whole patch fails with MESSAGE_NOT_FOUND and writes nothing (api.md §11).
    std::vector<std::string> consume_messages;
  };
  boost::asio::awaitable<core::Result<EntryRecord>> Patch(EntryName name, PatchRequest request,
                                                          Context context = {});

  // Writes a new revision holding that revision's value, users and attributes (also when the
  // entry is deleted now). A tombstone revision cannot be restored.
  boost::asio::awaitable<core::Result<EntryRecord>> RestoreRevision(EntryName name,
                                                                    std::string revision_id,
                                                                    std::optional<std::string> etag,
                                                                    Context context = {});

  // The same writes, staged (see above).
  core::Result<store::Staged<EntryRecord>> StageCreate(EntryName name, EntryWrite write) const;
  core::Result<store::Staged<EntryRecord>> StageUpdate(EntryName name, EntryWrite write,
                                                       std::optional<std::string> etag,
                                                       bool allow_missing) const;
  core::Result<store::Staged<EntryRecord>> StageDelete(EntryName name,
                                                       std::optional<std::string> etag) const;
  core::Result<store::Staged<EntryRecord>> StageIncrement(
      EntryName name, int64_t amount, std::optional<std::vector<int64_t>> users,
      std::optional<std::string> attributes) const;
  core::Result<store::Staged<EntryRecord>> StagePatch(EntryName name, PatchRequest request) const;
  core::Result<store::Staged<EntryRecord>> StageRestoreRevision(
      EntryName name, std::string revision_id, std::optional<std::string> etag) const;

  // Revisions newest first (or oldest first), optionally within [start, end] by revision time,
  // resuming after revision counter `after` (from the previous page).
  struct RevisionQuery {
    std::optional<core::Timestamp> start;
    std::optional<core::Timestamp> end;
    size_t page_size = 10;
    std::optional<uint64_t> after;
    bool oldest_first = false;
  };
  struct RevisionPage {
    std::vector<EntryRecord> revisions;
    std::optional<uint64_t> next_after;  // set when more may follow
  };
  core::Result<RevisionPage> ListRevisions(const EntryName& name, const RevisionQuery& query) const;

 private:
  // Validates the name; kNotFound when its data store is deleted.
  core::Status CheckReadable(const EntryName& name) const;

  // Given the current record (if any) and now: the next record, or why there is none.
  using NextRecordFn = std::function<core::Result<EntryRecord>(
      const std::optional<EntryRecord>& current, core::Timestamp now)>;

  // The one write path: reads the current record inside the sequencer, asks `next_record`,
  // and stages entry + revision (+ catalog row) in one batch.
  // `operation` names a write of a live entry in the change log ("update", "increment"); a
  // write to a missing one is a "create", a tombstone a "delete".
  // `consume`: mailbox messages the write removes in the same batch (a :patch's
  // consumeMessages). Every write reads the mailbox's count into the record it answers with.
  store::Staged<EntryRecord> StageEntryWrite(EntryName name, NextRecordFn next_record,
                                             std::string_view operation = "update",
                                             std::vector<std::string> consume = {}) const;

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const EntryLimits limits_;
};

}  // namespace strongbox::datastore
