#pragma once

// What the sorted map and queue services share inside their mutations: the per-structure item
// count row (a varint; absent means 0) and the LIMIT_EXCEEDED error that names a config field.

#include <cstdint>
#include <string>

#include "core/status.h"
#include "store/column_families.h"
#include "store/commit_pipeline.h"

namespace strongbox::memstore {

core::Result<uint64_t> ReadItemCount(const store::WriteView& view, store::ColumnFamily cf,
                                     const std::string& key);
// Writes `count`, deleting the row at 0.
void WriteItemCount(store::WriteView& view, store::ColumnFamily cf, const std::string& key,
                    uint64_t count);
// Adds `delta` (never below 0).
core::Status AddToItemCount(store::WriteView& view, store::ColumnFamily cf, const std::string& key,
                            int64_t delta);

// kInvalidArgument, reason LIMIT_EXCEEDED, metadata limit = the config field, value = its value.
core::Status LimitExceeded(std::string message, const char* limit, size_t value);

}  // namespace strongbox::memstore
