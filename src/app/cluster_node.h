#pragma once

// ClusterNode: a node's cluster side in cluster mode (issue #16, proto-docs/cluster.md): the
// routing map, the client that forwards to owners, the gate's Placement, the Coordinator, and
// the PartitionHost that loads and drops the services' in-memory state per partition.
//
// Errors: Start returns kUnavailable when PostgreSQL cannot be reached for the first round.
// Ownership: app::Run owns it, after the storage and the services it borrows (so it is
// destroyed first). Thread safety: Start, BeginDrain and Stop on the app's thread; the rest as
// each part's header says.

#include <memory>

#include "app/postgres_storage.h"
#include "changes/change_feed.h"
#include "cluster/coordinator.h"
#include "cluster/node_placement.h"
#include "cluster/partition_map.h"
#include "config/config.h"
#include "http/forward_client.h"
#include "leaderboard/leaderboard_service.h"
#include "locks/lock_service.h"
#include "memstore/queue_service.h"
#include "ops/key_store.h"

namespace strongbox::app {

class ClusterNode {
 public:
  struct Services {
    store::Engine* engine = nullptr;
    store::CommitPipeline* pipeline = nullptr;
    leaderboard::LeaderboardService* leaderboards = nullptr;
    memstore::QueueService* queues = nullptr;
    locks::LockService* locks = nullptr;
    ops::KeyStore* keys = nullptr;
    changes::ChangeFeed* changes = nullptr;  // null: the change log is off
  };
  // Registers the node and claims its share (cache only: the services then load everything
  // once, as on one node); Run then keeps the partitions balanced.
  static core::Result<std::unique_ptr<ClusterNode>> Start(const config::Config& config,
                                                          PostgresStorage& storage,
                                                          Services services);
  ~ClusterNode();

  gate::Placement* placement() { return placement_.get(); }
  const cluster::NodePlacement& node_placement() const { return *placement_; }
  const cluster::Coordinator& coordinator() const { return *coordinator_; }
  const http::ForwardClient& forward_client() const { return *client_; }
  bool OwnsSystemPartition() const;

  // Starts balancing on the coordinator's thread. REQUIRES: the services have loaded their
  // in-memory state (later claims rebuild it per partition, which must not race that load).
  void Run() { coordinator_->Run(); }
  void BeginDrain() { coordinator_->BeginDrain(); }
  bool Drained() const { return coordinator_->Drained(); }
  // Stops the coordinator and closes the forwarding connections. REQUIRES: before the IO
  // contexts go (the pooled connections are bound to them).
  void Stop() {
    coordinator_->Stop();
    client_->CloseIdle();
  }

 private:
  class Host;
  ClusterNode() = default;

  PostgresStorage* storage_ = nullptr;
  std::unique_ptr<cluster::PartitionMap> map_;
  std::unique_ptr<http::ForwardClient> client_;
  std::unique_ptr<cluster::NodePlacement> placement_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<cluster::Coordinator> coordinator_;  // last: stopped before the rest goes
};

}  // namespace strongbox::app
