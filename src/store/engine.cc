#include "store/engine.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

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

core::Result<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  // Keep the WAL small enough that recovery after a crash stays quick.
  db_options.max_total_wal_size = 256ull << 20;

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.OptimizeLevelStyleCompaction();
  if (options.write_buffer_size > 0) cf_options.write_buffer_size = options.write_buffer_size;
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));

  // Open every family on disk (a newer version may have added some) plus all of ours.
  std::vector<std::string> names;
  for (auto n : kColumnFamilyNames) names.emplace_back(n);
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing).ok()) {
    for (const auto& n : existing) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, cf_options);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) return ToStatus(s);

  std::unique_ptr<Engine> engine(new Engine());
  engine->db_.reset(raw);
  engine->sync_writes_ = options.sync_writes;
  const size_t ours = kColumnFamilyNames.size();
  engine->handles_.assign(handles.begin(), handles.begin() + static_cast<ptrdiff_t>(ours));
  engine->extra_handles_.assign(handles.begin() + static_cast<ptrdiff_t>(ours), handles.end());
  return engine;
}

Engine::~Engine() { (void)Close(); }

core::Status Engine::Close() {
  if (closed_ || !db_) return core::Status::Ok();
  closed_ = true;
  core::Status result = ToStatus(db_->FlushWAL(/*sync=*/true));
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
  for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
  for (auto* h : extra_handles_) (void)db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  extra_handles_.clear();
  core::Status closed = ToStatus(db_->Close());
  db_.reset();
  return result.ok() ? closed : result;
}

core::Result<std::optional<std::string>> Engine::Get(ColumnFamily cf, std::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handle(cf), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return ToStatus(s);
  return std::optional<std::string>(std::move(value));
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
  auto state = std::make_unique<Iterator::State>();
  const rocksdb::ReadOptions ro = BoundedReadOptions(state.get(), lower, upper);
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
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_;
  return ToStatus(db_->Write(wo, batch));
}

}  // namespace strongbox::store

namespace strongbox::store {

uint64_t Engine::SumIntProperty(const std::string& name) const {
  uint64_t total = 0;
  for (auto* handle : handles_) {
    uint64_t value = 0;
    if (handle != nullptr && db_->GetIntProperty(handle, name, &value)) total += value;
  }
  return total;
}

}  // namespace strongbox::store
