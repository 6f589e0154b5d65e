#pragma once

// The PostgreSQL side of storage mode `postgres`, opened before the commit pipeline starts and
// closed after it stops: connect, create or check the schema, claim the partitions, bring the
// local cache level with the database, then hand the pipeline its durable step and keep the
// leases renewed. proto-docs/storage-postgres.md "Start, cache and takeover".
//
// Errors: kUnavailable naming the URL's host when PostgreSQL cannot be reached;
// kFailedPrecondition when another node holds the partitions, the schema is newer than this
// build, or the data directory holds embedded-mode data.
// Ownership: the app's Storage owns it; it borrows the engine, which outlives it.
// In cluster mode (#16) Open only connects, checks the schema and makes the commit step, owning
// nothing: the cluster coordinator claims and loads partitions (cluster/coordinator.h).
// Thread safety: Open and Close on the thread that runs app::Run; commit() is the sequencer's.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "core/status.h"
#include "store/engine.h"
#include "store/pg_commit.h"
#include "store/pg_leases.h"

namespace strongbox::app {

class PostgresStorage {
 public:
  static core::Result<std::unique_ptr<PostgresStorage>> Open(const config::Config& config,
                                                             store::Engine* engine);
  // Stops renewing and releases the partitions so another node may claim them at once.
  // Call after the commit pipeline has stopped.
  void Close();
  ~PostgresStorage();

  store::pg::PostgresCommit* commit() { return commit_.get(); }
  const store::pg::SchemaInfo& schema() const { return schema_; }
  const std::string& node_id() const { return node_id_; }
  // This process's random token for its node id (cluster mode: pg_cluster.h Heartbeat).
  const std::string& instance() const { return instance_; }
  // Cluster mode: where a partition whose commit fence failed is reported (the coordinator).
  // Until set, such a partition is only dropped from the commit step.
  void OnPartitionLost(std::function<void(store::PartitionId)> sink);
  const store::pg::LeaseKeeper* leases() const { return leases_.get(); }

 private:
  PostgresStorage() = default;

  std::string conninfo_;
  store::pg::SchemaInfo schema_;
  std::mutex lost_mu_;
  std::function<void(store::PartitionId)> on_lost_;  // guarded by lost_mu_
  std::string node_id_;
  std::string instance_;
  std::chrono::milliseconds timeout_{};
  std::unique_ptr<store::pg::PostgresCommit> commit_;
  std::unique_ptr<store::pg::LeaseKeeper> leases_;
  bool claimed_ = false;  // Close releases only what Open claimed
  std::map<store::PartitionId, store::pg::PartitionClaim> claims_;  // as claimed at start
  bool closed_ = false;
};

// The node id a config names: node_id, or "<hostname>:<absolute data_dir>" — unique per
// process on a host (RocksDB locks the data dir), and the same across restarts of one node.
std::string NodeIdOf(const config::Config& config);

}  // namespace strongbox::app
