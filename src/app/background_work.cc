#include "app/background_work.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace strongbox::app {

namespace asio = boost::asio;

BackgroundWork::BackgroundWork(const config::Config& config, asio::any_io_executor executor,
                               Services services)
    : services_(services),
      purge_scan_budget_(static_cast<size_t>(config.revision_purge_scan_budget)),
      sweep_batch_(static_cast<size_t>(config.memstore_sweep_batch)),
      backup_keep_(static_cast<size_t>(config.backup_keep)),
      backups_scheduled_(config.backup_interval_seconds > 0),
      purge_(executor, "background purge",
             std::chrono::milliseconds(config.revision_purge_interval_ms),
             [this] { return PurgeOnce(); }),
      sweep_(executor, "memory-store sweep",
             std::chrono::milliseconds(config.memstore_sweep_interval_ms),
             [this] { return SweepOnce(); }),
      backup_(executor, "scheduled backup",
              std::chrono::seconds(backups_scheduled_ ? config.backup_interval_seconds : 1),
              [this] { return BackupOnce(); }),
      prune_changes_(executor, "change log prune",
                     std::chrono::milliseconds(config.changes_prune_interval_ms),
                     [this] { return PruneChangesOnce(); }) {}

void BackgroundWork::Start() {
  purge_.Start();
  sweep_.Start();
  if (backups_scheduled_) backup_.Start();
  if (services_.change_pruner != nullptr) prune_changes_.Start();
}

void BackgroundWork::Stop() {
  purge_.Stop();
  sweep_.Stop();
  backup_.Stop();
  prune_changes_.Stop();
}

asio::awaitable<void> BackgroundWork::PurgeOnce() {
  auto purged = co_await services_.catalog->PurgeExpired(purge_scan_budget_);
  if (!purged.ok()) spdlog::warn("data store purge: {}", purged.status().ToString());
  auto idempotency_purged = co_await services_.idempotency_store->PurgeExpired(purge_scan_budget_);
  if (!idempotency_purged.ok()) {
    spdlog::warn("idempotency purge: {}", idempotency_purged.status().ToString());
  }
  auto seasons = co_await services_.leaderboards->ReclaimSeasons(purge_scan_budget_);
  if (!seasons.ok()) {
    spdlog::warn("leaderboard season reclaim: {}", seasons.status().ToString());
  } else if (*seasons > 0) {
    spdlog::debug("leaderboard season reclaim: {} entries removed", *seasons);
  }
  auto stats = co_await services_.revision_purger->RunOnce();
  if (!stats.ok()) {
    spdlog::warn("revision purge: {}", stats.status().ToString());
  } else if (stats->revisions_deleted > 0) {
    spdlog::debug("revision purge: {} revisions, {} entries removed", stats->revisions_deleted,
                  stats->entries_purged);
  }
}

asio::awaitable<void> BackgroundWork::SweepOnce() {
  // A full batch means more may be due: go on at once.
  for (;;) {
    auto swept = co_await services_.expiry_sweeper->SweepExpired(sweep_batch_);
    if (!swept.ok()) {
      spdlog::warn("memory-store sweep: {}", swept.status().ToString());
      break;
    }
    if (*swept < sweep_batch_ || sweep_.stop_requested()) break;
  }
}

asio::awaitable<void> BackgroundWork::PruneChangesOnce() {
  auto pruned = co_await services_.change_pruner->PruneOnce();
  if (!pruned.ok()) {
    spdlog::warn("change log prune: {}", pruned.status().ToString());
  } else if (*pruned > 0) {
    spdlog::debug("change log prune: {} records removed", *pruned);
  }
}

asio::awaitable<void> BackgroundWork::BackupOnce() {
  auto taken = co_await services_.backups->Create(backup_keep_);
  if (taken.ok()) {
    spdlog::info("scheduled backup {} taken ({} bytes)", taken->id, taken->size_bytes);
  } else {
    spdlog::error("scheduled backup failed: {}", taken.status().ToString());
  }
}

}  // namespace strongbox::app
