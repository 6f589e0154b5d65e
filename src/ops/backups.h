#pragma once

// Backups: online, consistent backups of the whole database with RocksDB's BackupEngine
// (api.md §7), and the offline restore. A backup flushes the memtables and copies the live
// files while writes go on: it holds everything acknowledged before it started, in every
// column family (entries, revisions, leaderboards, memory store, locks and their fencing
// tokens, API keys). Files are shared between backups, so each one after the first copies
// only what changed.
//
// Ownership: app/. Thread safety: every method from any thread; backup work (create, list,
// delete) runs one at a time on the object's own thread, never on an IO thread.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/engine.h"

namespace rocksdb {
class BackupEngine;
}

namespace strongbox::ops {

struct BackupInfo {
  uint32_t id = 0;
  core::Timestamp create_time{};
  uint64_t size_bytes = 0;
  uint32_t files = 0;
};

class Backups {
 public:
  // Opens (creating) the backup directory. `engine` must outlive this object.
  static core::Result<std::unique_ptr<Backups>> Open(store::Engine* engine, std::string backup_dir);
  // Backups that this storage mode takes with other tools (`postgres`: PostgreSQL's own):
  // Create, List and Delete answer kFailedPrecondition, reason STORAGE_MODE (HTTP 400), with
  // `reason` as the message, which names those tools.
  static std::unique_ptr<Backups> Unsupported(std::string reason);
  ~Backups();

  // Takes a backup; then, when `keep` > 0, deletes the oldest past `keep`.
  boost::asio::awaitable<core::Result<BackupInfo>> Create(size_t keep = 0);
  // Oldest first. Runs on the backup thread too, so it waits for a backup in progress
  // without holding an IO thread.
  boost::asio::awaitable<core::Result<std::vector<BackupInfo>>> List();
  boost::asio::awaitable<core::Status> Delete(uint32_t id);

  const std::string& dir() const { return dir_; }

  // Waits for a backup in progress to finish. REQUIRES: before the Engine closes.
  void Stop() { worker_.join(); }

  // Offline: restores backup `id` (the newest when nullopt) from `backup_dir` into `data_dir`,
  // which must be empty or absent (kFailedPrecondition otherwise: a restore never overwrites).
  static core::Status Restore(const std::string& backup_dir, std::optional<uint32_t> id,
                              const std::string& data_dir);

 private:
  Backups(store::Engine* engine, std::string dir, rocksdb::BackupEngine* backup_engine);
  // REQUIRES: on worker_.
  core::Result<BackupInfo> CreateNow(size_t keep);
  core::Status Unsupported() const;

  store::Engine* engine_;
  const std::string dir_;
  std::string unsupported_;  // not empty: every operation refuses with it
  // Used only on worker_, whose one thread runs every backup operation in turn: BackupEngine
  // is not safe for concurrent use, and its work must never hold an IO thread.
  std::unique_ptr<rocksdb::BackupEngine> backup_engine_;
  boost::asio::thread_pool worker_{1};
};

}  // namespace strongbox::ops
