#pragma once

// Coordinator: this node's side of cluster membership and partition ownership
// (proto-docs/cluster.md). Two threads, each with its own PostgreSQL session:
//
//   0. the renewal thread: heartbeat + lease renewal in one transaction every
//      `renew_interval`, never held up by a long load or hand-off on the other thread;
//
// and every `tick` on the balancing thread:
//
//   1. a partition it believed it owned that the last renewal no longer returned was claimed
//      by another node: it is dropped (as is one whose commit fence failed, PartitionLost);
//   2. reads every node and partition row (the routing map, the API-key copy);
//   3. fair share, ceil((partitions + 1) / live nodes): claims partitions handed to it, then
//      unowned or expired ones while below its share; hands off (graceful, below) while above
//      it and some live node is below; hands off everything while draining (SIGTERM).
//
// A claim loads the partition before it is served: epoch + 1 in PostgreSQL, the cache caught up
// (pg_cache.h), the in-memory state rebuilt (PartitionHost), then its writes are admitted. A
// hand-off: the partition answers 503 PARTITION_MOVING, its in-flight requests finish (at most
// `handoff_drain`), the sequencer drains (a barrier mutation), the claim is released naming
// the successor, and the local state is dropped; requests are then forwarded to the successor.
//
// Errors: Start returns kUnavailable when PostgreSQL cannot be reached; later failures are
// logged and retried at the next tick (leases then lapse after `lease`, as designed).
// Ownership: the Cluster owns it; it borrows everything else, which outlives it.
// Thread safety: Start/BeginDrain/Stop from the app's thread; PartitionLost from any thread
// (the sequencer); stats()/view() from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "cluster/partition_host.h"
#include "cluster/partition_map.h"
#include "core/histogram.h"
#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"
#include "store/pg_cluster.h"
#include "store/pg_commit.h"
#include "store/pg_schema.h"

