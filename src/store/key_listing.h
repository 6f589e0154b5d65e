#pragma once

// Key listing: the distinct values of one key field across a column family, found by skip-scan
// (one seek per distinct value, whatever the number of rows under it), for inventories such as
// "which universes hold data" or "which queues exist in universe 7" (GET /admin/v1/universes,
// proto-docs/console.md). Field encodings are key_codec.h's.
// Errors: kInternal when a key under the prefix does not decode; a RocksDB
// read error as rocks_status.h maps it.
// Thread safety: as Engine::NewIterator (any thread).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/column_families.h"
#include "store/engine.h"

namespace strongbox::store {

// The distinct int64 fields that lead the keys of `cf`, ascending, at most `limit`.
core::Result<std::vector<int64_t>> DistinctLeadingInt64(const Engine& engine, ColumnFamily cf,
                                                        size_t limit);

// The distinct string fields (plain or variant, key_codec.h) that follow `prefix` in the keys of
// `cf`, ascending, at most `limit`; a string that leads rows under several variant tags is
// listed once.
core::Result<std::vector<std::string>> DistinctStringsAfter(const Engine& engine, ColumnFamily cf,
                                                            std::string_view prefix, size_t limit);

}  // namespace strongbox::store
