#include "memstore/usage.h"

#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::memstore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

constexpr std::string_view kUsageKind = "memory-store-usage";

Result<uint64_t> DecodeUsage(std::string_view bytes) {
  uint64_t usage;
  if (!store::GetVarint64(&bytes, &usage)) return Status::Internal("corrupt memory-store usage");
  return usage;
}

void WriteUsage(store::WriteView& view, int64_t universe, uint64_t usage) {
  if (usage == 0) {
    view.Delete(ColumnFamily::kCatalog, UsageKey(universe));
    return;
  }
  std::string bytes;
  store::PutVarint64(&bytes, usage);
  view.Put(ColumnFamily::kCatalog, UsageKey(universe), bytes);
}

Result<uint64_t> ReadUsage(const store::WriteView& view, int64_t universe) {
  SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kCatalog, UsageKey(universe)));
  if (!bytes) return uint64_t{0};
  return DecodeUsage(*bytes);
}

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
  return DecodeUsage(*bytes);
}

Status ChargeUsage(store::WriteView& view, int64_t universe, int64_t delta, uint64_t quota) {
  if (delta == 0) return Status::Ok();
  SB_ASSIGN_OR_RETURN(uint64_t usage, ReadUsage(view, universe));
  if (delta < 0) {
    const auto shrink = static_cast<uint64_t>(-delta);
    WriteUsage(view, universe, usage > shrink ? usage - shrink : 0);
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
  WriteUsage(view, universe, next);
  return Status::Ok();
}

Status RecountUsage(store::WriteView& view, int64_t universe) {
  std::string prefix;
  store::PutKeyInt64(&prefix, universe);
  const std::string end = store::PrefixSuccessor(prefix);
  uint64_t usage = 0;
  for (ColumnFamily cf : {ColumnFamily::kSortedMaps, ColumnFamily::kHashMaps}) {
    auto it = view.NewIterator(cf, prefix, end);
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      SortedMapName name;
      std::string id;
      if (!ParseSortedMapItemKey(it->key(), &name, &id)) return Status::Internal("corrupt map key");
      if (id.empty()) continue;  // the map's item count
      SB_ASSIGN_OR_RETURN(SortedMapRecord record, DecodeSortedMapRecord(it->value()));
      usage += ChargedBytes(id, record);
    }
    SB_RETURN_IF_ERROR(it->status());
  }
  auto it = view.NewIterator(ColumnFamily::kQueues, prefix, end);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (!IsQueueItemKey(it->key())) continue;
    SB_ASSIGN_OR_RETURN(QueueItemRecord record, DecodeQueueItemRecord(it->value()));
    usage += ChargedBytes(record);
  }
  SB_RETURN_IF_ERROR(it->status());
  WriteUsage(view, universe, usage);
  return Status::Ok();
}

}  // namespace strongbox::memstore
