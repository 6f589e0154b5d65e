#include "app/app.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

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

#include "api/datastore_entry_routes.h"
#include "api/datastore_list_routes.h"
#include "api/health_routes.h"
#include "api/idempotency.h"
#include "api/memory_store_routes.h"
#include "api/ordered_entry_routes.h"
#include "api/queue_routes.h"
#include "api/services.h"
#include "api/session_lock_routes.h"
#include "api/sorted_map_routes.h"
#include "api/standard_datastore_routes.h"
#include "api/write_hooks.h"
#include "core/clock.h"
#include "datastore/catalog.h"
#include "datastore/entry_service.h"
#include "datastore/revision_purger.h"
#include "datastore/user_erasure.h"
#include "http/router.h"
#include "http/server.h"
#include "leaderboard/leaderboard_service.h"
#include "locks/lock_service.h"
#include "memstore/expiry_sweeper.h"
#include "memstore/memory_store_flush.h"
#include "memstore/queue_service.h"
#include "memstore/sorted_map_service.h"
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

}  // namespace

int Run(const config::Config& config) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    spdlog::critical("cannot create data dir {}: {}", config.data_dir, ec.message());
    return 1;
  }
  store::Engine::Options engine_options;
  engine_options.path = config.data_dir;
  engine_options.sync_writes = config.durability == config::Durability::kSync;
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
  store::CommitPipeline pipeline(engine->get(), {static_cast<size_t>(config.commit_queue_limit),
                                                 static_cast<size_t>(config.commit_batch_limit)});
  core::SystemClock clock;
  datastore::EntryLimits limits;
  limits.max_value_bytes = static_cast<size_t>(config.max_value_bytes);
  limits.max_revisions_per_entry = static_cast<size_t>(config.max_revisions_per_entry);
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
  api::Idempotency idempotency(engine->get(), &pipeline, &clock,
                               std::chrono::seconds(config.idempotency_ttl_seconds));
  api::WriteHooks writes(&idempotency, &clock);
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
  server_options.max_connections = static_cast<size_t>(config.max_connections);

  http::Router router;
  http::Server server(pool, router, server_options);
  api::Services services;
  services.clock = &clock;
  services.engine = engine->get();
  services.entries = &entries;
  services.idempotency = &idempotency;
  services.user_erasure = &user_erasure;
  services.catalog = &catalog;
  services.writes = &writes;
  services.locks = &lock_service;
  services.leaderboards = &leaderboards;
  services.sorted_maps = &sorted_maps;
  services.memory_store_flush = &memory_store_flush;
  services.queues = &queues;
  services.ready = [&server] { return server.state() == http::ServingState::kServing; };
  api::RegisterHealthRoutes(router, services);
  api::RegisterDataStoreEntryRoutes(router, services);
  api::RegisterDataStoreListRoutes(router, services);
  api::RegisterStandardDataStoreRoutes(router, services);
  api::RegisterSessionLockRoutes(router, services);
  api::RegisterOrderedEntryRoutes(router, services);
  api::RegisterSortedMapRoutes(router, services);
  api::RegisterMemoryStoreRoutes(router, services);
  api::RegisterQueueRoutes(router, services);

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
          co_await server.Drain(std::chrono::milliseconds(config.shutdown_grace_ms));
          // Every request has answered; nothing more can be queued. Commit what is left.
          pipeline.Stop();
          pool.Stop();
        },
        asio::detached);
  });

  pool.Run();

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
