#include "store/partition.h"

#include <string>

#include "core/strings.h"
#include "store/key_codec.h"

namespace strongbox::store {

namespace {

// An int64 key field is 8 bytes; the expiry key puts 8 bytes of time and one kind byte first
// (proto-docs/storage-format.md).
constexpr size_t kUniverseBytes = 8;
constexpr size_t kExpiryPrefixBytes = 9;

PartitionId PartitionOfEncodedUniverse(std::string_view encoded, uint32_t count) {
  int64_t universe = 0;
  std::string_view in = encoded;
  if (!GetKeyInt64(&in, &universe) || universe == 0 || count == 0) return count;
  return static_cast<PartitionId>(core::StableHash64(encoded) % count);
}

}  // namespace

PartitionId PartitionOfUniverse(int64_t universe, uint32_t count) {
  std::string encoded;
  PutKeyInt64(&encoded, universe);
  return PartitionOfEncodedUniverse(encoded, count);
}

std::optional<PartitionId> PartitionOfKey(ColumnFamily cf, std::string_view key, uint32_t count) {
  switch (cf) {
    case ColumnFamily::kDefault:
      return std::nullopt;
    case ColumnFamily::kAuth:
      return count;
    case ColumnFamily::kExpiry:
      if (key.size() < kExpiryPrefixBytes + kUniverseBytes) return std::nullopt;
      return PartitionOfEncodedUniverse(key.substr(kExpiryPrefixBytes, kUniverseBytes), count);
    default:
      if (key.size() < kUniverseBytes) return std::nullopt;
      return PartitionOfEncodedUniverse(key.substr(0, kUniverseBytes), count);
  }
}

core::Status PartitionMoving(PartitionId partition) {
  return core::Status::Unavailable("Partition " + std::to_string(partition) +
                                   " is moving to another node; retry in a moment.")
      .WithReason("PARTITION_MOVING")
      .WithMetadata("retryAfterSeconds", "1");
}

}  // namespace strongbox::store
