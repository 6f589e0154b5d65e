#pragma once

// Memory-store usage per universe (issue #20): the bytes of item data one universe holds in its
// sorted maps, hash maps and queues, checked against memstore_max_bytes_per_universe so one
// runaway universe cannot fill the disk. The count is a row beside the items, changed in the same
// batch as every item it counts, so it is exact after any crash (no scan at start).
//
// What counts: a map item's id and value (compact JSON) bytes; a queue item's data bytes. Keys,
// etags, expiry rows and other bookkeeping do not. An item counts from its write until it is
// deleted, discarded, flushed or reclaimed by the sweeper (an expired item still counts until
// the sweeper reclaims it, within memstore_sweep_interval_ms).
//
// Row: `catalog`, key (int64 universe, "memory-store-usage", ""), value varint bytes as an item
// count row is kept (memstore/item_count.h); absent = 0
// (proto-docs/storage-format.md). Data written before the row existed (an upgrade) is not
// counted until it is rewritten or removed; counts never go below 0.
// Thread safety: the WriteView functions run inside a mutation (on the sequencer).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "memstore/queue_item.h"
#include "memstore/sorted_map_item.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::memstore {

uint64_t ChargedBytes(std::string_view id, const SortedMapRecord& record);
uint64_t ChargedBytes(const QueueItemRecord& record);

std::string UsageKey(int64_t universe);
core::Result<uint64_t> ReadUsage(const store::Engine& engine, int64_t universe);

// Adds `delta` bytes to the universe's usage. A growth that would take it past `quota` bytes
// (0: no quota) fails with kResourceExhausted (HTTP 429), reason QUOTA_EXCEEDED, naming
// memstore_max_bytes_per_universe; nothing is written then, and the caller's mutation fails
// whole. A shrink always succeeds.
core::Status ChargeUsage(store::WriteView& view, int64_t universe, int64_t delta, uint64_t quota);

// Sets the usage outright: a flush's last commit, having counted what survived it
// (memory_store_flush.cc), since its bounded commits cannot follow the writes that land meanwhile.
void SetUsage(store::WriteView& view, int64_t universe, uint64_t bytes);

// The universes whose usage is above 0, with it, one seek per universe of the catalog (at most
// `max` universes looked at), for /metrics.
struct UniverseUsage {
  int64_t universe = 0;
  uint64_t bytes = 0;
};
core::Result<std::vector<UniverseUsage>> Usages(const store::Engine& engine, size_t max);

}  // namespace strongbox::memstore
