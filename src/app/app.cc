#include "app/app.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "api/server_routes.h"
#include "api/services.h"
#include "app/admin_key.h"
#include "app/background_work.h"
#include "app/cluster_node.h"
#include "app/logging.h"
#include "app/postgres_storage.h"
#include "app/startup_steps.h"
#include "app/webhooks.h"
#include "changes/change_feed.h"
#include "changes/change_log_gaps.h"
#include "changes/change_pruner.h"
#include "changes/subscriptions.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "datastore/catalog.h"
#include "datastore/entry_service.h"
#include "datastore/mailbox.h"
#include "datastore/revision_purger.h"
#include "datastore/user_erasure.h"
#include "gate/access_gate.h"
#include "gate/route_spec.h"
#include "gate/write_gate.h"
#include "http/router.h"
#include "http/server.h"
#include "idempotency/idempotency_store.h"
#include "leaderboard/leaderboard_service.h"
#include "locks/lock_service.h"
#include "memstore/expiry_sweeper.h"
#include "memstore/memory_store_flush.h"
#include "memstore/queue_service.h"
#include "memstore/sorted_map_service.h"
#include "ops/backups.h"
#include "ops/key_store.h"
#include "ops/rate_limiter.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"
#include "store/pg_cache.h"

namespace strongbox::app {

namespace asio = boost::asio;

namespace {

// Written to a temporary name and renamed, so a reader never sees a partial port number.
bool WritePortFile(const std::string& path, uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

ops::RateLimiter::Options RateLimiterOptions(const config::Config& c) {
  ops::RateLimiter::Options o;
  auto set = [&o](ops::RateFamily family, int64_t per_key, int64_t per_universe) {
    o.limits[static_cast<size_t>(family)] =
        ops::RateLimits{static_cast<double>(per_key), static_cast<double>(per_universe)};
  };
  set(ops::RateFamily::kDataStores, c.rate_limit_datastore_per_key,
      c.rate_limit_datastore_per_universe);
  set(ops::RateFamily::kOrdered, c.rate_limit_ordered_per_key, c.rate_limit_ordered_per_universe);
  set(ops::RateFamily::kMemoryStore, c.rate_limit_memory_store_per_key,
      c.rate_limit_memory_store_per_universe);
  set(ops::RateFamily::kSessionLocks, c.rate_limit_session_locks_per_key,
      c.rate_limit_session_locks_per_universe);
  set(ops::RateFamily::kChanges, c.rate_limit_changes_per_key, c.rate_limit_changes_per_universe);
  set(ops::RateFamily::kAdmin, c.rate_limit_admin_per_key, 0);
  o.burst_seconds = static_cast<double>(c.rate_limit_burst_seconds);
  return o;
}

}  // namespace

std::string BackupDir(const config::Config& config) {
  return config.backup_dir.empty() ? (std::filesystem::path(config.data_dir) / "backups").string()
                                   : config.backup_dir;
}

namespace {

// Raises the soft open-files limit to what `max_connections` needs (a descriptor per
// connection, and headroom for RocksDB's files, webhook and cluster connections), as far as the
// hard limit allows, as Go's runtime and nginx do: a shell's default of 1024 would refuse
// connections (EMFILE) long before the default max_connections of 4096. Warns when the hard
// limit is lower.
void RaiseOpenFilesLimit(int64_t max_connections) {
  constexpr rlim_t kHeadroom = 1024;
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  const rlim_t wanted = static_cast<rlim_t>(max_connections) + kHeadroom;
  if (limit.rlim_cur >= wanted) return;
  struct rlimit raised = limit;
  raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (raised.rlim_cur > limit.rlim_cur && ::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
    limit = raised;
  }
  if (limit.rlim_cur < wanted) {
    spdlog::warn(
        "the open-files limit is {} (hard limit {}), below the {} that max_connections {} needs: "
        "connections past it are not accepted until others close (raise it with ulimit -n or "
        "LimitNOFILE=, or lower max_connections)",
        limit.rlim_cur, limit.rlim_max, wanted, max_connections);
  }
}

// Storage: the database and its only writer, the commit pipeline (design.md §1), and in
// storage mode `postgres` the PostgreSQL side that makes each commit group durable (the local
// database is then its cache). Opened first and closed last: Close stops the pipeline
// (committing what is queued) before the engine closes, and so does the destructor when
// startup stops half-way.
// Ownership: Run owns it; everything else borrows the engine and the pipeline.
// Thread safety: Open and Close on the thread that runs Run; the engine and the pipeline
// themselves are used from any thread.
class Storage {
 public:
  // Creates the data dir, opens the database (logging how long that took), in `postgres` mode
  // connects and brings the cache level with PostgreSQL, starts the pipeline.
  static core::Result<std::unique_ptr<Storage>> Open(const config::Config& config) {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) {
      return core::Status::Internal("cannot create data dir " + config.data_dir + ": " +
                                    ec.message());
    }
    const bool postgres = config.storage == config::Storage::kPostgres;
    store::Engine::Options engine_options;
    engine_options.path = config.data_dir;
    // In `postgres` mode the local database is a cache PostgreSQL can refill: no fsync.
    engine_options.sync_writes = !postgres && config.durability == config::Durability::kSync;
    engine_options.reserve_free_bytes = static_cast<uint64_t>(config.storage_min_free_bytes);
    const auto started = std::chrono::steady_clock::now();
    auto engine = store::Engine::Open(engine_options);
    if (!engine.ok()) {
      return Because("cannot open the database in " + config.data_dir, engine.status());
    }
    spdlog::info("opened the database in {} ms", MillisecondsSince(started));
    std::unique_ptr<PostgresStorage> pg;
    if (postgres) {
      auto opened = PostgresStorage::Open(config, engine->get());
      if (!opened.ok()) return opened.status();
      pg = std::move(*opened);
    } else if (store::pg::IsPostgresCache(**engine)) {
      return core::Status::FailedPrecondition(
          "the data directory " + config.data_dir +
          " is a cache of a PostgreSQL database (storage mode `postgres`), not an embedded "
          "database: start with --storage postgres and its --postgres-url, or use another "
          "--data-dir");
    }
    store::CommitPipeline::Options pipeline_options;
    pipeline_options.queue_limit = static_cast<size_t>(config.commit_queue_limit);
    pipeline_options.batch_limit = static_cast<size_t>(config.commit_batch_limit);
    pipeline_options.batch_bytes_limit = static_cast<uint64_t>(config.commit_group_max_bytes);
    pipeline_options.min_free_bytes = static_cast<uint64_t>(config.storage_min_free_bytes);
    pipeline_options.recovery_interval =
        std::chrono::milliseconds(config.storage_recovery_interval_ms);
    return std::unique_ptr<Storage>(new Storage(std::move(*engine), std::move(pg), pipeline_options,
                                                config.change_log == config::ChangeLogMode::kOn));
  }

