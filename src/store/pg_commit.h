#pragma once

// PostgresCommit: the durable step of storage mode `postgres` (DurableStep). One commit group
// becomes one PostgreSQL transaction, sent as one pipeline (one network round trip):
//
//   BEGIN
//   per partition the group touches: the fence — commit_seq + 1, only if this node still
//     owns the partition at the epoch it claimed and the commit_seq it last committed
//   per key: INSERT … ON CONFLICT DO UPDATE (the last Put), or DELETE (the last Delete)
//   COMMIT
//
// proto-docs/storage-postgres.md "One commit group = one transaction" gives every statement
// and why. Outcomes: a failed fence → kFenced (another process owns the partition: writes stop
// for good, 503 PARTITION_LOST); SQLSTATE 40001/40P01 → the transaction is sent again, up to
// `max_retries`; the connection lost after sending → kUnknown, settled by Recover, which claims
// the touched partitions again (a new epoch, so a transaction still in flight on the old
// session can no longer commit) and reads their commit_seq: one more than before means the
// group committed. An error on COMMIT itself (but a serialization failure) is an unknown
// outcome too. Every other server error → kRejected after a ROLLBACK.
//
// Ownership: the composition root owns it, with the connection it was given.
// Thread safety: the sequencer thread only (DurableStep); stats() from any thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/histogram.h"
#include "store/durable_step.h"
#include "store/engine.h"
#include "store/pg_connection.h"
#include "store/pg_leases.h"
#include "store/pg_schema.h"

namespace strongbox::store::pg {

class PostgresCommit final : public DurableStep {
 public:
  struct Options {
    std::string conninfo;
    std::string node_id;
    // Cluster mode: this process's token in strongbox_nodes (pg_cluster.h Heartbeat); a
    // re-claim after a lost answer is made only while the node row still holds it. "" (one
    // node, no membership row): not checked.
    std::string instance;
    std::chrono::milliseconds timeout{10'000};  // per wait for the server
    std::chrono::milliseconds lease{10'000};    // set again when Recover re-claims
    int max_retries = 5;                        // serialization failures per group
    // Cluster mode (#16): a failed fence drops that one partition (on_lost, then its writes
    // are refused here) and writes to the others go on; without it (#15, one node) every
    // write stops until a restart. on_lost runs on the sequencer thread and must not block.
    bool drop_lost_partitions = false;
    std::function<void(PartitionId)> on_lost;
  };
  struct Stats {
    uint64_t transactions = 0;  // committed
    uint64_t retries = 0;       // serialization failures retried
    uint64_t unknown = 0;       // outcomes settled by Recover
    uint64_t reconnects = 0;
    bool connected = false;       // the commit session is up now
    size_t partitions_owned = 0;  // claimed at start (#15: all of them)
  };

  PostgresCommit(Engine* engine, Options options, SchemaInfo schema,
                 std::map<PartitionId, PartitionClaim> claims, std::unique_ptr<Connection> conn);

  Result Commit(const rocksdb::WriteBatch& batch, rocksdb::WriteBatch* local) override;
  core::Status Admit(ColumnFamily cf, std::string_view key) const override;
  core::Status AdmitRead(ColumnFamily cf, std::string_view key) const override;
  core::Status Recover(rocksdb::WriteBatch* local, bool* unknown_committed) override;
  // Gives up this node's partitions at the epochs it holds (owner NULL), so another node may
  // claim them at once; a partition claimed since by someone else is left alone. Best effort
  // (logged). REQUIRES: the pipeline has stopped (it uses the commit session).
  void Release();

  // Cluster mode (any thread). Adopt: the partition was claimed at `claim` and its cache and
  // in-memory state are loaded: its writes are admitted and committed under that epoch.
  // StopAdmitting: new mutations writing to it are refused (503 PARTITION_MOVING) while groups
  // already staged still commit — the first step of a hand-off. Forget: it is no longer this
  // node's; returns the claim it held (nullopt when none).
  void Adopt(PartitionId partition, PartitionClaim claim);
  void StopAdmitting(PartitionId partition);
  std::optional<PartitionClaim> Forget(PartitionId partition);
  std::map<PartitionId, PartitionClaim> claims() const;

  Stats stats() const;
  // Seconds per commit transaction (the pipeline's round trip, retries included).
  const core::Histogram& commit_seconds() const { return commit_seconds_; }

 private:
  struct Row {
    ColumnFamily cf;
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
    PartitionId partition;
  };
  core::Result<std::vector<Row>> Fold(const rocksdb::WriteBatch& batch) const;
  Result Attempt(const std::vector<Row>& rows, const std::set<PartitionId>& touched,
                 rocksdb::WriteBatch* local);
  core::Status Reconnect();
  core::Status Fenced(PartitionId partition);

  Engine* engine_;
  const Options options_;
  const SchemaInfo schema_;
  // Guarded by claims_mu_: the sequencer reads and advances commit_seq, the cluster's
  // coordinator adopts and forgets partitions.
  mutable std::mutex claims_mu_;
  std::map<PartitionId, PartitionClaim> claims_;
  // Per partition (the system one last): whether mutations writing to it are admitted.
  std::unique_ptr<std::atomic<bool>[]> admitted_;
  // Removes `partition` after its fence failed (cluster mode) and tells on_lost.
  core::Status Lost(PartitionId partition, const core::Status& why);
  std::optional<PartitionClaim> ClaimOf(PartitionId partition) const;
  std::unique_ptr<Connection> conn_;
  std::vector<ColumnFamily> family_of_id_;  // RocksDB column family id → ours
  // After kUnknown: the partitions the group touched, to settle in Recover.
  std::set<PartitionId> unknown_touched_;
  int64_t reclaims_ = 0;  // Recover's claims since the unknown outcome (each may have landed)
  core::Status fenced_;   // not OK once a fence failed: permanent
  core::Histogram commit_seconds_{core::Histogram::LatencyBuckets()};
  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> unknown_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<bool> connected_{false};  // mirrors conn_ for other threads
};

}  // namespace strongbox::store::pg
