#include "app/app.h"

#include <fcntl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "api/server_routes.h"
#include "api/services.h"
#include "app/logging.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "datastore/catalog.h"
#include "datastore/entry_service.h"
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

// Creates `path` with mode 0600 and writes `secret`; refuses to replace an existing file.
bool WriteSecretFile(const std::string& path, const std::string& secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const std::string line = secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return written && synced;
}

std::optional<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret)) return std::nullopt;
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  return secret;
}

// The bootstrap admin key of api.md §7: --admin-key-file supplies it, or on a first start
// (no keys at all) a new one is written to <data-dir>/admin.key. The secret is never logged.
bool BootstrapAdminKey(const config::Config& config, ops::KeyStore& keys) {
  std::optional<std::string> supplied;
  if (!config.admin_key_file.empty()) {
    supplied = ReadSecretFile(config.admin_key_file);
    if (!supplied) {
      spdlog::critical("cannot read the admin key file {}", config.admin_key_file);
      return false;
    }
  }
  auto created = keys.EnsureBootstrapKey(supplied);
  if (!created.ok()) {
    spdlog::critical("bootstrap admin key: {}", created.status().message());
    return false;
  }
  if (supplied) {
    spdlog::info("admin key \"admin\" uses the secret in {}", config.admin_key_file);
  } else if (*created) {
    const std::string path = (std::filesystem::path(config.data_dir) / "admin.key").string();
    std::filesystem::remove(path);  // a stale file from a wiped database would block O_EXCL
    if (!WriteSecretFile(path, **created)) {
      spdlog::critical("cannot write the admin key to {}", path);
      return false;
    }
    spdlog::info("created the admin API key; its secret is in {} (mode 0600)", path);
  }
  return true;
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
  set(ops::RateFamily::kAdmin, c.rate_limit_admin_per_key, 0);
  o.burst_seconds = static_cast<double>(c.rate_limit_burst_seconds);
  return o;
}

}  // namespace

std::string BackupDir(const config::Config& config) {
  return config.backup_dir.empty() ? (std::filesystem::path(config.data_dir) / "backups").string()
                                   : config.backup_dir;
}

