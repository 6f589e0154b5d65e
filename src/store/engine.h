#pragma once

// Engine: the one RocksDB instance with every column family of column_families.h open.
// Owned by the composition root (app/); outlives every reader and the CommitPipeline.
// Thread safety: Get and NewIterator may be called from any thread concurrently. Writes go only
// through CommitPipeline (the single writer), which calls Write and, after a failed write,
// Reopen.
//
// Storage faults (ENOSPC, EIO): after a failed write RocksDB holds a background error and
// refuses writes. RocksDB also marks the WAL file writer that failed and asserts (Debian keeps
// the assertion) if anything appends to or syncs it again, unless its own recovery resets it
// while switching to a new WAL, which it does only when some memtable holds data (RocksDB
// issues 11643, 12998). So after a failed write this engine never touches the write path until
// Recover: Close skips the WAL flush, RocksDB's automatic recovery is off, and Recover calls
// Resume() (it flushes the memtables to a new WAL and SST files; on failure nothing changes
// and reads go on) and, when that left the same WAL file in place, closes and reopens the
// database, which starts a fresh WAL (replay stops at the torn record of the failed write, and
// the memtables Resume flushed need not be written again). Readers hold a shared lock for the
// duration of a Get or an iterator's life so a reopen never pulls the database from under them.
// RocksDB types never appear in this header's public API beyond forward declarations.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/column_families.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
class WriteBatchWithIndex;
class Iterator;
class Snapshot;
}  // namespace rocksdb

namespace strongbox::store {

// A forward/backward cursor over one column family, seeing committed data only. Bounded by
// [lower, upper) when given, so a prefix scan stops by itself.
class Iterator {
 public:
  struct State;  // the RocksDB iterator, the bounds it points at, the reader lock (engine.cc)
  explicit Iterator(std::unique_ptr<State> state);
  ~Iterator();
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;

  void Seek(std::string_view key);         // first key >= key
  void SeekForPrev(std::string_view key);  // last key <= key
  void SeekToFirst();
  void SeekToLast();
  bool Valid() const;
  void Next();
  void Prev();
  std::string_view key() const;    // REQUIRES: Valid()
  std::string_view value() const;  // REQUIRES: Valid()
  core::Status status() const;

 private:
  std::unique_ptr<State> state_;
};

class Engine;

// Committed state at one instant: every Get and iterator made through one ReadSnapshot sees the
// same groups (each group's batch in all of them or in none), for reads that put several rows
// together: a queue's size beside its invisible items, a sorted map's index rows beside their
// items (RocksDB snapshot semantics). Made by Engine::Snapshot; holds the engine's reader lock
// (a Reopen waits for it) and a RocksDB snapshot (compaction keeps the versions it sees), so keep
// one only for one request's reads. Errors, while the engine is closed after a fault:
// kUnavailable (STORAGE_UNAVAILABLE) from Get, and iterators that are never valid, their status()
// an IOError saying why. Thread safety: used and destroyed on the thread that made it, never
// across a co_await (it holds a read lock, which only its own thread may release); it must not
// outlive the Engine.
class ReadSnapshot {
 public:
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

  // nullopt when the key is absent.
  core::Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const;
  // Iterator over [lower, upper); empty strings mean unbounded. REQUIRES: destroyed before
  // this ReadSnapshot.
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, std::string_view lower = {},
                                        std::string_view upper = {}) const;

 private:
  friend class Engine;
  ReadSnapshot(const Engine* engine, std::shared_lock<std::shared_timed_mutex> reader);
  const Engine* engine_;
  std::shared_lock<std::shared_timed_mutex> reader_;  // released after the snapshot
  const rocksdb::Snapshot* snapshot_ = nullptr;       // null while the engine is closed
};

class Engine {
 public:
  struct Options {
    std::string path;
    bool sync_writes = true;       // fsync each write batch (durability `sync`)
    size_t write_buffer_size = 0;  // 0 = RocksDB's default; tests use a tiny one to flush often
    // RocksDB's SstFileManager compaction buffer: after a NoSpace error, a compaction that
    // would eat into this much free space waits (RocksDB 7.8 checks only then). The
    // CommitPipeline stops writes at the same reserve. Flushes (up to a memtable per column
    // family) and backups on the same disk are not held to it; 0 = none.
    uint64_t reserve_free_bytes = 0;
  };

