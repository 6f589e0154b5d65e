#pragma once

// The memory-store limits of api.md §5 (from Config) and the checks that sorted maps and queues
// share. Each violation is kInvalidArgument, reason LIMIT_EXCEEDED, with the config field's name
// and value in the metadata.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace strongbox::memstore {

struct MemoryStoreLimits {
  size_t max_item_bytes = 32 * 1024;           // a serialized value
  size_t max_items_per_structure = 1'000'000;  // items in one map / queue (Roblox's)
  std::chrono::nanoseconds max_ttl = std::chrono::seconds(3'888'000);  // 45 days
  // Item data bytes one universe may hold across its maps and queues (memstore/usage.h); 0 = no
  // quota. Exceeding it is 429 RESOURCE_EXHAUSTED, not a limit's 400.
  uint64_t max_bytes_per_universe = 1ull << 30;
};

core::Status LimitExceeded(std::string message, const char* limit, size_t value);

// `what` names the field in the message ("value", "data").
core::Status CheckItemBytes(size_t bytes, std::string_view what, const MemoryStoreLimits& limits);
// More than 0 and at most max_ttl.
core::Status CheckTtl(std::chrono::nanoseconds ttl, const MemoryStoreLimits& limits);

}  // namespace strongbox::memstore
