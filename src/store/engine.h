#pragma once

// Engine: the one RocksDB instance with every column family of column_families.h open.
// Owned by the composition root (app/); outlives every reader and the CommitPipeline.
// Thread safety: Get and NewIterator may be called from any thread concurrently. Writes go only
// through CommitPipeline (the single writer), which calls Write.
// RocksDB types never appear in this header's public API beyond forward declarations.

#include <memory>
#include <optional>
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
  struct State;  // the RocksDB iterator and the bounds it points at (engine.cc)
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

class Engine {
 public:
  struct Options {
    std::string path;
    bool sync_writes = true;       // fsync each write batch (durability `sync`)
    size_t write_buffer_size = 0;  // 0 = RocksDB's default; tests use a tiny one to flush often
  };

  static core::Result<std::unique_ptr<Engine>> Open(const Options& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Flushes and syncs the WAL and closes the database. Idempotent; the destructor calls it.
  core::Status Close();

  // nullopt when the key is absent.
  core::Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const;

  // Iterator over [lower, upper); empty strings mean unbounded.
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, std::string_view lower = {},
                                        std::string_view upper = {}) const;

  // For store/ internals (the pipeline): committed state overlaid with `batch`, over [lower,
  // upper). REQUIRES: the batch is not modified while the iterator lives.
  std::unique_ptr<Iterator> NewIteratorOverBatch(rocksdb::WriteBatchWithIndex* batch,
                                                 ColumnFamily cf, std::string_view lower,
                                                 std::string_view upper) const;

  // A RocksDB integer property (e.g. "rocksdb.estimate-live-data-size") summed over every
  // column family; 0 where a family does not report it. For metrics.
  uint64_t SumIntProperty(const std::string& name) const;

  // For store/ internals (the pipeline): one atomic, durable write of a whole batch.
  core::Status Write(rocksdb::WriteBatch* batch);
  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(ColumnFamily cf) const {
    return handles_[static_cast<size_t>(cf)];
  }
  bool sync_writes() const { return sync_writes_; }

 private:
  Engine() = default;

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;        // indexed by ColumnFamily
  std::vector<rocksdb::ColumnFamilyHandle*> extra_handles_;  // families of a newer version
  bool sync_writes_ = true;
  bool closed_ = false;
};

}  // namespace strongbox::store
