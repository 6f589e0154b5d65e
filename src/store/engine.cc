#include "store/engine.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/table.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <algorithm>

#include "store/rocks_status.h"

namespace strongbox::store {

// RocksDB keeps pointers to the bound Slices for the iterator's life, so they live beside it.
struct Iterator::State {
  std::string lower;
  std::string upper;
  rocksdb::Slice lower_slice;
  rocksdb::Slice upper_slice;
  rocksdb::ReadOptions read_options;  // for batch iterators, which keep a pointer to it
  // Held for the iterator's life so a Reopen waits for it (declared before `it`, so the
  // iterator is destroyed first and the lock released last).
  std::shared_lock<std::shared_timed_mutex> reader;
  std::unique_ptr<rocksdb::Iterator> it;
};

Iterator::Iterator(std::unique_ptr<State> state) : state_(std::move(state)) {}
Iterator::~Iterator() = default;
void Iterator::Seek(std::string_view key) {
  state_->it->Seek(rocksdb::Slice(key.data(), key.size()));
}
void Iterator::SeekForPrev(std::string_view key) {
  state_->it->SeekForPrev(rocksdb::Slice(key.data(), key.size()));
}
// The bounds are enforced here as well as in the read options: a batch iterator
// (NewIteratorOverBatch) does not apply them to the batch's own entries.
void Iterator::SeekToFirst() {
  if (state_->lower.empty()) {
    state_->it->SeekToFirst();
  } else {
    state_->it->Seek(state_->lower_slice);
  }
}
void Iterator::SeekToLast() {
  if (state_->upper.empty()) {
    state_->it->SeekToLast();
    return;
  }
  state_->it->SeekForPrev(state_->upper_slice);
  if (state_->it->Valid() && state_->it->key() == state_->upper_slice) state_->it->Prev();
}
bool Iterator::Valid() const {
  if (!state_->it->Valid()) return false;
  const rocksdb::Slice k = state_->it->key();
  if (!state_->upper.empty() && k.compare(state_->upper_slice) >= 0) return false;
  return state_->lower.empty() || k.compare(state_->lower_slice) >= 0;
}
void Iterator::Next() { state_->it->Next(); }
void Iterator::Prev() { state_->it->Prev(); }
std::string_view Iterator::key() const {
  rocksdb::Slice k = state_->it->key();
  return {k.data(), k.size()};
}
std::string_view Iterator::value() const {
  rocksdb::Slice v = state_->it->value();
  return {v.data(), v.size()};
}
core::Status Iterator::status() const { return ToStatus(state_->it->status()); }

namespace {

// What reads and writes answer while the database is closed between a failed write and a
// successful Reopen.
core::Status ClosedStatus() {
  return core::Status::Unavailable("Storage is recovering from a fault; retry shortly.")
      .WithReason("STORAGE_UNAVAILABLE")
      .WithMetadata("retryAfterSeconds", "1");
}

// Leaves recovery from background errors to the Engine's owner (see engine.h): RocksDB's own
// automatic recovery would resume on a WAL writer that has seen an error.
class NoAutoRecovery : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status /*bg_error*/,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

}  // namespace

core::Result<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = options;
  engine->sync_writes_ = options.sync_writes;
  SB_RETURN_IF_ERROR(engine->OpenDb());
  return engine;
}

core::Status Engine::OpenDb() {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  // Keep the WAL small enough that recovery after a crash stays quick.
  db_options.max_total_wal_size = 256ull << 20;
  // Recovery from storage faults is Reopen's (engine.h), not RocksDB's background retries.
  db_options.max_bgerror_resume_count = 0;
  db_options.listeners.push_back(std::make_shared<NoAutoRecovery>());
  if (options_.reserve_free_bytes > 0) {
    // A WAL append that meets a full disk can trip an assertion inside RocksDB itself (engine.h),
    // so the disk should never fill. Writes stop at the reserve in the CommitPipeline; RocksDB
    // 7.8's SstFileManager holds compactions to it only once the database has met a NoSpace
    // error (before that it checks free space only against a max_allowed_space, unset here).
    std::shared_ptr<rocksdb::SstFileManager> sst_files(
        rocksdb::NewSstFileManager(rocksdb::Env::Default()));
    sst_files->SetCompactionBufferSize(options_.reserve_free_bytes);
    db_options.sst_file_manager = std::move(sst_files);
  }

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.OptimizeLevelStyleCompaction();
  if (options_.write_buffer_size > 0) cf_options.write_buffer_size = options_.write_buffer_size;
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));

  // Open every family on disk (a newer version may have added some) plus all of ours.
  std::vector<std::string> names;
  for (auto n : kColumnFamilyNames) names.emplace_back(n);
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options_.path, &existing).ok()) {
    for (const auto& n : existing) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, cf_options);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options_.path, descriptors, &handles, &raw);
  if (!s.ok()) return OpenFailedStatus(s, options_.path);

  db_.reset(raw);
  const size_t ours = kColumnFamilyNames.size();
  handles_.assign(handles.begin(), handles.begin() + static_cast<ptrdiff_t>(ours));
  extra_handles_.assign(handles.begin() + static_cast<ptrdiff_t>(ours), handles.end());
  closed_ = false;
  return core::Status::Ok();
}

