#pragma once

// Services: what the route groups call, wired by app/. Borrowed pointers; app/ owns them.

#include <functional>

#include "api/commit_counters.h"
#include "changes/change_feed.h"
#include "changes/subscriptions.h"
#include "changes/webhook_deliverer.h"
#include "cluster/coordinator.h"
#include "cluster/node_placement.h"
#include "core/clock.h"
#include "datastore/catalog.h"
#include "datastore/entry_service.h"
#include "datastore/mailbox.h"
#include "datastore/user_erasure.h"
#include "leaderboard/leaderboard_service.h"
#include "locks/lock_service.h"
#include "memstore/memory_store_flush.h"
#include "memstore/queue_service.h"
#include "memstore/sorted_map_service.h"
#include "ops/backups.h"
#include "ops/key_store.h"
#include "ops/rate_limiter.h"
#include "store/commit_pipeline.h"
#include "store/pg_commit.h"
#include "store/pg_leases.h"

namespace strongbox::gate {
class AccessGate;
}

namespace strongbox::api {

struct Services {
  const core::Clock* clock = nullptr;
  const store::Engine* engine = nullptr;  // read-only listings
  datastore::EntryService* entries = nullptr;
  datastore::Mailbox* mailbox = nullptr;  // [SB] api.md §11
  datastore::UserErasure* user_erasure = nullptr;
  datastore::DataStoreCatalog* catalog = nullptr;
  locks::LockService* locks = nullptr;
  leaderboard::LeaderboardService* leaderboards = nullptr;
  memstore::SortedMapService* sorted_maps = nullptr;
  memstore::SortedMapService* hash_maps = nullptr;  // the same service with kHashMapLayout
  memstore::MemoryStoreFlush* memory_store_flush = nullptr;
  memstore::QueueService* queues = nullptr;
  changes::ChangeFeed* changes = nullptr;               // null: the change log is off (api.md §11)
  changes::Subscriptions* subscriptions = nullptr;      // null with `changes`
  const changes::WebhookDeliverer* webhooks = nullptr;  // null with `changes`
  ops::KeyStore* keys = nullptr;
  ops::Backups* backups = nullptr;
  ops::RateLimiter* limiter = nullptr;
  // Request metrics and the route table; set once the routes are installed.
  const gate::AccessGate* gate = nullptr;
  store::CommitPipeline* pipeline = nullptr;  // commit metrics, and the :commit of api.md §8
  // Storage mode postgres only (null otherwise): its metrics.
  const store::pg::PostgresCommit* postgres = nullptr;
  const store::pg::LeaseKeeper* leases = nullptr;
  // Cluster mode only (null otherwise): membership, ownership and forwarding, for
  // GET /admin/v1/cluster and /metrics.
  const cluster::Coordinator* cluster = nullptr;
  const cluster::NodePlacement* placement = nullptr;
  const http::ForwardClient* forward_client = nullptr;
  size_t metrics_max_queues = 1000;
  uint64_t memstore_max_bytes_per_universe = 0;  // for /metrics (the services enforce it)
  size_t max_inventory_names = 1000;  // GET /admin/v1/universes[/{universe}] lists at most
  // :commit limits (api.md §8; config max_commit_operations, max_commit_bytes,
  // max_commit_write_bytes).
  size_t max_commit_operations = 100;
  size_t max_commit_bytes = 4 * 1024 * 1024;
  size_t max_commit_write_bytes = 32 * 1024 * 1024;
  CommitCounters* commits = nullptr;  // :commit outcomes for /metrics; null: not counted
  // True while the server is serving (not starting, not draining): /readyz.
  std::function<bool()> ready;
};

}  // namespace strongbox::api