  store::Engine* engine() { return engine_.get(); }
  store::CommitPipeline* pipeline() { return &pipeline_; }
  // Null with `change_log = off`.
  const store::ChangeLog* change_log() const { return change_log_.get(); }
  // Null in storage mode `rocksdb`.
  PostgresStorage* postgres() { return postgres_.get(); }

  // Commits what is queued and stops the pipeline, releases the partitions (`postgres`), then
  // flushes the WAL and closes the database.
  core::Status Close() {
    pipeline_.Stop();
    if (postgres_) postgres_->Close();
    return engine_->Close();
  }

 private:
  Storage(std::unique_ptr<store::Engine> engine, std::unique_ptr<PostgresStorage> postgres,
          store::CommitPipeline::Options pipeline_options, bool change_log)
      : engine_(std::move(engine)),
        postgres_(std::move(postgres)),
        change_log_(change_log ? std::make_unique<store::ChangeLog>(&clock_) : nullptr),
        pipeline_(engine_.get(), pipeline_options, postgres_ ? postgres_->commit() : nullptr,
                  change_log_.get()) {}

  std::unique_ptr<store::Engine> engine_;
  std::unique_ptr<PostgresStorage> postgres_;  // after engine_: closed before it
  core::SystemClock clock_;                    // the change records' times
  std::unique_ptr<store::ChangeLog> change_log_;
  store::CommitPipeline pipeline_;  // after both: destroyed (stopped) before them
};

datastore::EntryLimits EntryLimitsOf(const config::Config& config) {
  datastore::EntryLimits limits;
  limits.max_value_bytes = static_cast<size_t>(config.max_value_bytes);
  limits.max_revisions_per_entry = static_cast<size_t>(config.max_revisions_per_entry);
  limits.max_patch_operations = static_cast<size_t>(config.max_patch_operations);
  return limits;
}

datastore::RetentionPolicy RetentionOf(const config::Config& config) {
  datastore::RetentionPolicy retention;
  retention.retention = std::chrono::hours(24) * config.revision_retention_days;
  retention.max_revisions = static_cast<size_t>(config.max_revisions_per_entry);
  retention.scan_budget = static_cast<size_t>(config.revision_purge_scan_budget);
  return retention;
}

// Run checks the list before the Domain is built (a malformed one stops the start).
std::vector<std::string> AllowedHostsOrNone(const config::Config& config) {
  auto hosts = AllowedWebhookHostsOf(config);
  return hosts.ok() ? std::move(*hosts) : std::vector<std::string>{};
}

changes::Retention ChangeRetentionOf(const config::Config& config) {
  changes::Retention retention;
  retention.max_age = std::chrono::seconds(config.changes_retention_seconds);
  retention.max_count = static_cast<uint64_t>(config.changes_retention_count);
  retention.batch = static_cast<size_t>(config.changes_prune_batch);
  return retention;
}

changes::FeedLimits FeedLimitsOf(const config::Config& config) {
  changes::FeedLimits limits;
  limits.max_page_size = static_cast<size_t>(config.changes_max_page_size);
  limits.scan_budget = static_cast<size_t>(config.changes_scan_budget);
  limits.max_wait = std::chrono::milliseconds(config.changes_max_wait_ms);
  return limits;
}

locks::LockLimits LockLimitsOf(const config::Config& config) {
  locks::LockLimits limits;
  limits.max_ttl = std::chrono::seconds(config.lock_max_ttl_seconds);
  limits.max_wait = std::chrono::milliseconds(config.lock_max_wait_ms);
  return limits;
}

leaderboard::LeaderboardService::Limits LeaderboardLimitsOf(const config::Config& config) {
  leaderboard::LeaderboardService::Limits limits;
  limits.min_reset_interval = std::chrono::seconds(config.leaderboard_min_reset_interval_seconds);
  limits.max_archive_seasons = static_cast<uint32_t>(config.max_leaderboard_archive_seasons);
  limits.max_metadata_bytes = static_cast<size_t>(config.max_leaderboard_metadata_bytes);
  return limits;
}

memstore::MemoryStoreLimits MemoryStoreLimitsOf(const config::Config& config) {
  memstore::MemoryStoreLimits limits;
  limits.max_item_bytes = static_cast<size_t>(config.memstore_max_item_bytes);
  limits.max_items_per_structure = static_cast<size_t>(config.memstore_max_items_per_structure);
  limits.max_bytes_per_universe = static_cast<uint64_t>(config.memstore_max_bytes_per_universe);
  limits.max_ttl = std::chrono::seconds(config.memstore_max_ttl_seconds);
  return limits;
}

// Domain: every service the routes and the background work call, over the Storage, with the
// clock, the API keys, the rate limiter and the backups. Wire returns it loaded: API keys read
// (and the bootstrap admin key in place) and every leaderboard's rank index in memory, so the
// port never opens before rank answers are ready.
// Ownership: Run owns it; the HTTP side and the background work borrow its members. It borrows
// the Storage, which must outlive it.
// Thread safety: each service's own (its header).
struct Domain {
  Domain(const config::Config& config, Storage& storage)
      : entries(storage.engine(), storage.pipeline(), &clock, EntryLimitsOf(config)),
        mailbox(storage.engine(), storage.pipeline(), &clock,
                datastore::MailboxLimits{
                    .max_message_bytes = static_cast<size_t>(config.mailbox_max_message_bytes),
                    .max_pending = static_cast<size_t>(config.mailbox_max_pending)}),
        user_erasure(storage.engine(), storage.pipeline()),
        catalog(storage.engine(), storage.pipeline(), &clock,
                std::chrono::hours(24) * config.datastore_delete_retention_days),
        revision_purger(storage.engine(), storage.pipeline(), &clock, RetentionOf(config)),
        idempotency_store(storage.engine(), storage.pipeline(), &clock,
                          std::chrono::seconds(config.idempotency_ttl_seconds)),
        writes(&idempotency_store, storage.pipeline(), &clock),
        lock_service(storage.engine(), storage.pipeline(), &clock, LockLimitsOf(config)),
        leaderboards(storage.engine(), storage.pipeline(), &clock, LeaderboardLimitsOf(config)),
        sorted_maps(storage.engine(), storage.pipeline(), &clock, MemoryStoreLimitsOf(config)),
        hash_maps(storage.engine(), storage.pipeline(), &clock, MemoryStoreLimitsOf(config),
                  memstore::kHashMapLayout),
        memory_store_flush(storage.engine(), storage.pipeline(), &clock),
        queues(storage.engine(), storage.pipeline(), &clock, MemoryStoreLimitsOf(config),
               std::chrono::milliseconds(config.memstore_max_wait_ms)),
        expiry_sweeper(storage.engine(), storage.pipeline(), &clock),
        keys(storage.engine(), storage.pipeline(), &clock),
        limiter(RateLimiterOptions(config)) {
    if (storage.change_log() != nullptr) {
      std::vector<std::string> allowed_hosts = AllowedHostsOrNone(config);
      change_feed = std::make_unique<changes::ChangeFeed>(storage.engine(), storage.change_log(),
                                                          FeedLimitsOf(config));
      subscriptions = std::make_unique<changes::Subscriptions>(
          storage.engine(), storage.pipeline(), change_feed.get(), &clock,
          changes::SubscriptionLimits{
              .max_per_universe = static_cast<size_t>(config.changes_max_subscriptions),
              .webhook_allowed_hosts = allowed_hosts});
      webhooks = std::make_unique<Webhooks>(config, std::move(allowed_hosts), subscriptions.get(),
                                            change_feed.get(), &clock);
      change_pruner = std::make_unique<changes::ChangePruner>(storage.engine(), storage.pipeline(),
                                                              &clock, ChangeRetentionOf(config));
    }
  }

