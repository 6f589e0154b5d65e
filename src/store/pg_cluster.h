#pragma once

// The cluster's rows in PostgreSQL (issue #16, proto-docs/cluster.md): node membership
// (`strongbox_nodes`) and per-partition ownership (`strongbox_partitions`: owner, epoch, lease,
// hand-off). Every statement here is one short transaction; the times are the database's
// (kDatabaseNowMs), so the nodes' clocks need not agree.
//
// A claim increments the partition's epoch: that epoch is the node's fencing token, checked by
// every commit transaction of the partition (pg_commit.h), so a node that lost a partition can
// never write to it again. A release names a successor (`handoff_to`) during a graceful
// hand-off, which only that node may claim until the lease would have run out anyway.
//
// Errors: kUnavailable (STORAGE_UNAVAILABLE) when PostgreSQL cannot be reached.
// Thread safety: as the Connection's (one caller at a time).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/partition.h"
#include "store/pg_connection.h"
#include "store/pg_leases.h"

namespace strongbox::store::pg {

struct NodeRow {
  std::string node_id;
  std::string advertise_url;     // http://host:port
  int64_t heartbeat_age_ms = 0;  // how long ago its last heartbeat was, by the database's clock
  bool draining = false;         // shutting down: it takes nothing and hands everything off
};

struct PartitionRow {
  PartitionId partition = 0;
  std::optional<std::string> owner;  // nullopt: unowned
  int64_t epoch = 0;
  int64_t lease_remaining_ms = 0;  // <= 0: expired, claimable
  int64_t commit_seq = 0;
  std::optional<std::string> handoff_to;  // the successor a graceful release named
};

struct ClusterView {
  std::vector<NodeRow> nodes;            // every registered node, by id
  std::vector<PartitionRow> partitions;  // every partition, the system one last
};

// Registers or refreshes this node (heartbeat now, `draining` as given) and renews the leases
// of `partitions` (`lease` from now; locked in partition order, as the commit fences lock them)
// in one transaction, but only where this node is still the owner. Answers the partitions it
// still owns with their epochs: one of `partitions` missing here was claimed by another node.
// `instance` is the calling process's random token (Coordinator): the node row keeps the
// token of the process that holds the id, and only that process may refresh it — unless
// `take_over` (a process's first heartbeat) and the row's heartbeat is older than `lease` or
// comes from the same advertise URL (a restart); otherwise kFailedPrecondition reason
// NODE_ID_IN_USE (a live twin). A process whose token was replaced gets kFailedPrecondition
// reason NODE_ID_TAKEN and renews nothing: it was paused (or cut off) past its lease while a
// successor started with its id, and must not serve or claim again (proto-docs/cluster.md
// "Node ids").
core::Result<std::map<PartitionId, int64_t>> Heartbeat(Connection& conn, const std::string& node_id,
                                                       const std::string& instance, bool take_over,
                                                       const std::string& advertise_url,
                                                       bool draining,
                                                       const std::vector<PartitionId>& partitions,
                                                       std::chrono::milliseconds lease);

// Every node and partition row as the database holds them now.
core::Result<ClusterView> ReadCluster(Connection& conn);

// Claims `partition` (owner = node_id, epoch + 1, a fresh lease, hand-off cleared) if it is
// unowned and not handed to another node whose lease window is still open, or its lease has
// expired, or it is handed to this node — and only while the node row holds `instance` (see
// Heartbeat). nullopt when another node (or another process with this id) got it first.
core::Result<std::optional<PartitionClaim>> ClaimPartition(Connection& conn,
                                                           const std::string& node_id,
                                                           const std::string& instance,
                                                           PartitionId partition,
                                                           std::chrono::milliseconds lease);

// Renews the leases of `claims` (`lease` from now) where this node still owns them at the
// epoch it claimed, in one transaction; answers those it still owns. For a claim whose load may
// have outlasted its lease: only what comes back may be served.
core::Result<std::set<PartitionId>> ConfirmClaims(
    Connection& conn, const std::string& node_id,
    const std::map<PartitionId, PartitionClaim>& claims, std::chrono::milliseconds lease);

// Gives up `partition` at `epoch` (owner NULL, lease expired) naming `successor` ("" = none),
// so that node may claim it at once. False when the partition was claimed since by another.
core::Result<bool> ReleasePartition(Connection& conn, const std::string& node_id,
                                    PartitionId partition, int64_t epoch,
                                    const std::string& successor, std::chrono::milliseconds lease);

// Removes this node's membership row (a clean shutdown, after its partitions are handed off),
// if it still holds `instance` (a successor's row with this id is left alone).
core::Status Deregister(Connection& conn, const std::string& node_id, const std::string& instance);

}  // namespace strongbox::store::pg