  static core::Result<std::unique_ptr<Engine>> Open(const Options& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Flushes and syncs the WAL and closes the database (without the flush after a failed
  // write). Idempotent. kUnavailable, closing nothing, when readers still hold the database
  // after 5 s; the destructor then closes it once they are gone.
  core::Status Close();

  // After a failed write, makes the database writable again (see above): Resume(), then, if
  // the failed WAL file is still the current one, a close and reopen that waits up to `wait`
  // for readers to let go. An error when RocksDB could not resume (nothing changed: reads go
  // on; try again later), when readers held on past `wait`, or when the reopen failed (then
  // the engine stays closed and reads answer kUnavailable until a later Recover succeeds).
  // Only the single writer (CommitPipeline's sequencer) calls it.
  core::Status Recover(std::chrono::milliseconds wait);

  // True once a write failed and until Recover succeeds.
  bool write_failed() const { return write_failed_; }
  // Bytes free for an unprivileged writer on the filesystem of the data directory; nullopt
  // when statvfs fails.
  std::optional<uint64_t> FreeBytes() const;
  // The sequence number of the last write RocksDB holds (to tell after a Reopen whether a
  // write that reported failure had reached the WAL whole, so its effects are replayed).
  uint64_t LatestSequence() const;

  // A shared hold on the open database, for callers outside store/ that need db() for a while
  // (backups). Reopen waits for it. Holds nest on one thread (an iterator alive during a Get)
  // because libstdc++'s shared_timed_mutex is a glibc rwlock, which prefers readers.
  std::shared_lock<std::shared_timed_mutex> SharedAccess() const {
    return std::shared_lock<std::shared_timed_mutex>(reopen_mu_);
  }

  // nullopt when the key is absent.
  core::Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const;

  // The values of `keys` read from one snapshot, so at one instant of committed state (a
  // group's batch is in all of them or none); nullopt for an absent key. For batch reads
  // (api.md §8 :batchGet).
  core::Result<std::vector<std::optional<std::string>>> MultiGet(
      std::span<const std::pair<ColumnFamily, std::string>> keys) const;

  // Iterator over [lower, upper); empty strings mean unbounded.
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, std::string_view lower = {},
                                        std::string_view upper = {}) const;

  // Committed state at this instant, for several reads that must agree (see ReadSnapshot).
  std::unique_ptr<ReadSnapshot> Snapshot() const;

  // For store/ internals (the pipeline): committed state overlaid with `batch`, over [lower,
  // upper). REQUIRES: the batch is not modified while the iterator lives; called only on the
  // sequencer, which alone reopens the database, so it takes no reader lock.
  std::unique_ptr<Iterator> NewIteratorOverBatch(rocksdb::WriteBatchWithIndex* batch,
                                                 ColumnFamily cf, std::string_view lower,
                                                 std::string_view upper) const;

  // A RocksDB integer property (e.g. "rocksdb.estimate-live-data-size") summed over every
  // column family; 0 where a family does not report it. For metrics.
  uint64_t SumIntProperty(const std::string& name) const;

  // For store/ internals (the pipeline): one atomic, durable write of a whole batch. A failure
  // sets write_failed(); the caller must then write nothing more until Reopen succeeds.
  core::Status Write(rocksdb::WriteBatch* batch);
  // The open database; nullptr while closed after a failed Reopen. Outside the sequencer, hold
  // SharedAccess() while using it.
  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(ColumnFamily cf) const {
    return handles_[static_cast<size_t>(cf)];
  }
  bool sync_writes() const { return sync_writes_; }

 private:
  friend class ReadSnapshot;
  Engine() = default;
  // Get and NewIterator at `snapshot` (null: the latest state). GetAt REQUIRES reopen_mu_ held
  // shared by the caller; NewIteratorAt takes its own hold for the iterator's life.
  core::Result<std::optional<std::string>> GetAt(const rocksdb::Snapshot* snapshot, ColumnFamily cf,
                                                 std::string_view key) const;
  std::unique_ptr<Iterator> NewIteratorAt(const rocksdb::Snapshot* snapshot, ColumnFamily cf,
                                          std::string_view lower, std::string_view upper) const;
  core::Status OpenDb();
  core::Status CloseDb();  // REQUIRES: reopen_mu_ held exclusively, or no other user left
  core::Status Reopen(std::chrono::milliseconds wait);
  uint64_t CurrentWalNumber() const;  // 0 when unknown

  Options options_;
  // Readers hold it shared; Reopen and Close take it exclusively.
  mutable std::shared_timed_mutex reopen_mu_;
  bool write_failed_ = false;       // only the sequencer writes it; readers never look
  uint64_t failed_wal_number_ = 0;  // the WAL file current when the write failed
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;        // indexed by ColumnFamily
  std::vector<rocksdb::ColumnFamilyHandle*> extra_handles_;  // families of a newer version
  bool sync_writes_ = true;
  bool closed_ = false;
};

}  // namespace strongbox::store
