#pragma once

// DurableStep: where a commit group becomes durable when the local engine is not the truth
// (storage mode `postgres`). The CommitPipeline evaluates and stages a group exactly as in the
// embedded mode; it then hands the group's batch to Commit, and only when that says
// kCommitted does it write the batch (plus the rows Commit adds) to the local engine — a cache,
// written without fsync — run the OnCommitted hooks and complete the waiters with OK. Without a
// DurableStep the engine's own fsynced write is the durable step (storage mode `rocksdb`).
//
// Ownership: the composition root owns it; it outlives the CommitPipeline that calls it.
// Thread safety: called only on the pipeline's sequencer thread.

#include <string_view>

#include "core/status.h"
#include "store/column_families.h"

namespace rocksdb {
class WriteBatch;
}

namespace strongbox::store {

class DurableStep {
 public:
  enum class Outcome {
    kCommitted,     // durable; `local` holds the extra rows for the local engine
    kRejected,      // not committed, and writes go on: the group fails with the status
    kNotCommitted,  // not committed, and the store is unreachable: writes stop until Recover
    kUnknown,       // may or may not have committed: writes stop; Recover settles it
    kFenced,        // another process owns a partition now: writes stop for good
  };
  struct Result {
    Outcome outcome = Outcome::kCommitted;
    core::Status status;  // why, when not kCommitted (a kUnavailable with retryAfterSeconds)
  };

  virtual ~DurableStep() = default;

  // Makes `batch` durable as one transaction. On kCommitted, appends to `local` what the local
  // engine must also hold (bookkeeping rows of the cache).
  virtual Result Commit(const rocksdb::WriteBatch& batch, rocksdb::WriteBatch* local) = 0;

  // Whether a mutation may stage a write of `key` in `cf` at all (cluster mode: only to a
  // partition this node owns and is not handing off). A refusal fails that mutation alone with
  // the status, before it joins a group. Called on the sequencer thread for every write.
  virtual core::Status Admit(ColumnFamily /*cf*/, std::string_view /*key*/) const {
    return core::Status::Ok();
  }

  // Whether a mutation may read `key` in `cf` (cluster mode: not from a partition this node no
  // longer owns, whose cache may be half deleted). Keys of no known partition are allowed.
  virtual core::Status AdmitRead(ColumnFamily /*cf*/, std::string_view /*key*/) const {
    return core::Status::Ok();
  }

  // While writes are stopped after kNotCommitted or kUnknown: reconnects and, after kUnknown,
  // finds out whether that batch committed (`*unknown_committed`; then its bookkeeping rows
  // are appended to `local`). OK when writes may resume; an error when not yet (try later).
  virtual core::Status Recover(rocksdb::WriteBatch* local, bool* unknown_committed) = 0;
};

}  // namespace strongbox::store
