#pragma once

// SortedMapService: memory-store sorted maps (api.md §5) over RocksDB, and with kHashMapLayout
// hash maps (api.md §10: the same items without sort keys, in `hash_maps`, listed by id; one
// implementation so the two can never differ in etags, TTL, limits or the guard). Every write is
// one Mutation through the CommitPipeline that reads the item inside the sequencer, checks etag /
// existence / limits, and writes the item, its sort-index row (sorted maps), its expiry row and
// the map's item count in one batch. Reads go to the Engine (committed data only).
//
// TTL: an item whose expireTime has passed is absent on every read path at once (get, list,
// create-over, etag checks); the ExpirySweeper reclaims it later through the pipeline, driven by
// the `expiry` family, in bounded batches.
//
// Ownership: app/ owns it; it borrows the Engine, the pipeline and the clock.
// Thread safety: all methods may be called concurrently from any thread.
// Durability: a write's awaitable completes OK only once durable (CommitPipeline's promise).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "memstore/limits.h"
#include "memstore/sorted_map_item.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::memstore {

struct SortedMapItem {
  std::string id;
  SortedMapRecord record;
};

// The opaque etag of a record: changes on every write.
std::string FormatEtag(const SortedMapRecord& record);

class SortedMapService {
 public:
  // A request's lock guard and Idempotency-Key record (store/write_context.h), applied in the
  // write's own commit; its result is the item written (for a delete: the item removed, or one
  // with only the id when there was none).
  using Context = store::WriteContext<SortedMapItem>;

  SortedMapService(const store::Engine* engine, store::CommitPipeline* pipeline,
                   const core::Clock* clock, MemoryStoreLimits limits,
                   MapLayout layout = kSortedMapLayout);

  const MapLayout& layout() const { return layout_; }

  // kNotFound when missing or expired.
  core::Result<SortedMapItem> Get(const SortedMapName& name, const std::string& id) const;

  struct ItemWrite {
    std::string value;  // compact JSON
    SortKey sort_key;
    std::optional<std::chrono::nanoseconds> ttl;  // required to create; else keeps the expiry
  };
  // kAlreadyExists when a live item has the id.
  boost::asio::awaitable<core::Result<SortedMapItem>> Create(SortedMapName name, std::string id,
                                                             ItemWrite write, Context context = {});
  // Replaces value and sort key. With `etag`, only if it is the item's current one (else
  // kAborted ETAG_MISMATCH). Missing: kNotFound unless `allow_missing`, which creates it.
  boost::asio::awaitable<core::Result<SortedMapItem>> Update(SortedMapName name, std::string id,
                                                             ItemWrite write,
                                                             std::optional<std::string> etag,
                                                             bool allow_missing,
                                                             Context context = {});
  // Removes the item; OK when missing. With `etag`, a live item with another etag → kAborted.
  boost::asio::awaitable<core::Result<SortedMapItem>> Delete(SortedMapName name, std::string id,
                                                             std::optional<std::string> etag,
                                                             Context context = {});

  // The same writes, staged for a caller that commits several in one mutation (api.md §8):
  // the same argument errors now, the same checks and rows inside the commit.
  core::Result<store::Staged<SortedMapItem>> StageCreate(SortedMapName name, std::string id,
                                                         ItemWrite write) const;
  core::Result<store::Staged<SortedMapItem>> StageUpdate(SortedMapName name, std::string id,
                                                         ItemWrite write,
                                                         std::optional<std::string> etag,
                                                         bool allow_missing) const;
  core::Result<store::Staged<SortedMapItem>> StageDelete(SortedMapName name, std::string id,
                                                         std::optional<std::string> etag) const;

  // Exclusive bounds; each present one must hold. Sort-key bounds compare in the map's total
  // order (numbers < strings < no key), so `sortKey > 10` also takes string-keyed items. A hash
  // map lists by id, ascending, and takes no order, bounds or sort key (kInvalidArgument).
  struct ListQuery {
    SortedMapName name;
    bool descending = false;
    std::optional<SortKey> sort_key_above, sort_key_below;
    std::optional<std::string> id_above, id_below;
    size_t page_size = 1;
    std::optional<std::string> resume_after;  // from the previous page's next_after
  };
  struct ListPage {
    std::vector<SortedMapItem> items;
    std::optional<std::string> next_after;  // set when more may follow
  };
  core::Result<ListPage> List(const ListQuery& query) const;

  // The item count of up to `max` maps of this kind (in key order), one seek per map, for
  // metrics (the count row sorts first in its map).
  struct Depth {
    SortedMapName name;
    uint64_t items = 0;
  };
  core::Result<std::vector<Depth>> Depths(size_t max) const;

  // For the expiry sweeper, inside its mutation: removes the item of a `layout` map at
  // `item_key` if it still expires at `expire_time`. Returns whether it removed it.
  static core::Result<bool> ReclaimExpired(store::WriteView& view, const MapLayout& layout,
                                           std::string_view item_key, core::Timestamp expire_time);

 private:
  using NextFn = std::function<core::Result<std::optional<SortedMapRecord>>(
      const std::optional<SortedMapRecord>& live, core::Timestamp now)>;
  // The one write path: `next` sees the live record (expired counts as missing) and returns
  // the new record, or nullopt to remove the item.
  core::Result<store::Staged<SortedMapItem>> StageWrite(SortedMapName name, std::string id,
                                                        NextFn next) const;
  core::Status CheckWrite(const ItemWrite& write) const;
  core::Result<ListPage> ListById(const ListQuery& query) const;  // hash maps

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const MemoryStoreLimits limits_;
  const MapLayout layout_;
};

}  // namespace strongbox::memstore