core::Status Engine::Close() {
  // A coroutine suspended with an iterator (so a shared hold) when the IO threads stopped keeps
  // it until its frame is destroyed with the IO contexts, after this call at shutdown: wait a
  // little, then leave the close to the destructor, which runs after them.
  std::unique_lock<std::shared_timed_mutex> lock(reopen_mu_, std::defer_lock);
  if (!lock.try_lock_for(std::chrono::seconds(5))) {
    return core::Status::Unavailable("readers still hold the database; it closes at exit");
  }
  return CloseDb();
}

Engine::~Engine() {
  std::unique_lock<std::shared_timed_mutex> lock(reopen_mu_);
  (void)CloseDb();
}

core::Status Engine::CloseDb() {
  if (closed_ || !db_) return core::Status::Ok();
  closed_ = true;
  core::Status result;
  // After a failed write the WAL's file writer must not be flushed or synced again (engine.h);
  // what was acknowledged is already durable, and the memtables are replayed from the WAL.
  if (!write_failed_) {
    result = ToStatus(db_->FlushWAL(/*sync=*/true));
    // Writing the memtables out now makes the next open quick: otherwise it replays the whole
    // WAL (up to max_total_wal_size) and flushes it again before serving. The WAL synced above
    // already made everything durable, so a failed flush loses nothing.
    if (result.ok()) {
      std::vector<rocksdb::ColumnFamilyHandle*> all(handles_);
      all.insert(all.end(), extra_handles_.begin(), extra_handles_.end());
      rocksdb::FlushOptions flush;
      flush.wait = true;
      (void)db_->Flush(flush, all);
    }
  }
  for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
  for (auto* h : extra_handles_) (void)db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  extra_handles_.clear();
  core::Status closed = ToStatus(db_->Close());
  db_.reset();
  return result.ok() ? closed : result;
}

uint64_t Engine::CurrentWalNumber() const {
  std::unique_ptr<rocksdb::LogFile> wal;
  if (!db_ || !db_->GetCurrentWalFile(&wal).ok() || !wal) return 0;
  return wal->LogNumber();
}

core::Status Engine::Recover(std::chrono::milliseconds wait) {
  if (db_) {
    rocksdb::Status resumed = db_->Resume();
    // Still no room: nothing changed, reads go on; the caller tries again later.
    if (resumed.IsNoSpace()) return ToStatus(resumed);
    // Any other refusal (RocksDB 7.8 rates an IO error on the WAL fatal: Resume never clears
    // it) is left to a reopen, which starts from the files on disk.
    const uint64_t wal = CurrentWalNumber();
    if (resumed.ok() && wal != 0 && wal != failed_wal_number_) {
      // Resume switched to a new WAL: the failed file writer is retired.
      write_failed_ = false;
      return core::Status::Ok();
    }
  }
  return Reopen(wait);
}

core::Status Engine::Reopen(std::chrono::milliseconds wait) {
  std::unique_lock<std::shared_timed_mutex> lock(reopen_mu_, std::defer_lock);
  if (!lock.try_lock_for(wait)) {
    return core::Status::Unavailable("storage: readers still hold the database; retrying");
  }
  (void)CloseDb();  // its error is the fault being recovered from
  SB_RETURN_IF_ERROR(OpenDb());
  write_failed_ = false;
  return core::Status::Ok();
}

