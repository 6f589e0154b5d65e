#include "memstore/memory_store_flush.h"

#include <map>
#include <set>
#include <vector>

#include "core/strings.h"
#include "memstore/item_count.h"
#include "memstore/queue_item.h"
#include "memstore/sorted_map_item.h"
#include "memstore/usage.h"
#include "store/key_codec.h"
#include "store/scan_delete.h"

namespace strongbox::memstore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

constexpr size_t kDeletesPerCommit = 1000;
constexpr uint8_t kOperationFormat = 1;

// catalog row: universe, kind, operation id → format byte + creation time (Unix ns, decimal).
std::string OperationKey(int64_t universe, const std::string& id) {
  std::string k;
  store::PutKeyInt64(&k, universe);
  store::PutKeyString(&k, "memory-store-operation");
  store::PutKeyString(&k, id);
  return k;
}

// The rows of one kind keyed (universe, name, …) in `cf`, grouped by name: the item rows (as
// `is_item` says) and whether a count row is there.
struct Survivors {
  std::map<std::string, uint64_t> items;  // by count key
  std::set<std::string> counts;           // count keys present

  // Each count row as many as the items found (a count without items goes).
  void WriteCounts(store::WriteView& view, ColumnFamily cf) const {
    for (const auto& key : counts) {
      if (!items.count(key)) WriteItemCount(view, cf, key, 0);
    }
    for (const auto& [key, n] : items) WriteItemCount(view, cf, key, n);
  }
};

// After the bounded deletes, the rows that landed meanwhile may have kept a count row without
// its items or items without their count (a count sorts first, so it goes in the first commit).
// Sets every count of the universe to the item rows that survived, and a sorted map's index to
// its items, and the universe's usage (memstore/usage.h) to their bytes, inside the flush's last
// commit (issue #20: counts exact at every step). Walks only what survived, which a flush leaves
// little of, once.
Status ReconcileCounts(store::WriteView& view, int64_t universe) {
  std::string prefix;
  store::PutKeyInt64(&prefix, universe);
  const std::string end = store::PrefixSuccessor(prefix);
  uint64_t usage = 0;
  // Maps: count key = the map's key with an empty id.
  for (const MapLayout& layout : {kSortedMapLayout, kHashMapLayout}) {
    Survivors found;
    std::set<std::string> wanted_index;
    {
      auto it = view.NewIterator(layout.items, prefix, end);
      for (it->Seek(prefix); it->Valid(); it->Next()) {
        SortedMapName name;
        std::string id;
        if (!ParseSortedMapItemKey(it->key(), &name, &id))
          return Status::Internal("corrupt map key");
        const std::string count_key = SortedMapCountKey(name);
        if (id.empty()) {
          found.counts.insert(count_key);
          continue;
        }
        ++found.items[count_key];
        SB_ASSIGN_OR_RETURN(SortedMapRecord record, DecodeSortedMapRecord(it->value()));
        usage += ChargedBytes(id, record);
        if (layout.sorted) wanted_index.insert(SortedMapIndexKey(name, record.sort_key, id));
      }
      SB_RETURN_IF_ERROR(it->status());
    }
    found.WriteCounts(view, layout.items);
    if (!layout.sorted) continue;
    std::vector<std::string> stale_index;
    {
      auto it = view.NewIterator(ColumnFamily::kSortedMapIndex, prefix, end);
      for (it->Seek(prefix); it->Valid(); it->Next()) {
        const std::string key(it->key());
        if (wanted_index.erase(key) == 0) stale_index.push_back(key);
      }
      SB_RETURN_IF_ERROR(it->status());
    }
    for (const auto& key : stale_index) view.Delete(ColumnFamily::kSortedMapIndex, key);
    for (const auto& key : wanted_index) view.Put(ColumnFamily::kSortedMapIndex, key, "");
  }
  // Queues: the count row of each queue against its item rows.
  Survivors queues;
  {
    auto it = view.NewIterator(ColumnFamily::kQueues, prefix, end);
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      std::string_view key = it->key();
      QueueName name{universe, ""};
      int64_t ignored;
      if (!store::GetKeyInt64(&key, &ignored) || !store::GetKeyString(&key, &name.queue)) {
        return Status::Internal("corrupt queue key");
      }
      const std::string count_key = QueueCountKey(name);
      if (it->key() == count_key) {
        queues.counts.insert(count_key);
      } else if (IsQueueItemKey(it->key())) {
        ++queues.items[count_key];
        SB_ASSIGN_OR_RETURN(QueueItemRecord record, DecodeQueueItemRecord(it->value()));
        usage += ChargedBytes(record);
      }
    }
    SB_RETURN_IF_ERROR(it->status());
  }
  queues.WriteCounts(view, ColumnFamily::kQueues);
  SetUsage(view, universe, usage);
  return Status::Ok();
}

}  // namespace

boost::asio::awaitable<Result<std::string>> MemoryStoreFlush::Flush(int64_t universe,
                                                                    Context context) {
  if (universe <= 0) co_return Status::InvalidArgument("Universe id must be a positive integer.");
  std::string prefix;
  store::PutKeyInt64(&prefix, universe);
  const std::string end = store::PrefixSuccessor(prefix);
  for (ColumnFamily cf : {ColumnFamily::kSortedMapIndex, ColumnFamily::kSortedMaps,
                          ColumnFamily::kHashMaps, ColumnFamily::kQueues}) {
    // Bounded commits over the universe's range; no iterator lives across a commit.
    std::string cursor;
    const auto pass = store::ScanDelete::EveryKey(cf, prefix, end, &cursor, kDeletesPerCommit);
    do {
      SB_CO_ASSIGN_OR_RETURN(size_t removed,
                             co_await store::ScanAndDelete(*engine_, *pipeline_, pass));
      (void)removed;
    } while (!cursor.empty());
  }
  const int64_t now = core::ToUnixNanos(clock_->Now());
  const std::string id = core::HexUpper(static_cast<uint64_t>(now), 16);
  std::function<Result<std::string>(store::WriteView&)> record =
      [key = OperationKey(universe, id), id, now,
       universe](store::WriteView& view) -> Result<std::string> {
    // The bounded commits above cannot follow writes that landed meanwhile: count what is left.
    SB_RETURN_IF_ERROR(ReconcileCounts(view, universe));
    std::string value(1, static_cast<char>(kOperationFormat));
    value.append(std::to_string(now));
    view.Put(ColumnFamily::kCatalog, key, value);
    return id;
  };
  co_return co_await pipeline_->Commit<std::string>(std::move(record), std::move(context));
}

Status MemoryStoreFlush::GetOperation(int64_t universe, const std::string& id) const {
  SB_ASSIGN_OR_RETURN(auto row, engine_->Get(ColumnFamily::kCatalog, OperationKey(universe, id)));
  if (!row) return Status::NotFound("Operation not found.");
  return Status::Ok();
}

}  // namespace strongbox::memstore
