#include "memstore/sorted_map_service.h"

#include <algorithm>
#include <memory>

#include "core/strings.h"
#include "memstore/item_count.h"
#include "memstore/limits.h"
#include "memstore/usage.h"
#include "store/key_codec.h"
#include "store/page_token.h"
#include "store/value_codec.h"

namespace strongbox::memstore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

// How many index rows one list call reads at most, so a page of a map full of expired or
// filtered-out items still answers quickly (with a token to go on).
constexpr size_t kListScanBudget = 10'000;

Status ItemNotFound() { return Status::NotFound("Item not found."); }

// Removes the item's rows (record, index, expiry) from the batch.
void RemoveRows(store::WriteView& view, const MapLayout& layout, const SortedMapName& name,
                const std::string& id, const std::string& item_key, const SortedMapRecord& record) {
  view.Delete(layout.items, item_key);
  if (layout.sorted) {
    view.Delete(ColumnFamily::kSortedMapIndex, SortedMapIndexKey(name, record.sort_key, id));
  }
  view.Delete(ColumnFamily::kExpiry, ExpiryKey(record.expire_time, layout.expiry, item_key));
}

}  // namespace

std::string FormatEtag(const SortedMapRecord& record) { return core::HexUpper(record.version, 16); }

SortedMapService::SortedMapService(const store::Engine* engine, store::CommitPipeline* pipeline,
                                   const core::Clock* clock, MemoryStoreLimits limits,
                                   MapLayout layout)
    : engine_(engine), pipeline_(pipeline), clock_(clock), limits_(limits), layout_(layout) {}

Result<SortedMapItem> SortedMapService::Get(const SortedMapName& name,
                                            const std::string& id) const {
  SB_RETURN_IF_ERROR(ValidateSortedMapName(name, layout_.noun));
  SB_RETURN_IF_ERROR(ValidateItemId(id));
  SB_ASSIGN_OR_RETURN(auto bytes, engine_->Get(layout_.items, SortedMapItemKey(name, id)));
  if (!bytes) return ItemNotFound();
  SB_ASSIGN_OR_RETURN(SortedMapRecord record, DecodeSortedMapRecord(*bytes));
  if (record.ExpiredAt(clock_->Now())) return ItemNotFound();
  return SortedMapItem{id, std::move(record)};
}

Status SortedMapService::CheckWrite(const ItemWrite& write) const {
  SB_RETURN_IF_ERROR(CheckItemBytes(write.value.size(), "value", limits_));
  if (write.ttl) SB_RETURN_IF_ERROR(CheckTtl(*write.ttl, limits_));
  if (!layout_.sorted && write.sort_key.kind != SortKey::Kind::kNone) {
    return Status::InvalidArgument("A hash map item has no sort key.");
  }
  if (write.sort_key.kind == SortKey::Kind::kString && !core::IsValidUtf8(write.sort_key.text)) {
    return Status::InvalidArgument("stringSortKey must be valid UTF-8.");
  }
  return Status::Ok();
}

