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
  size_t max_item_bytes = 32 * 1024;                                   // a serialized value
  size_t max_items_per_structure = 100'000;                            // items in one map / queue
  std::chrono::nanoseconds max_ttl = std::chrono::seconds(3'888'000);  // 45 days
};

core::Status LimitExceeded(std::string message, const char* limit, size_t value);

// `what` names the field in the message ("value", "data").
core::Status CheckItemBytes(size_t bytes, std::string_view what, const MemoryStoreLimits& limits);
// More than 0 and at most max_ttl.
core::Status CheckTtl(std::chrono::nanoseconds ttl, const MemoryStoreLimits& limits);

}  // namespace strongbox::memstore
