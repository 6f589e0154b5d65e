#pragma once

// Partition ownership in PostgreSQL (storage mode `postgres`): the claim at start, the lease
// renewal while serving, the release at shutdown. proto-docs/storage-postgres.md "Partitions".
//
// A claim sets `owner` to this node and increments `epoch`: the epoch is the node's fencing
// token, checked by every commit transaction of the partition (PostgresCommit), so a process
// that lost a partition — paused, cut off, or a second process started by mistake — can never
// write to it again. Leases (`lease_expires`, ms since the Unix epoch by the database's clock)
// only say when another node may claim: a node whose lease lapsed keeps writing safely until
// someone actually claims (and so bumps the epoch). With one node (#15) it claims every
// partition; the cluster (#16) will claim a share.
//
// Errors: kFailedPrecondition naming the owner when another node holds a live lease;
// kUnavailable when PostgreSQL cannot be reached.
// Thread safety: ClaimAll and Release on the caller's thread; LeaseKeeper renews on its own.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "store/partition.h"
#include "store/pg_connection.h"

namespace strongbox::store::pg {

struct PartitionClaim {
  int64_t epoch = 0;       // this node's fencing token for the partition
  int64_t commit_seq = 0;  // commit transactions of the partition so far
};

// Claims partitions 0..partitions (the system partition included) in one transaction: all of
// them, or none when any is held by another node whose lease has not expired (a restart of
// the same node id takes its partitions back at once).
core::Result<std::map<PartitionId, PartitionClaim>> ClaimAll(Connection& conn,
                                                             const std::string& node_id,
                                                             uint32_t partitions,
                                                             std::chrono::milliseconds lease);

// Gives up `claims` (owner NULL, lease expired) at the epochs given, so another node may claim
// them at once; a partition claimed since by anyone else is left alone. Best effort: a failure
// is logged; the leases then simply expire.
void Release(Connection& conn, const std::string& node_id,
             const std::map<PartitionId, PartitionClaim>& claims);

// Renews this node's leases every `renew_interval` on a thread with its own connection
// (reconnecting as needed). Losing partitions is noticed by the commits' fence, not here.
class LeaseKeeper {
 public:
  struct Options {
    std::string conninfo;
    std::string node_id;
    std::chrono::milliseconds lease{10'000};
    std::chrono::milliseconds renew_interval{3'000};
    std::chrono::milliseconds timeout{5'000};
    size_t partitions_owned = 0;  // expected rows per renewal (a shortfall is logged)
  };
  explicit LeaseKeeper(Options options);
  ~LeaseKeeper();  // stops the thread
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  void Stop();
  struct Stats {
    uint64_t renewals = 0;          // made
    uint64_t renew_failures = 0;    // failed (the leases run out a lease after the last success)
    double last_renew_seconds = 0;  // how long the last one took
    bool connected = false;         // the keeper's session is up
  };
  Stats stats() const;  // for /metrics

 private:
  void Run();
  core::Status RenewOnce();

  const Options options_;
  std::unique_ptr<Connection> conn_;  // the keeper thread's only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  Stats stats_;            // guarded by mu_
  std::thread thread_;
};

}  // namespace strongbox::store::pg
