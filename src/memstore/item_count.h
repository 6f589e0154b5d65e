#pragma once

// The per-structure item count row that the sorted map and queue services keep inside their
// mutations (a varint; absent means 0), for memstore_max_items_per_structure.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/column_families.h"
#include "store/commit_pipeline.h"

namespace strongbox::memstore {

// The count a stored row holds.
core::Result<uint64_t> DecodeItemCount(std::string_view bytes);
core::Result<uint64_t> ReadItemCount(const store::WriteView& view, store::ColumnFamily cf,
                                     const std::string& key);
// Writes `count`, deleting the row at 0.
void WriteItemCount(store::WriteView& view, store::ColumnFamily cf, const std::string& key,
                    uint64_t count);
// Adds `delta` (never below 0).
core::Status AddToItemCount(store::WriteView& view, store::ColumnFamily cf, const std::string& key,
                            int64_t delta);

}  // namespace strongbox::memstore