  // Loads what the services keep in memory (API keys, rank indexes) before the port opens.
  // In cluster mode after the node's first claim (ClusterNode::Start), and the bootstrap admin
  // key only on the node that owns the system partition (the others copy the keys from it).
  core::Status Load(const config::Config& config, Storage& storage, const ClusterNode* cluster) {
    if (auto loaded = keys.Load(); !loaded.ok()) {
      return Because("cannot load the API keys", loaded);
    }
    if (cluster == nullptr || cluster->OwnsSystemPartition()) {
      SB_RETURN_IF_ERROR(BootstrapAdminKey(config, keys));
    } else {
      spdlog::info("cluster: the API keys are copied from the node that owns the system partition");
    }
    return LoadRest(config, storage);
  }

  core::SystemClock clock;
  datastore::EntryService entries;
  datastore::Mailbox mailbox;
  datastore::UserErasure user_erasure;
  datastore::DataStoreCatalog catalog;
  datastore::RevisionPurger revision_purger;
  idempotency::IdempotencyStore idempotency_store;
  gate::WriteGate writes;
  locks::LockService lock_service;
  leaderboard::LeaderboardService leaderboards;
  memstore::SortedMapService sorted_maps;
  memstore::SortedMapService hash_maps;  // api.md §10: a sorted map without sort keys
  memstore::MemoryStoreFlush memory_store_flush;
  memstore::QueueService queues;
  memstore::ExpirySweeper expiry_sweeper;
  ops::KeyStore keys;
  ops::RateLimiter limiter;
  // Both null with change_log = off.
  std::unique_ptr<changes::ChangeFeed> change_feed;
  std::unique_ptr<changes::Subscriptions> subscriptions;
  std::unique_ptr<changes::ChangePruner> change_pruner;
  std::unique_ptr<Webhooks> webhooks;     // null with change_log = off
  std::unique_ptr<ops::Backups> backups;  // set by Load