int Run(const config::Config& config) {
  ConfigureLogging(config.log_level, config.log_format);
  core::SetMaxJsonDepth(static_cast<size_t>(config.max_json_depth));

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    spdlog::critical("cannot create data dir {}: {}", config.data_dir, ec.message());
    return 1;
  }
  store::Engine::Options engine_options;
  engine_options.path = config.data_dir;
  engine_options.sync_writes = config.durability == config::Durability::kSync;
  engine_options.reserve_free_bytes = static_cast<uint64_t>(config.storage_min_free_bytes);
  const auto open_started = std::chrono::steady_clock::now();
  auto engine = store::Engine::Open(engine_options);
  if (!engine.ok()) {
    spdlog::critical("cannot open the database in {}: {}", config.data_dir,
                     engine.status().ToString());
    return 1;
  }
  spdlog::info("opened the database in {} ms",
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - open_started)
                   .count());
  store::CommitPipeline::Options pipeline_options;
  pipeline_options.queue_limit = static_cast<size_t>(config.commit_queue_limit);
  pipeline_options.batch_limit = static_cast<size_t>(config.commit_batch_limit);
  pipeline_options.batch_bytes_limit = static_cast<uint64_t>(config.commit_group_max_bytes);
  pipeline_options.min_free_bytes = static_cast<uint64_t>(config.storage_min_free_bytes);
  pipeline_options.recovery_interval =
      std::chrono::milliseconds(config.storage_recovery_interval_ms);
  store::CommitPipeline pipeline(engine->get(), pipeline_options);
  core::SystemClock clock;
  datastore::EntryLimits limits;
  limits.max_value_bytes = static_cast<size_t>(config.max_value_bytes);
  limits.max_revisions_per_entry = static_cast<size_t>(config.max_revisions_per_entry);
  limits.max_patch_operations = static_cast<size_t>(config.max_patch_operations);
  datastore::EntryService entries(engine->get(), &pipeline, &clock, limits);
  datastore::RetentionPolicy retention;
  retention.retention = std::chrono::hours(24) * config.revision_retention_days;
  retention.max_revisions = static_cast<size_t>(config.max_revisions_per_entry);
  retention.scan_budget = static_cast<size_t>(config.revision_purge_scan_budget);
  datastore::UserErasure user_erasure(engine->get(), &pipeline);
  datastore::DataStoreCatalog catalog(
      engine->get(), &pipeline, &clock,
      std::chrono::hours(24) * config.datastore_delete_retention_days);
  datastore::RevisionPurger purger(engine->get(), &pipeline, &clock, retention);
  idempotency::IdempotencyStore idempotency(engine->get(), &pipeline, &clock,
                                            std::chrono::seconds(config.idempotency_ttl_seconds));
  gate::WriteGate writes(&idempotency, &pipeline, &clock);
  locks::LockLimits lock_limits;
  lock_limits.max_ttl = std::chrono::seconds(config.lock_max_ttl_seconds);
  lock_limits.max_wait = std::chrono::milliseconds(config.lock_max_wait_ms);
  locks::LockService lock_service(engine->get(), &pipeline, &clock, lock_limits);
  leaderboard::LeaderboardService leaderboards(engine->get(), &pipeline);
  memstore::MemoryStoreLimits memstore_limits;
  memstore_limits.max_item_bytes = static_cast<size_t>(config.memstore_max_item_bytes);
  memstore_limits.max_items_per_structure =
      static_cast<size_t>(config.memstore_max_items_per_structure);
  memstore_limits.max_ttl = std::chrono::seconds(config.memstore_max_ttl_seconds);
  memstore::SortedMapService sorted_maps(engine->get(), &pipeline, &clock, memstore_limits);
  memstore::MemoryStoreFlush memory_store_flush(engine->get(), &pipeline, &clock);
  memstore::QueueService queues(engine->get(), &pipeline, &clock, memstore_limits,
                                std::chrono::milliseconds(config.memstore_max_wait_ms));
  memstore::ExpirySweeper expiry_sweeper(engine->get(), &pipeline, &clock);
  ops::KeyStore keys(engine->get(), &pipeline, &clock);
  if (auto loaded = keys.Load(); !loaded.ok()) {
    spdlog::critical("cannot load the API keys: {}", loaded.ToString());
    return 1;
  }
  if (!BootstrapAdminKey(config, keys)) return 1;
  if (config.auth != "required") {
    spdlog::warn("auth is disabled: every route is open to anyone who can connect");
  }
  ops::RateLimiter limiter(RateLimiterOptions(config));
  auto backups = ops::Backups::Open(engine->get(), BackupDir(config));
  if (!backups.ok()) {
    spdlog::critical("cannot open the backup dir: {}", backups.status().ToString());
    return 1;
  }
  {
    // Rank answers come from memory: load every leaderboard before the port opens.
    const auto started = std::chrono::steady_clock::now();
    auto rebuilt = leaderboards.Rebuild();
    if (!rebuilt.ok()) {
      spdlog::critical("cannot load the leaderboards: {}", rebuilt.status().ToString());
      return 1;
    }
    spdlog::info("loaded {} leaderboard entries in {} boards in {} ms", rebuilt->entries,
                 rebuilt->boards,
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
  }

  const int threads = config.io_threads > 0
                          ? config.io_threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  http::IoContextPool pool(static_cast<size_t>(threads));

  http::ServerOptions server_options;
  server_options.address = config.listen_address;
  server_options.port = static_cast<uint16_t>(config.port);
  server_options.body_limit_bytes = static_cast<uint64_t>(config.body_limit_bytes);
  server_options.header_limit_bytes = static_cast<uint32_t>(config.header_limit_bytes);
  server_options.io_timeout = std::chrono::milliseconds(config.io_timeout_ms);
  server_options.lingering_close = std::chrono::milliseconds(config.lingering_close_ms);
  server_options.max_connections = static_cast<size_t>(config.max_connections);

  http::Router router;
  http::Server server(pool, router, server_options);
  api::Services services;
  services.clock = &clock;
  services.engine = engine->get();
  services.entries = &entries;
  services.user_erasure = &user_erasure;
  services.catalog = &catalog;
  services.locks = &lock_service;
  services.leaderboards = &leaderboards;
  services.sorted_maps = &sorted_maps;
  services.memory_store_flush = &memory_store_flush;
  services.queues = &queues;
  services.keys = &keys;
  services.backups = backups->get();
  services.limiter = &limiter;
  services.pipeline = &pipeline;
  services.metrics_max_queues = static_cast<size_t>(config.metrics_max_queues);
  services.ready = [&server] { return server.state() == http::ServingState::kServing; };
  gate::AccessGate::Options gate_options;
  gate_options.auth_required = config.auth == "required";
  gate_options.access_log = config.access_log == "on";
  gate_options.metrics_access =
      config.metrics_access == "open"  ? gate::AccessGate::Options::Metrics::kOpen
      : config.metrics_access == "key" ? gate::AccessGate::Options::Metrics::kKey
                                       : gate::AccessGate::Options::Metrics::kLoopback;
  auto gate = gate::AccessGate::Install(api::ServerRoutes(services), router, &writes, &keys,
                                        &limiter, gate_options);
  if (!gate.ok()) {
    spdlog::critical("{}", gate.status().message());
    return 1;
  }
  services.gate = gate->get();

  auto port = server.Start();
  if (!port.ok()) {
    spdlog::critical("{}", port.status().message());
    return 1;
  }
  if (!config.port_file.empty() && !WritePortFile(config.port_file, *port)) {
    spdlog::critical("cannot write port file {}", config.port_file);
    return 1;
  }
  server.set_state(http::ServingState::kServing);
  spdlog::info("strongbox serving on {}:{} (data dir {}, durability {}, {} IO threads)",
               config.listen_address, *port, config.data_dir,
               config.durability == config::Durability::kSync ? "sync" : "wal", threads);

  // Background purge of old revisions, expired deleted data stores and expired idempotency
  // records: one bounded pass each per interval, stopped by the drain.
  asio::steady_timer purge_timer(pool.Main());
  bool stopping = false;
  asio::co_spawn(
      pool.Main(),
      [&]() -> asio::awaitable<void> {
        while (!stopping) {
          purge_timer.expires_after(std::chrono::milliseconds(config.revision_purge_interval_ms));
          auto [wait_error] = co_await purge_timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (wait_error || stopping) break;
          auto purged =
              co_await catalog.PurgeExpired(static_cast<size_t>(config.revision_purge_scan_budget));
          if (!purged.ok()) spdlog::warn("data store purge: {}", purged.status().ToString());
          auto idempotency_purged = co_await idempotency.PurgeExpired(
              static_cast<size_t>(config.revision_purge_scan_budget));
          if (!idempotency_purged.ok()) {
            spdlog::warn("idempotency purge: {}", idempotency_purged.status().ToString());
          }
          auto stats = co_await purger.RunOnce();
          if (!stats.ok()) {
            spdlog::warn("revision purge: {}", stats.status().ToString());
          } else if (stats->revisions_deleted > 0) {
            spdlog::debug("revision purge: {} revisions, {} entries removed",
                          stats->revisions_deleted, stats->entries_purged);
          }
        }
      },
      asio::detached);

  // Expired memory-store items are already invisible; this reclaims them, one bounded commit
  // at a time, so the sweep never holds the sequencer long.
  asio::steady_timer sweep_timer(pool.Main());
  asio::co_spawn(
      pool.Main(),
      [&]() -> asio::awaitable<void> {
        while (!stopping) {
          sweep_timer.expires_after(std::chrono::milliseconds(config.memstore_sweep_interval_ms));
          auto [wait_error] = co_await sweep_timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (wait_error || stopping) break;
          const auto batch = static_cast<size_t>(config.memstore_sweep_batch);
          // A full batch means more may be due: go on at once.
          for (;;) {
            auto swept = co_await expiry_sweeper.SweepExpired(batch);
            if (!swept.ok()) {
              spdlog::warn("memory-store sweep: {}", swept.status().ToString());
              break;
            }
            if (*swept < batch || stopping) break;
          }
        }
      },
      asio::detached);

  // Scheduled backups (config backup_interval_seconds), keeping backup_keep of them.
  asio::steady_timer backup_timer(pool.Main());
  if (config.backup_interval_seconds > 0) {
    asio::co_spawn(
        pool.Main(),
        [&]() -> asio::awaitable<void> {
          while (!stopping) {
            backup_timer.expires_after(std::chrono::seconds(config.backup_interval_seconds));
            auto [wait_error] =
                co_await backup_timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (wait_error || stopping) break;
            auto taken = co_await (*backups)->Create(static_cast<size_t>(config.backup_keep));
            if (taken.ok()) {
              spdlog::info("scheduled backup {} taken ({} bytes)", taken->id, taken->size_bytes);
            } else {
              spdlog::error("scheduled backup failed: {}", taken.status().ToString());
            }
          }
        },
        asio::detached);
  }

  asio::signal_set signals(pool.Main(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {}: draining (grace {} ms)", signal, config.shutdown_grace_ms);
    asio::co_spawn(
        pool.Main(),
        [&]() -> asio::awaitable<void> {
          stopping = true;
          purge_timer.cancel();
          sweep_timer.cancel();
          backup_timer.cancel();
          co_await server.Drain(std::chrono::milliseconds(config.shutdown_grace_ms));
          // Every request has answered; nothing more can be queued. Commit what is left.
          pipeline.Stop();
          pool.Stop();
        },
        asio::detached);
  });

  pool.Run();

  (*backups)->Stop();
  pipeline.Stop();
  core::Status closed = (*engine)->Close();
  if (!closed.ok()) {
    spdlog::error("closing the database: {}", closed.ToString());
    return 1;
  }
  spdlog::info("strongbox stopped cleanly");
  return 0;
}

}  // namespace strongbox::app
