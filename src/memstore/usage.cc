#include "memstore/usage.h"

#include "memstore/item_count.h"
#include "store/key_codec.h"
#include "store/key_listing.h"

namespace strongbox::memstore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

constexpr std::string_view kUsageKind = "memory-store-usage";

}  // namespace

uint64_t ChargedBytes(std::string_view id, const SortedMapRecord& record) {
  return id.size() + record.value.size();
}

uint64_t ChargedBytes(const QueueItemRecord& record) { return record.data.size(); }

std::string UsageKey(int64_t universe) {
  std::string key;
  store::PutKeyInt64(&key, universe);
  store::PutKeyString(&key, kUsageKind);
  store::PutKeyString(&key, "");
  return key;
}

Result<uint64_t> ReadUsage(const store::Engine& engine, int64_t universe) {
  SB_ASSIGN_OR_RETURN(auto bytes, engine.Get(ColumnFamily::kCatalog, UsageKey(universe)));
  if (!bytes) return uint64_t{0};
  return DecodeItemCount(*bytes);
}

Result<std::vector<UniverseUsage>> Usages(const store::Engine& engine, size_t max) {
  // Every usage row is in the catalog, keyed by its universe first: one seek per universe.
  SB_ASSIGN_OR_RETURN(auto universes,
                      store::DistinctLeadingInt64(engine, ColumnFamily::kCatalog, max));
  std::vector<UniverseUsage> out;
  for (int64_t universe : universes) {
    SB_ASSIGN_OR_RETURN(uint64_t bytes, ReadUsage(engine, universe));
    if (bytes > 0) out.push_back({universe, bytes});
  }
  return out;
}

Status ChargeUsage(store::WriteView& view, int64_t universe, int64_t delta, uint64_t quota) {
  if (delta == 0) return Status::Ok();
  const std::string key = UsageKey(universe);
  SB_ASSIGN_OR_RETURN(uint64_t usage, ReadItemCount(view, ColumnFamily::kCatalog, key));
  if (delta < 0) {
    const auto shrink = static_cast<uint64_t>(-delta);
    WriteItemCount(view, ColumnFamily::kCatalog, key, usage > shrink ? usage - shrink : 0);
    return Status::Ok();
  }
  const uint64_t next = usage + static_cast<uint64_t>(delta);
  if (quota > 0 && next > quota) {
    return Status::ResourceExhausted("Universe " + std::to_string(universe) + " holds " +
                                     std::to_string(usage) + " bytes of memory-store data; " +
                                     std::to_string(delta) + " more would pass its quota of " +
                                     std::to_string(quota) +
                                     " bytes (config memstore_max_bytes_per_universe).")
        .WithReason("QUOTA_EXCEEDED")
        .WithMetadata("quota", "memstore_max_bytes_per_universe")
        .WithMetadata("value", std::to_string(quota))
        .WithMetadata("usage", std::to_string(usage));
  }
  WriteItemCount(view, ColumnFamily::kCatalog, key, next);
  return Status::Ok();
}

void SetUsage(store::WriteView& view, int64_t universe, uint64_t bytes) {
  WriteItemCount(view, ColumnFamily::kCatalog, UsageKey(universe), bytes);
}

}  // namespace strongbox::memstore
