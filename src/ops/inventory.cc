#include "ops/inventory.h"

#include <set>

#include "store/key_codec.h"
#include "store/key_listing.h"

namespace strongbox::ops {

using store::ColumnFamily;

core::Result<UniverseList> ListUniverses(const store::Engine& engine, size_t limit) {
  // Every kind of data leads its keys with the universe (storage-format.md "Key encoding"); the
  // catalog has a row for each data store, so entries and revisions need no scan of their own.
  std::set<int64_t> found;
  for (ColumnFamily cf : {ColumnFamily::kCatalog, ColumnFamily::kOrdered, ColumnFamily::kSortedMaps,
                          ColumnFamily::kHashMaps, ColumnFamily::kQueues, ColumnFamily::kLocks}) {
    SB_ASSIGN_OR_RETURN(auto universes, store::DistinctLeadingInt64(engine, cf, limit + 1));
    found.insert(universes.begin(), universes.end());
  }
  UniverseList out;
  for (int64_t universe : found) {
    if (universe <= 0) continue;  // 0 is no universe (administration rows)
    if (out.universes.size() == limit) {
      out.truncated = true;
      break;
    }
    out.universes.push_back(universe);
  }
  return out;
}

core::Result<UniverseInventory> InventoryOf(const store::Engine& engine, int64_t universe,
                                            size_t limit) {
  UniverseInventory out;
  std::string prefix;
  store::PutKeyInt64(&prefix, universe);
  auto names = [&](ColumnFamily cf, const std::string& after) {
    return store::DistinctStringsAfter(engine, cf, after, limit + 1);
  };
  auto cut = [&](std::vector<std::string>& list) {
    if (list.size() > limit) {
      list.resize(limit);
      out.truncated = true;
    }
  };
  SB_ASSIGN_OR_RETURN(out.sorted_maps, names(ColumnFamily::kSortedMaps, prefix));
  cut(out.sorted_maps);
  SB_ASSIGN_OR_RETURN(out.hash_maps, names(ColumnFamily::kHashMaps, prefix));
  cut(out.hash_maps);
  SB_ASSIGN_OR_RETURN(out.queues, names(ColumnFamily::kQueues, prefix));
  cut(out.queues);
  SB_ASSIGN_OR_RETURN(auto stores, names(ColumnFamily::kOrdered, prefix));
  cut(stores);
  for (const std::string& store_name : stores) {
    std::string store_prefix = prefix;
    store::PutKeyString(&store_prefix, store_name);
    SB_ASSIGN_OR_RETURN(auto scopes, names(ColumnFamily::kOrdered, store_prefix));
    for (auto& scope : scopes) {
      if (out.leaderboards.size() == limit) {
        out.truncated = true;
        return out;
      }
      out.leaderboards.push_back({store_name, std::move(scope)});
    }
  }
  return out;
}

}  // namespace strongbox::ops
