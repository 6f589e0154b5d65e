#pragma once

// BackgroundWork: the server's timer-driven jobs, each one PeriodicTask on the pool's main
// context:
//   - purge: expired deleted data stores, expired idempotency records, old revisions and
//     leaderboard seasons past retention, one bounded pass each per revision_purge_interval_ms;
//   - memory-store sweep: reclaims expired items (already invisible to reads), one bounded
//     commit at a time, so the sweep never holds the sequencer long;
//   - scheduled backups, when backup_interval_seconds > 0, keeping backup_keep of them.
// Started once the port is open; stopped first thing in the drain.
//
// Ownership: app/ owns it and the services it borrows, which must outlive it. Destroy it
// before the executor's context (PeriodicTask).
// Thread safety: as PeriodicTask: Start before the executor runs or on its thread, Stop on it.

#include <boost/asio/any_io_executor.hpp>

#include "app/periodic_task.h"
#include "changes/change_pruner.h"
#include "config/config.h"
#include "datastore/catalog.h"
#include "datastore/revision_purger.h"
#include "idempotency/idempotency_store.h"
#include "leaderboard/leaderboard_service.h"
#include "memstore/expiry_sweeper.h"
#include "ops/backups.h"

namespace strongbox::app {

class BackgroundWork {
 public:
  // What the jobs work on; borrowed.
  struct Services {
    datastore::DataStoreCatalog* catalog = nullptr;
    idempotency::IdempotencyStore* idempotency_store = nullptr;
    datastore::RevisionPurger* revision_purger = nullptr;
    leaderboard::LeaderboardService* leaderboards = nullptr;
    memstore::ExpirySweeper* expiry_sweeper = nullptr;
    ops::Backups* backups = nullptr;
    changes::ChangePruner* change_pruner = nullptr;  // null: the change log is off
  };

  BackgroundWork(const config::Config& config, boost::asio::any_io_executor executor,
                 Services services);
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  // Starts every configured job. REQUIRES: called at most once.
  void Start();
  // No job starts another pass; waits end now. Idempotent.
  void Stop();

 private:
  boost::asio::awaitable<void> PurgeOnce();
  boost::asio::awaitable<void> SweepOnce();
  boost::asio::awaitable<void> BackupOnce();
  boost::asio::awaitable<void> PruneChangesOnce();

  const Services services_;
  const size_t purge_scan_budget_;
  const size_t sweep_batch_;
  const size_t backup_keep_;
  const bool backups_scheduled_;
  PeriodicTask purge_;
  PeriodicTask sweep_;
  PeriodicTask backup_;
  PeriodicTask prune_changes_;
};

}  // namespace strongbox::app