Result<store::Staged<SortedMapItem>> SortedMapService::StageWrite(SortedMapName name,
                                                                  std::string id,
                                                                  NextFn next) const {
  SB_RETURN_IF_ERROR(ValidateSortedMapName(name, layout_.noun));
  SB_RETURN_IF_ERROR(ValidateItemId(id));
  const core::Clock* clock = clock_;
  const size_t max_items = limits_.max_items_per_structure;
  const uint64_t quota = limits_.max_bytes_per_universe;
  const MapLayout layout = layout_;
  return store::Staged<SortedMapItem>([name = std::move(name), id = std::move(id),
                                       next = std::move(next), clock, max_items, quota,
                                       layout](store::WriteView& view) -> Result<SortedMapItem> {
    SortedMapItem out;
    const std::string item_key = SortedMapItemKey(name, id);
    SB_ASSIGN_OR_RETURN(auto bytes, view.Get(layout.items, item_key));
    std::optional<SortedMapRecord> stored;
    if (bytes) {
      SB_ASSIGN_OR_RETURN(stored, DecodeSortedMapRecord(*bytes));
    }
    const core::Timestamp now = clock->Now();
    std::optional<SortedMapRecord> live;
    if (stored && !stored->ExpiredAt(now)) live = stored;
    SB_ASSIGN_OR_RETURN(std::optional<SortedMapRecord> result, next(live, now));
    const int64_t grows = static_cast<int64_t>(result ? ChargedBytes(id, *result) : 0) -
                          static_cast<int64_t>(stored ? ChargedBytes(id, *stored) : 0);
    SB_RETURN_IF_ERROR(ChargeUsage(view, name.universe, grows, quota));
    const std::string count_key = SortedMapCountKey(name);
    if (stored) RemoveRows(view, layout, name, id, item_key, *stored);
    if (result) {
      // Etags never repeat for an id: the version moves past the stored one and the clock.
      result->version = std::max<uint64_t>(static_cast<uint64_t>(core::ToUnixNanos(now)),
                                           stored ? stored->version + 1 : 0);
      if (!stored) {
        SB_ASSIGN_OR_RETURN(uint64_t count, ReadItemCount(view, layout.items, count_key));
        if (count >= max_items) {
          return LimitExceeded("The " + std::string(layout.noun) + " holds " +
                                   std::to_string(count) +
                                   " items, the limit (config memstore_max_items_per_structure).",
                               "memstore_max_items_per_structure", max_items);
        }
        WriteItemCount(view, layout.items, count_key, count + 1);
      }
      view.Put(layout.items, item_key, EncodeSortedMapRecord(*result));
      if (layout.sorted) {
        view.Put(ColumnFamily::kSortedMapIndex, SortedMapIndexKey(name, result->sort_key, id), "");
      }
      view.Put(ColumnFamily::kExpiry, ExpiryKey(result->expire_time, layout.expiry, item_key), "");
    } else if (stored) {
      SB_ASSIGN_OR_RETURN(uint64_t count, ReadItemCount(view, layout.items, count_key));
      WriteItemCount(view, layout.items, count_key, count > 0 ? count - 1 : 0);
    }
    if (result || live) {
      view.RecordChange({name.universe, layout.sorted ? "sortedMapItem" : "hashMapItem", name.map,
                         "", id,
                         !result ? "delete"
                         : live  ? "update"
                                 : "create",
                         result ? FormatEtag(*result) : ""});
    }
    out.id = id;
    out.record = result ? *result : live.value_or(SortedMapRecord{});
    return out;
  });
}

Result<store::Staged<SortedMapItem>> SortedMapService::StageCreate(SortedMapName name,
                                                                   std::string id,
                                                                   ItemWrite write) const {
  SB_RETURN_IF_ERROR(CheckWrite(write));
  if (!write.ttl) return Status::InvalidArgument("Field 'ttl' is required, e.g. \"3600s\".");
  NextFn next = [write = std::move(write)](
                    const std::optional<SortedMapRecord>& live,
                    core::Timestamp now) -> Result<std::optional<SortedMapRecord>> {
    if (live) return Status::AlreadyExists("An item with this id already exists.");
    return std::optional<SortedMapRecord>(
        SortedMapRecord{write.value, write.sort_key, now + *write.ttl, 0});
  };
  return StageWrite(std::move(name), std::move(id), std::move(next));
}

Result<store::Staged<SortedMapItem>> SortedMapService::StageUpdate(SortedMapName name,
                                                                   std::string id, ItemWrite write,
                                                                   std::optional<std::string> etag,
                                                                   bool allow_missing) const {
  SB_RETURN_IF_ERROR(CheckWrite(write));
  NextFn next = [write = std::move(write), etag = std::move(etag), allow_missing](
                    const std::optional<SortedMapRecord>& live,
                    core::Timestamp now) -> Result<std::optional<SortedMapRecord>> {
    if (!live && !allow_missing) return ItemNotFound();
    if (etag && (!live || FormatEtag(*live) != *etag)) {
      return Status::Aborted("The etag does not match the item's current etag.")
          .WithReason("ETAG_MISMATCH");
    }
    if (!live && !write.ttl) {
      return Status::InvalidArgument("Field 'ttl' is required to create the item.");
    }
    const core::Timestamp expire = write.ttl ? now + *write.ttl : live->expire_time;
    return std::optional<SortedMapRecord>(SortedMapRecord{write.value, write.sort_key, expire, 0});
  };
  return StageWrite(std::move(name), std::move(id), std::move(next));
}