std::optional<uint64_t> Engine::FreeBytes() const {
  struct statvfs st {};
  if (::statvfs(options_.path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

uint64_t Engine::LatestSequence() const {
  std::shared_lock<std::shared_timed_mutex> lock(reopen_mu_);
  return db_ ? db_->GetLatestSequenceNumber() : 0;
}

core::Result<std::optional<std::string>> Engine::Get(ColumnFamily cf, std::string_view key) const {
  std::shared_lock<std::shared_timed_mutex> lock(reopen_mu_);
  return GetAt(nullptr, cf, key);
}

core::Result<std::optional<std::string>> Engine::GetAt(const rocksdb::Snapshot* snapshot,
                                                       ColumnFamily cf,
                                                       std::string_view key) const {
  if (!db_) return ClosedStatus();
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  std::string value;
  rocksdb::Status s = db_->Get(options, handle(cf), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return ToStatus(s);
  return std::optional<std::string>(std::move(value));
}

std::unique_ptr<ReadSnapshot> Engine::Snapshot() const {
  // Not make_unique: the constructor is private to Engine.
  return std::unique_ptr<ReadSnapshot>(
      new ReadSnapshot(this, std::shared_lock<std::shared_timed_mutex>(reopen_mu_)));
}

ReadSnapshot::ReadSnapshot(const Engine* engine, std::shared_lock<std::shared_timed_mutex> reader)
    : engine_(engine), reader_(std::move(reader)) {
  if (engine_->db_) snapshot_ = engine_->db_->GetSnapshot();
}

ReadSnapshot::~ReadSnapshot() {
  // The reader lock kept the database open, so the snapshot is still its own.
  if (snapshot_ != nullptr) engine_->db_->ReleaseSnapshot(snapshot_);
}

core::Result<std::optional<std::string>> ReadSnapshot::Get(ColumnFamily cf,
                                                           std::string_view key) const {
  return engine_->GetAt(snapshot_, cf, key);
}

std::unique_ptr<Iterator> ReadSnapshot::NewIterator(ColumnFamily cf, std::string_view lower,
                                                    std::string_view upper) const {
  return engine_->NewIteratorAt(snapshot_, cf, lower, upper);
}

core::Result<std::vector<std::optional<std::string>>> Engine::MultiGet(
    std::span<const std::pair<ColumnFamily, std::string>> keys) const {
  std::shared_lock<std::shared_timed_mutex> lock(reopen_mu_);
  if (!db_) return ClosedStatus();
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions options;
  options.snapshot = snapshot.snapshot();
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  for (const auto& [cf, key] : keys) {
    std::string value;
    rocksdb::Status s = db_->Get(options, handle(cf), rocksdb::Slice(key), &value);
    if (s.IsNotFound()) {
      values.emplace_back();
    } else if (!s.ok()) {
      return ToStatus(s);
    } else {
      values.emplace_back(std::move(value));
    }
  }
  return values;
}

namespace {

// Read options bounded to [lower, upper), the bounds kept alive in `state`.
rocksdb::ReadOptions BoundedReadOptions(Iterator::State* state, std::string_view lower,
                                        std::string_view upper) {
  rocksdb::ReadOptions ro;
  if (!lower.empty()) {
    state->lower.assign(lower);
    state->lower_slice = rocksdb::Slice(state->lower);
    ro.iterate_lower_bound = &state->lower_slice;
  }
  if (!upper.empty()) {
    state->upper.assign(upper);
    state->upper_slice = rocksdb::Slice(state->upper);
    ro.iterate_upper_bound = &state->upper_slice;
  }
  return ro;
}

}  // namespace

std::unique_ptr<Iterator> Engine::NewIterator(ColumnFamily cf, std::string_view lower,
                                              std::string_view upper) const {
  return NewIteratorAt(nullptr, cf, lower, upper);
}

std::unique_ptr<Iterator> Engine::NewIteratorAt(const rocksdb::Snapshot* snapshot, ColumnFamily cf,
                                                std::string_view lower,
                                                std::string_view upper) const {
  auto state = std::make_unique<Iterator::State>();
  // Its own hold (holds nest, see SharedAccess) for the iterator's life.
  state->reader = std::shared_lock<std::shared_timed_mutex>(reopen_mu_);
  rocksdb::ReadOptions ro = BoundedReadOptions(state.get(), lower, upper);
  ro.snapshot = snapshot;
  if (!db_) {
    // Closed after a failed Reopen: an iterator that is never valid and says why.
    state->it.reset(rocksdb::NewErrorIterator(
        rocksdb::Status::IOError("storage is closed after a fault; retrying")));
    return std::make_unique<Iterator>(std::move(state));
  }
  state->it.reset(db_->NewIterator(ro, handle(cf)));
  return std::make_unique<Iterator>(std::move(state));
}

std::unique_ptr<Iterator> Engine::NewIteratorOverBatch(rocksdb::WriteBatchWithIndex* batch,
                                                       ColumnFamily cf, std::string_view lower,
                                                       std::string_view upper) const {
  auto state = std::make_unique<Iterator::State>();
  state->read_options = BoundedReadOptions(state.get(), lower, upper);
  // The batch iterator owns the base iterator and bounds its own entries with the same options.
  state->it.reset(batch->NewIteratorWithBase(
      handle(cf), db_->NewIterator(state->read_options, handle(cf)), &state->read_options));
  return std::make_unique<Iterator>(std::move(state));
}

core::Status Engine::Write(rocksdb::WriteBatch* batch) {
  if (!db_ || write_failed_) return ClosedStatus();
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  rocksdb::Status s = db_->Write(wo, batch);
  if (!s.ok()) {
    write_failed_ = true;
    failed_wal_number_ = CurrentWalNumber();
    // RocksDB's text names the file and the errno; clients get a generic message.
    spdlog::error("storage: write failed: {}", s.ToString());
  }
  return ToStatus(s);
}

}  // namespace strongbox::store

namespace strongbox::store {

uint64_t Engine::SumIntProperty(const std::string& name) const {
  std::shared_lock<std::shared_timed_mutex> lock(reopen_mu_);
  uint64_t total = 0;
  for (auto* handle : handles_) {
    uint64_t value = 0;
    if (handle != nullptr && db_->GetIntProperty(handle, name, &value)) total += value;
  }
  return total;
}

}  // namespace strongbox::store
