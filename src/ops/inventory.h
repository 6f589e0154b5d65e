#pragma once

// Inventory: what exists on this node, for people browsing it (the console,
// proto-docs/console.md; GET /admin/v1/universes[/{universe}]): the universes that hold data, and
// in one universe its leaderboards (ordered data store and scope), sorted maps, hash maps and
// queues. Read
// from the key layouts of proto-docs/storage-format.md by skip-scan (store/key_listing.h): one
// seek per name listed, however many rows each holds. Data stores are listed by the data store
// catalog (datastore/listing.h), not here.
// Limits: each list stops at `limit` names and says it was cut (`truncated`). In cluster mode a
// node knows only the partitions it holds.
// Errors: as store/key_listing.h. Thread safety: any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/engine.h"

namespace strongbox::ops {

struct UniverseList {
  std::vector<int64_t> universes;  // ascending
  bool truncated = false;
};

// Universes with a data store, a leaderboard entry, a sorted map, a queue or a session lock.
core::Result<UniverseList> ListUniverses(const store::Engine& engine, size_t limit);

struct Leaderboard {
  std::string store;
  std::string scope;
};

struct UniverseInventory {
  std::vector<Leaderboard> leaderboards;  // by store, then scope
  std::vector<std::string> sorted_maps;
  std::vector<std::string> hash_maps;
  std::vector<std::string> queues;
  bool truncated = false;  // some list above stopped at the limit
};

core::Result<UniverseInventory> InventoryOf(const store::Engine& engine, int64_t universe,
                                            size_t limit);

}  // namespace strongbox::ops
