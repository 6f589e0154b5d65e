#include "memstore/sorted_map_item.h"

#include <cctype>
#include <cstring>

#include "core/names.h"
#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::memstore {

std::string EncodeSortedMapRecord(const SortedMapRecord& r) {
  std::string out(1, static_cast<char>(kSortedMapRecordFormat));
  store::PutVarint64(&out, r.version);
  store::PutVarsint64(&out, core::ToUnixNanos(r.expire_time));
  out.push_back(static_cast<char>(r.sort_key.kind));
  if (r.sort_key.kind == SortKey::Kind::kNumber) {
    uint64_t bits;
    std::memcpy(&bits, &r.sort_key.number, sizeof bits);
    store::PutVarint64(&out, bits);
  } else if (r.sort_key.kind == SortKey::Kind::kString) {
    store::PutLengthPrefixed(&out, r.sort_key.text);
  }
  store::PutLengthPrefixed(&out, r.value);
  return out;
}

core::Result<SortedMapRecord> DecodeSortedMapRecord(std::string_view in) {
  const core::Status corrupt = core::Status::Internal("corrupt sorted map record");
  uint8_t format, kind;
  int64_t expire;
  SortedMapRecord r;
  if (!store::GetByte(&in, &format) || format != kSortedMapRecordFormat ||
      !store::GetVarint64(&in, &r.version) || !store::GetVarsint64(&in, &expire) ||
      !store::GetByte(&in, &kind)) {
    return corrupt;
  }
  r.expire_time = core::FromUnixNanos(expire);
  r.sort_key.kind = static_cast<SortKey::Kind>(kind);
  if (r.sort_key.kind == SortKey::Kind::kNumber) {
    uint64_t bits;
    if (!store::GetVarint64(&in, &bits)) return corrupt;
    std::memcpy(&r.sort_key.number, &bits, sizeof bits);
  } else if (r.sort_key.kind == SortKey::Kind::kString) {
    std::string_view text;
    if (!store::GetLengthPrefixed(&in, &text)) return corrupt;
    r.sort_key.text.assign(text);
  } else if (r.sort_key.kind != SortKey::Kind::kNone) {
    return corrupt;
  }
  std::string_view value;
  if (!store::GetLengthPrefixed(&in, &value) || !in.empty()) return corrupt;
  r.value.assign(value);
  return r;
}

std::string MapPrefix(const SortedMapName& name) {
  std::string k;
  store::PutKeyInt64(&k, name.universe);
  store::PutKeyString(&k, name.map);
  return k;
}

std::string SortedMapItemKey(const SortedMapName& name, std::string_view id) {
  std::string k = MapPrefix(name);
  store::PutKeyString(&k, id);
  return k;
}

// Ids are never empty, so the empty id is free for the map's own row.
std::string SortedMapCountKey(const SortedMapName& name) { return SortedMapItemKey(name, ""); }

void PutSortKey(std::string* dst, const SortKey& key) {
  dst->push_back(static_cast<char>(key.kind));
  if (key.kind == SortKey::Kind::kNumber) store::PutKeyDouble(dst, key.number);
  if (key.kind == SortKey::Kind::kString) store::PutKeyString(dst, key.text);
}

std::string SortedMapIndexKey(const SortedMapName& name, const SortKey& key, std::string_view id) {
  std::string k = MapPrefix(name);
  PutSortKey(&k, key);
  store::PutKeyString(&k, id);
  return k;
}

bool ParseSortedMapIndexKey(std::string_view key, std::string_view prefix, std::string* id) {
  if (key.substr(0, prefix.size()) != prefix || key.size() == prefix.size()) return false;
  key.remove_prefix(prefix.size());
  const auto kind = static_cast<SortKey::Kind>(key.front());
  key.remove_prefix(1);
  if (kind == SortKey::Kind::kNumber) {
    double ignored;
    if (!store::GetKeyDouble(&key, &ignored)) return false;
  } else if (kind == SortKey::Kind::kString) {
    std::string ignored;
    if (!store::GetKeyString(&key, &ignored)) return false;
  } else if (kind != SortKey::Kind::kNone) {
    return false;
  }
  return store::GetKeyString(&key, id) && key.empty();
}

std::string ExpiryKey(core::Timestamp expire_time, ExpiryKind kind, std::string_view item_key) {
  std::string k;
  store::PutKeyUint64(&k, static_cast<uint64_t>(core::ToUnixNanos(expire_time)));
  k.push_back(static_cast<char>(kind));
  k.append(item_key);
  return k;
}

bool ParseExpiryKey(std::string_view key, ExpiryRow* row) {
  uint64_t nanos;
  if (!store::GetKeyUint64(&key, &nanos) || key.empty()) return false;
  row->expire_time = core::FromUnixNanos(static_cast<int64_t>(nanos));
  row->kind = static_cast<ExpiryKind>(key.front());
  row->item_key = key.substr(1);
  return true;
}

bool ParseSortedMapItemKey(std::string_view key, SortedMapName* name, std::string* id) {
  return store::GetKeyInt64(&key, &name->universe) && store::GetKeyString(&key, &name->map) &&
         store::GetKeyString(&key, id) && key.empty();
}

core::Status ValidateSortedMapName(const SortedMapName& name, const char* noun) {
  if (name.universe <= 0) {
    return core::Status::InvalidArgument("Universe id must be a positive integer.");
  }
  std::string what = std::string(noun) + " name";
  what[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(what[0])));
  return core::ValidateName(name.map, what, kMaxNameBytes);
}

core::Status ValidateItemId(std::string_view id) {
  return core::ValidateName(id, "Item id", kMaxNameBytes);
}

}  // namespace strongbox::memstore