 private:
  core::Status LoadRest(const config::Config& config, Storage& storage) {
    if (config.auth != config::Auth::kRequired) {
      spdlog::warn("auth is disabled: every route is open to anyone who can connect");
    }
    if (config.storage == config::Storage::kPostgres) {
      backups = ops::Backups::Unsupported(
          "In storage mode postgres the durable copy is PostgreSQL's, so backups are "
          "PostgreSQL's own: pg_dump or pg_basebackup (CockroachDB: BACKUP). The local data "
          "directory is only a cache of it (README, \"Backups and restore\").");
    } else {
      auto opened = ops::Backups::Open(storage.engine(), BackupDir(config));
      if (!opened.ok()) return Because("cannot open the backup dir", opened.status());
      backups = std::move(*opened);
    }
    // Rank answers come from memory: load every leaderboard before the port opens.
    const auto started = std::chrono::steady_clock::now();
    auto rebuilt = leaderboards.Rebuild();
    if (!rebuilt.ok()) return Because("cannot load the leaderboards", rebuilt.status());
    spdlog::info("loaded {} leaderboard entries in {} boards in {} ms", rebuilt->entries,
                 rebuilt->boards, MillisecondsSince(started));
    return core::Status::Ok();
  }
};

// A log switched off and on again leaves a gap readers must be told of (change_log_gaps.h).
// One node only: a cluster's nodes run with one setting.
core::Status MarkChangeLogGaps(const config::Config& config, Storage& storage,
                               const Domain& domain) {
  if (config.cluster == config::Cluster::kOn) return core::Status::Ok();
  if (config.change_log == config::ChangeLogMode::kOff) {
    return changes::NoteChangeLogOff(*storage.engine(), *storage.pipeline());
  }
  auto marked = changes::CloseChangeLogGaps(*storage.engine(), *storage.pipeline(), domain.clock);
  if (!marked.ok()) return std::move(marked).status();
  if (*marked > 0) {
    spdlog::warn(
        "change log: it was off since the last start; {} universes' logs now hold a gap, and "
        "readers before it get CHANGES_EXPIRED",
        *marked);
  }
  return core::Status::Ok();
}

http::ServerOptions ServerOptionsOf(const config::Config& config) {
  http::ServerOptions options;
  options.address = config.listen_address;
  options.port = static_cast<uint16_t>(config.port);
  options.body_limit_bytes = static_cast<uint64_t>(config.body_limit_bytes);
  options.header_limit_bytes = static_cast<uint32_t>(config.header_limit_bytes);
  options.io_timeout = std::chrono::milliseconds(config.io_timeout_ms);
  options.lingering_close = std::chrono::milliseconds(config.lingering_close_ms);
  options.max_connections = static_cast<size_t>(config.max_connections);
  return options;
}

size_t IoThreads(const config::Config& config) {
  return static_cast<size_t>(
      config.io_threads > 0 ? config.io_threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
}

gate::AccessGate::Options GateOptionsOf(const config::Config& config) {
  using Metrics = gate::AccessGate::Options::Metrics;
  gate::AccessGate::Options options;
  options.auth_required = config.auth == config::Auth::kRequired;
  options.access_log = config.access_log == config::AccessLog::kOn;
  switch (config.metrics_access) {
    case config::MetricsAccess::kLoopback:
      options.metrics_access = Metrics::kLoopback;
      break;
    case config::MetricsAccess::kOpen:
      options.metrics_access = Metrics::kOpen;
      break;
    case config::MetricsAccess::kKey:
      options.metrics_access = Metrics::kKey;
      break;
  }
  return options;
}

// Front: the HTTP side: the IO contexts (whose main context also runs the background work and
// the drain), the router, the server, the api::Services table handed to the routes, and the
// AccessGate that owns the route table.
// Ownership: Run owns it, after the Domain and the Storage it borrows (so it goes first).
// Thread safety: Register and Listen on the thread that runs Run, before pool.Run(); the
// server and the gate then serve on the IO threads.
struct Front {
  explicit Front(const config::Config& config)
      : pool(IoThreads(config)), server(pool, router, ServerOptionsOf(config)) {}
  Front(const Front&) = delete;
  Front& operator=(const Front&) = delete;

  // Fills the services table and installs api::ServerRoutes through the AccessGate.
  core::Status Register(const config::Config& config, Storage& storage, Domain& domain,
                        ClusterNode* cluster) {
    services.clock = &domain.clock;
    services.engine = storage.engine();
    services.entries = &domain.entries;
    services.mailbox = &domain.mailbox;
    services.user_erasure = &domain.user_erasure;
    services.catalog = &domain.catalog;
    services.locks = &domain.lock_service;
    services.leaderboards = &domain.leaderboards;
    services.sorted_maps = &domain.sorted_maps;
    services.hash_maps = &domain.hash_maps;
    services.memory_store_flush = &domain.memory_store_flush;
    services.queues = &domain.queues;
    services.changes = domain.change_feed.get();
    services.subscriptions = domain.subscriptions.get();
    if (domain.webhooks) services.webhooks = &domain.webhooks->deliverer();
    services.keys = &domain.keys;
    services.backups = domain.backups.get();
    services.limiter = &domain.limiter;
    services.pipeline = storage.pipeline();
    if (storage.postgres() != nullptr) {
      services.postgres = storage.postgres()->commit();
      services.leases = storage.postgres()->leases();
    }
    services.metrics_max_queues = static_cast<size_t>(config.metrics_max_queues);
    services.memstore_max_bytes_per_universe =
        static_cast<uint64_t>(config.memstore_max_bytes_per_universe);
    services.max_inventory_names = static_cast<size_t>(config.max_inventory_names);
    services.max_commit_operations = static_cast<size_t>(config.max_commit_operations);
    services.max_commit_bytes = static_cast<size_t>(config.max_commit_bytes);
    services.max_commit_write_bytes = static_cast<size_t>(config.max_commit_write_bytes);
    services.commits = &commit_counters;
    services.ready = [this] { return server.state() == http::ServingState::kServing; };
    auto installed =
        gate::AccessGate::Install(api::ServerRoutes(services), router, &domain.writes, &domain.keys,
                                  &domain.limiter, GateOptionsOf(config));
    if (!installed.ok()) return std::move(installed).status();
    gate = std::move(*installed);
    services.gate = gate.get();
    if (cluster != nullptr) {
      gate->SetPlacement(cluster->placement());
      services.cluster = &cluster->coordinator();
      services.placement = &cluster->node_placement();
      services.forward_client = &cluster->forward_client();
    }
    return core::Status::Ok();
  }

  // Opens the port, writes the port file, turns ready and logs where it serves.
  core::Status Listen(const config::Config& config) {
    auto port = server.Start();
    if (!port.ok()) return std::move(port).status();
    if (!config.port_file.empty() && !WritePortFile(config.port_file, *port)) {
      return core::Status::Internal("cannot write port file " + config.port_file);
    }
    server.set_state(http::ServingState::kServing);
    const bool postgres = config.storage == config::Storage::kPostgres;
    spdlog::info(
        "strongbox serving on {}:{} (storage {}, data dir {}{}, {} IO threads)",
        config.listen_address, *port, config::Name(config.storage), config.data_dir,
        postgres ? " as a cache" : ", durability " + std::string(config::Name(config.durability)),
        pool.size());
    return core::Status::Ok();
  }

  http::IoContextPool pool;
  http::Router router;
  http::Server server;
  api::Services services;
  api::CommitCounters commit_counters;
  std::unique_ptr<gate::AccessGate> gate;
};

// The graceful shutdown of design.md §4, on the main context once SIGINT/SIGTERM arrives: the
// background jobs stop, long polls (queue reads, lock acquires with a waitTime) answer at once
// with what they have instead of outliving the grace, the server drains within the grace, then
// the pipeline commits what is left and stops (every request has answered, so nothing more can
// be queued, and it stops before the contexts its waiters complete on), then the pool stops and
// Run goes on to Close.
asio::awaitable<void> Drain(const config::Config& config, Front& front, BackgroundWork& background,
                            Domain& domain, Storage& storage, ClusterNode* cluster) {
  if (cluster != nullptr) {
    // Hand every partition to the other nodes while this one still forwards to them, within
    // the grace; what is left after it is released for the others to claim.
    cluster->BeginDrain();
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(config.shutdown_grace_ms);
    while (!cluster->Drained() && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
  background.Stop();
  domain.queues.StopWaiting();
  domain.lock_service.StopWaiting();
  if (domain.webhooks) domain.webhooks->Stop();  // before the feed's long polls end
  if (domain.change_feed) domain.change_feed->StopWaiting();
  co_await front.server.Drain(std::chrono::milliseconds(config.shutdown_grace_ms));
  storage.pipeline()->Stop();
  front.pool.Stop();
}

// Once the pool has stopped: waits for a backup in progress, stops the pipeline, closes the
// database. The exit code.
int Close(Storage& storage, Domain& domain) {
  domain.backups->Stop();
  core::Status closed = storage.Close();
  if (!closed.ok()) {
    spdlog::error("closing the database: {}", closed.ToString());
    return 1;
  }
  spdlog::info("strongbox stopped cleanly");
  return 0;
}

// A startup step failed: the reason, logged once, and the exit code.
int StartupFailed(const core::Status& status) {
  spdlog::critical("{}", status.message());
  return 1;
}

}  // namespace

// Open (storage), wire (services), register (routes), serve (port, then background work),
// drain on a signal, close. Each object is declared in the order it must be destroyed in
// reverse, so an early return releases what was opened in the right order too.
int Run(const config::Config& config) {
  ConfigureLogging(config.log_level, config.log_format);
  core::SetMaxJsonDepth(static_cast<size_t>(config.max_json_depth));

  if (auto hosts = AllowedWebhookHostsOf(config); !hosts.ok()) {
    return StartupFailed(hosts.status());
  }
  // Before the database opens: RocksDB keeps every table file open (max_open_files unset).
  RaiseOpenFilesLimit(config.max_connections);
  auto storage = Storage::Open(config);
  if (!storage.ok()) return StartupFailed(storage.status());
  auto domain = std::make_unique<Domain>(config, **storage);
  std::unique_ptr<ClusterNode> cluster;
  if (config.cluster == config::Cluster::kOn) {
    auto started = ClusterNode::Start(config, *(*storage)->postgres(),
                                      {.engine = (*storage)->engine(),
                                       .pipeline = (*storage)->pipeline(),
                                       .leaderboards = &domain->leaderboards,
                                       .queues = &domain->queues,
                                       .locks = &domain->lock_service,
                                       .keys = &domain->keys,
                                       .changes = domain->change_feed.get()});
    if (!started.ok()) return StartupFailed(started.status());
    cluster = std::move(*started);
  }
  if (auto loaded = domain->Load(config, **storage, cluster.get()); !loaded.ok()) {
    return StartupFailed(loaded);
  }
  if (auto gaps = MarkChangeLogGaps(config, **storage, *domain); !gaps.ok()) {
    return StartupFailed(gaps);
  }
  if (cluster) cluster->Run();
  Front front(config);
  if (auto registered = front.Register(config, **storage, *domain, cluster.get());
      !registered.ok()) {
    return StartupFailed(registered);
  }
  if (auto listening = front.Listen(config); !listening.ok()) return StartupFailed(listening);

  BackgroundWork background(config, front.pool.Main().get_executor(),
                            {.catalog = &domain->catalog,
                             .idempotency_store = &domain->idempotency_store,
                             .revision_purger = &domain->revision_purger,
                             .leaderboards = &domain->leaderboards,
                             .expiry_sweeper = &domain->expiry_sweeper,
                             .backups = domain->backups.get(),
                             .change_pruner = domain->change_pruner.get()});
  background.Start();
  if (domain->webhooks) domain->webhooks->Start(front.pool.Main().get_executor());

  // Lives until Run returns, so a second signal during Close is caught, not fatal.
  asio::signal_set signals(front.pool.Main(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {}: draining (grace {} ms)", signal, config.shutdown_grace_ms);
    asio::co_spawn(front.pool.Main(),
                   Drain(config, front, background, *domain, **storage, cluster.get()),
                   asio::detached);
  });

  front.pool.Run();
  if (domain->webhooks) domain->webhooks->CloseIdle();  // its connections use the contexts
  if (cluster) cluster->Stop();  // before the pipeline and the storage it uses go
  return Close(**storage, *domain);
}

}  // namespace strongbox::app