Result<store::Staged<SortedMapItem>> SortedMapService::StageDelete(
    SortedMapName name, std::string id, std::optional<std::string> etag) const {
  NextFn next = [etag = std::move(etag)](
                    const std::optional<SortedMapRecord>& live,
                    core::Timestamp) -> Result<std::optional<SortedMapRecord>> {
    if (etag && live && FormatEtag(*live) != *etag) {
      return Status::Aborted("The etag does not match the item's current etag.")
          .WithReason("ETAG_MISMATCH");
    }
    return std::optional<SortedMapRecord>();
  };
  return StageWrite(std::move(name), std::move(id), std::move(next));
}

Result<SortedMapService::ListPage> SortedMapService::ListById(const ListQuery& q) const {
  if (q.descending || q.sort_key_above || q.sort_key_below || q.id_above || q.id_below) {
    return Status::InvalidArgument("A hash map lists by id only: no orderBy or filter.");
  }
  const std::string prefix = MapPrefix(q.name);
  const std::string count_key = SortedMapCountKey(q.name);
  const std::string upper = store::PrefixSuccessor(prefix);
  if (q.resume_after && (*q.resume_after < prefix || *q.resume_after >= upper)) {
    return Status::InvalidArgument("Invalid page token.");
  }
  auto it = engine_->NewIterator(layout_.items, prefix, upper);
  if (q.resume_after) {
    it->Seek(*q.resume_after);
    if (it->Valid() && it->key() == *q.resume_after) it->Next();
  } else {
    it->SeekToFirst();
  }
  ListPage page;
  const core::Timestamp now = clock_->Now();
  size_t scanned = 0;
  std::string last_key;
  for (; it->Valid(); it->Next()) {
    if (page.items.size() == q.page_size || scanned == kListScanBudget) {
      page.next_after = last_key;
      break;
    }
    ++scanned;
    last_key.assign(it->key());
    if (it->key() == count_key) continue;
    SortedMapName name;
    std::string id;
    if (!ParseSortedMapItemKey(it->key(), &name, &id)) {
      return Status::Internal("corrupt hash map item key");
    }
    SB_ASSIGN_OR_RETURN(SortedMapRecord record, DecodeSortedMapRecord(it->value()));
    if (record.ExpiredAt(now)) continue;
    page.items.push_back(SortedMapItem{std::move(id), std::move(record)});
  }
  SB_RETURN_IF_ERROR(it->status());
  return page;
}

Result<SortedMapService::ListPage> SortedMapService::List(const ListQuery& q) const {
  SB_RETURN_IF_ERROR(ValidateSortedMapName(q.name, layout_.noun));
  if (!layout_.sorted) return ListById(q);
  const std::string prefix = MapPrefix(q.name);
  // Sort-key bounds become the scan's range: above K starts past every row with key K; below K
  // ends before the first row with key K.
  std::string lower = prefix, upper = store::PrefixSuccessor(prefix);
  if (q.sort_key_above) {
    std::string k = prefix;
    PutSortKey(&k, *q.sort_key_above);
    lower = store::PrefixSuccessor(k);
  }
  if (q.sort_key_below) {
    upper = prefix;
    PutSortKey(&upper, *q.sort_key_below);
  }
  ListPage page;
  if (lower >= upper) return page;
  // Index rows and items read at one instant (a write changes both in one batch), so an item
  // that moves to another sort key while the page is read is listed where it was, not missed.
  const auto snapshot = engine_->Snapshot();
  auto it = snapshot->NewIterator(ColumnFamily::kSortedMapIndex, lower, upper);
  if (q.resume_after &&
      (*q.resume_after < prefix || *q.resume_after >= store::PrefixSuccessor(prefix))) {
    return Status::InvalidArgument("Invalid page token.");
  }
  if (q.descending) {
    if (q.resume_after) {
      it->SeekForPrev(*q.resume_after);
      if (it->Valid() && it->key() == *q.resume_after) it->Prev();
    } else {
      it->SeekToLast();
    }
  } else {
    if (q.resume_after) {
      it->Seek(*q.resume_after);
      if (it->Valid() && it->key() == *q.resume_after) it->Next();
    } else {
      it->SeekToFirst();
    }
  }
  const core::Timestamp now = clock_->Now();
  size_t scanned = 0;
  std::string last_key;
  for (; it->Valid(); q.descending ? it->Prev() : it->Next()) {
    if (page.items.size() == q.page_size || scanned == kListScanBudget) {
      page.next_after = last_key;
      break;
    }
    ++scanned;
    last_key.assign(it->key());
    std::string id;
    if (!ParseSortedMapIndexKey(it->key(), prefix, &id)) {
      return Status::Internal("corrupt sorted map index key");
    }
    if ((q.id_above && id <= *q.id_above) || (q.id_below && id >= *q.id_below)) continue;
    SB_ASSIGN_OR_RETURN(auto bytes, snapshot->Get(layout_.items, SortedMapItemKey(q.name, id)));
    if (!bytes) continue;  // an index row without its item: never shown
    SB_ASSIGN_OR_RETURN(SortedMapRecord record, DecodeSortedMapRecord(*bytes));
    if (record.ExpiredAt(now)) continue;
    // An index row that does not match its item is never shown out of place (it would break
    // the page's order and the filter's bounds).
    if (SortedMapIndexKey(q.name, record.sort_key, id) != it->key()) continue;
    page.items.push_back(SortedMapItem{std::move(id), std::move(record)});
  }
  SB_RETURN_IF_ERROR(it->status());
  return page;
}

