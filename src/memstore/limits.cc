#include "memstore/limits.h"

namespace strongbox::memstore {

core::Status LimitExceeded(std::string message, const char* limit, size_t value) {
  return core::Status::InvalidArgument(std::move(message))
      .WithReason("LIMIT_EXCEEDED")
      .WithMetadata("limit", limit)
      .WithMetadata("value", std::to_string(value));
}

core::Status CheckItemBytes(size_t bytes, std::string_view what, const MemoryStoreLimits& limits) {
  if (bytes <= limits.max_item_bytes) return core::Status::Ok();
  return LimitExceeded("The " + std::string(what) + " is " + std::to_string(bytes) +
                           " bytes; the limit is " + std::to_string(limits.max_item_bytes) +
                           " (config memstore_max_item_bytes).",
                       "memstore_max_item_bytes", limits.max_item_bytes);
}

core::Status CheckTtl(std::chrono::nanoseconds ttl, const MemoryStoreLimits& limits) {
  if (ttl > std::chrono::nanoseconds::zero() && ttl <= limits.max_ttl) return core::Status::Ok();
  const auto max_seconds =
      static_cast<size_t>(std::chrono::duration_cast<std::chrono::seconds>(limits.max_ttl).count());
  return LimitExceeded("ttl must be positive and at most " + std::to_string(max_seconds) +
                           "s (config memstore_max_ttl_seconds).",
                       "memstore_max_ttl_seconds", max_seconds);
}

}  // namespace strongbox::memstore