namespace strongbox::cluster {

class Coordinator {
 public:
  struct Options {
    std::string conninfo;
    std::string node_id;
    // This process's random token: its first heartbeat writes it into the node row, and a
    // process whose token was replaced there stops (pg_cluster.h Heartbeat, NODE_ID_TAKEN).
    std::string instance;
    std::string advertise_url;
    std::chrono::milliseconds lease{10'000};
    std::chrono::milliseconds renew_interval{3'000};
    std::chrono::milliseconds tick{500};
    std::chrono::milliseconds timeout{10'000};       // per wait for PostgreSQL
    std::chrono::milliseconds handoff_drain{2'000};  // in-flight requests of a moving partition
    size_t handoffs_per_tick = 8;
  };
  struct Stats {
    size_t owned = 0;
    uint64_t claims = 0;    // partitions claimed (takeovers and hand-offs received)
    uint64_t handoffs = 0;  // partitions handed off gracefully
    uint64_t lost = 0;      // partitions dropped because another node claimed them
    uint64_t renewals = 0;
    uint64_t renew_failures = 0;
    uint64_t key_reloads = 0;  // API keys copied again from PostgreSQL
    double last_renew_seconds = 0;
    double last_load_seconds = 0;  // the last claim's catch-up + rebuild
  };

  Coordinator(Options options, store::pg::SchemaInfo schema, store::Engine* engine,
              store::pg::PostgresCommit* commit, store::CommitPipeline* pipeline, PartitionMap* map,
              PartitionHost* host);
  ~Coordinator();  // Stop()
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  // The first round, before the port opens: registers, claims this node's share, loads it
  // (the cache; in-memory state only when `load_in_memory`, else the caller loads everything
  // once), drops cache rows of every other partition, and starts the renewal thread.
  core::Status Start(bool load_in_memory);
  // Starts the thread that runs every later round. REQUIRES: after Start, and after the
  // caller's own load of in-memory state (the rounds rebuild it per partition meanwhile).
  void Run();
  // SIGTERM: stop taking partitions, hand every one off (to live nodes; released when there
  // is none). Non-blocking; Drained() says when it is done.
  void BeginDrain();
  bool Drained() const;
  // Stops the thread; the claims still held are released by the storage's Close.
  void Stop();
  // A commit fence failed for `partition` (called on the sequencer: only records it).
  void PartitionLost(store::PartitionId partition);

  Stats stats() const;
  const core::Histogram& renew_seconds() const { return renew_seconds_; }
  // The membership and partition rows as last read (≤ one tick old).
  store::pg::ClusterView view() const;
  const std::string& node_id() const { return options_.node_id; }
  // True once another process took this node id over (pg_cluster.h Heartbeat, NODE_ID_TAKEN):
  // this one serves and claims nothing more, and /readyz says so.
  bool superseded() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !superseded_.ok();
  }

 private:
  void Loop();
  void RenewLoop();
  // At start: waits (up to two leases) while another live process heartbeats this node id from
  // another advertise URL; kFailedPrecondition if it keeps beating.
  core::Status WaitForNodeIdToLapse();
  core::Status Tick(bool load_in_memory);
  // One heartbeat + renewal on `conn`; records what it returned for the next tick.
  core::Status Renew(std::unique_ptr<store::pg::Connection>& conn);

  void Claim(const store::pg::ClusterView& view, size_t share, bool load_in_memory);
  void Balance(const store::pg::ClusterView& view, size_t share);
  void HandOff(const std::set<store::PartitionId>& partitions, const store::pg::NodeRow& to);
  void Drop(const std::set<store::PartitionId>& partitions, const char* why);
  void UpdateMap(const store::pg::ClusterView& view);
  void SyncKeys(const store::pg::ClusterView& view);
  bool Live(const store::pg::NodeRow& node) const;
  // The live node (not this one) that owns the fewest partitions, counting those handed to it,
  // if it owns fewer than `*fewest` (then updated); nullptr when none does.
  const store::pg::NodeRow* Receiver(const store::pg::ClusterView& view, size_t* fewest) const;

  const Options options_;
  const store::pg::SchemaInfo schema_;
  store::Engine* engine_;
  store::pg::PostgresCommit* commit_;
  store::CommitPipeline* pipeline_;
  PartitionMap* map_;
  PartitionHost* host_;

  // The coordinator thread's own (and Start's, before the thread runs).
  std::unique_ptr<store::pg::Connection> conn_;
  std::set<store::PartitionId> owned_;
  // Dropped partitions whose cache rows are still to delete (once the pipeline is writable).
  std::set<store::PartitionId> pending_drop_;
  int64_t keys_seq_ = -1;  // the system partition's commit_seq the key copy was read at

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool draining_ = false;  // guarded by mu_
  bool drained_ = false;   // guarded by mu_
  // Guarded by mu_: NODE_ID_TAKEN once a successor process holds this node id (Renew); from then
  // on nothing is renewed or claimed again.
  core::Status superseded_;
  // This process's first heartbeat (which takes the node id over) has been made.
  std::atomic<bool> registered_{false};
  std::set<store::PartitionId> lost_;  // guarded by mu_: fenced, to drop
  // Guarded by mu_: each owned partition's adoption (a number never reused), and the ones a
  // renewal found claimed by another node since that same adoption, for the next tick to drop.
  // The renewal thread renews exactly the partitions in adopted_.
  std::map<store::PartitionId, uint64_t> adopted_;
  uint64_t adoptions_ = 0;
  std::map<store::PartitionId, uint64_t> gone_;
  std::unique_ptr<store::pg::Connection> renew_conn_;  // the renewal thread's only
  std::thread renew_thread_;
  Stats stats_;                  // guarded by mu_
  store::pg::ClusterView view_;  // guarded by mu_
  core::Histogram renew_seconds_{core::Histogram::LatencyBuckets()};
  std::thread thread_;
};

}  // namespace strongbox::cluster