Result<std::vector<SortedMapService::Depth>> SortedMapService::Depths(size_t max) const {
  std::vector<Depth> out;
  auto it = engine_->NewIterator(layout_.items);
  it->SeekToFirst();
  while (it->Valid() && out.size() < max) {
    Depth depth;
    std::string id;
    if (!ParseSortedMapItemKey(it->key(), &depth.name, &id)) {
      return Status::Internal("corrupt map item key");
    }
    if (id.empty()) {
      SB_ASSIGN_OR_RETURN(depth.items, DecodeItemCount(it->value()));
    }
    out.push_back(depth);
    it->Seek(store::PrefixSuccessor(MapPrefix(depth.name)));
  }
  SB_RETURN_IF_ERROR(it->status());
  return out;
}

Result<bool> SortedMapService::ReclaimExpired(store::WriteView& view, const MapLayout& layout,
                                              std::string_view item_key,
                                              core::Timestamp expire_time) {
  SortedMapName name;
  std::string id;
  if (!ParseSortedMapItemKey(item_key, &name, &id)) return false;
  SB_ASSIGN_OR_RETURN(auto bytes, view.Get(layout.items, item_key));
  if (!bytes) return false;
  SB_ASSIGN_OR_RETURN(SortedMapRecord record, DecodeSortedMapRecord(*bytes));
  // A write since the row was found may have given the item a new expiry: then it stays.
  if (record.expire_time != expire_time) return false;
  RemoveRows(view, layout, name, id, std::string(item_key), record);
  SB_RETURN_IF_ERROR(
      ChargeUsage(view, name.universe, -static_cast<int64_t>(ChargedBytes(id, record)), 0));
  const std::string count_key = SortedMapCountKey(name);
  SB_ASSIGN_OR_RETURN(uint64_t count, ReadItemCount(view, layout.items, count_key));
  WriteItemCount(view, layout.items, count_key, count > 0 ? count - 1 : 0);
  return true;
}

boost::asio::awaitable<Result<SortedMapItem>> SortedMapService::Create(SortedMapName name,
                                                                       std::string id,
                                                                       ItemWrite write,
                                                                       Context context) {
  auto staged = StageCreate(std::move(name), std::move(id), std::move(write));
  auto result =
      co_await pipeline_->CommitStaged<SortedMapItem>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<SortedMapItem>> SortedMapService::Update(
    SortedMapName name, std::string id, ItemWrite write, std::optional<std::string> etag,
    bool allow_missing, Context context) {
  auto staged = StageUpdate(std::move(name), std::move(id), std::move(write), std::move(etag),
                            std::move(allow_missing));
  auto result =
      co_await pipeline_->CommitStaged<SortedMapItem>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<SortedMapItem>> SortedMapService::Delete(
    SortedMapName name, std::string id, std::optional<std::string> etag, Context context) {
  auto staged = StageDelete(std::move(name), std::move(id), std::move(etag));
  auto result =
      co_await pipeline_->CommitStaged<SortedMapItem>(std::move(staged), std::move(context));
  co_return result;
}

}  // namespace strongbox::memstore
