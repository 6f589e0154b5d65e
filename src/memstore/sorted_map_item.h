#pragma once

// The memory-store sorted map model (api.md §5): items, their sort keys, the stored record and
// the keys of the three column families involved (proto-docs/storage-format.md). A hash map
// (api.md §10, Roblox's MemoryStoreHashMap) is the same model without sort keys, in a family of
// its own (`hash_maps`, keyed as `sorted_maps`) and listed by id: MapLayout says which.
//
//   sorted_maps       universe(int64) map(str) id(str)                 → SortedMapRecord
//                     universe(int64) map(str) ""                      → item count (varint)
//   sorted_map_index  universe(int64) map(str) sort key id(str)        → empty
//   expiry            expire time(uint64 ns) kind(byte) <item key>     → empty
//
// The sort key is encoded so that one bytewise range scan lists a map in the contract's order:
// numeric keys (numerically), then string keys (bytewise), then items without one; ties by id.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "store/column_families.h"

namespace strongbox::memstore {

inline constexpr size_t kMaxNameBytes = 127;  // map names and item ids (api.md §1)

struct SortedMapName {
  int64_t universe = 0;
  std::string map;
};

struct SortKey {
  enum class Kind : uint8_t { kNumber = 1, kString = 2, kNone = 3 };  // stored; also the order
  Kind kind = Kind::kNone;
  double number = 0;
  std::string text;

  static SortKey None() { return {}; }
  static SortKey Number(double v) { return {Kind::kNumber, v, {}}; }
  static SortKey String(std::string s) { return {Kind::kString, 0, std::move(s)}; }
};

// The current state of one item.
struct SortedMapRecord {
  std::string value;  // compact JSON
  SortKey sort_key;
  core::Timestamp expire_time{};
  uint64_t version = 0;  // the etag: changes on every write, never repeats for an id

  bool ExpiredAt(core::Timestamp now) const { return expire_time <= now; }
};

inline constexpr uint8_t kSortedMapRecordFormat = 1;

std::string EncodeSortedMapRecord(const SortedMapRecord& record);
core::Result<SortedMapRecord> DecodeSortedMapRecord(std::string_view bytes);

// Every key of one map (in sorted_maps and in sorted_map_index) starts with this.
std::string MapPrefix(const SortedMapName& name);
std::string SortedMapItemKey(const SortedMapName& name, std::string_view id);
std::string SortedMapCountKey(const SortedMapName& name);
// Appends the encoded sort key (kind byte, then the key) to `dst`.
void PutSortKey(std::string* dst, const SortKey& key);
std::string SortedMapIndexKey(const SortedMapName& name, const SortKey& key, std::string_view id);
// The id at the end of an index key of the map whose prefix is `prefix`; false if malformed.
bool ParseSortedMapIndexKey(std::string_view key, std::string_view prefix, std::string* id);

// Kinds of rows in the expiry family.
enum class ExpiryKind : uint8_t {
  kSortedMapItem = 1,
  kQueueItem = 2,
  kQueueRead = 3,
  kHashMapItem = 4,
};

// Which kind of map a SortedMapService serves: where its items live, whether it keeps the sort
// index, and how its expiry rows are tagged.
struct MapLayout {
  store::ColumnFamily items;  // item records and the per-map item count
  bool sorted;                // keeps sorted_map_index rows; lists in sort-key order
  ExpiryKind expiry;
  const char* noun;  // "sorted map" / "hash map", in messages
};
inline constexpr MapLayout kSortedMapLayout{store::ColumnFamily::kSortedMaps, true,
                                            ExpiryKind::kSortedMapItem, "sorted map"};
inline constexpr MapLayout kHashMapLayout{store::ColumnFamily::kHashMaps, false,
                                          ExpiryKind::kHashMapItem, "hash map"};
std::string ExpiryKey(core::Timestamp expire_time, ExpiryKind kind, std::string_view item_key);
struct ExpiryRow {
  core::Timestamp expire_time{};
  ExpiryKind kind{};
  std::string_view item_key;
};
bool ParseExpiryKey(std::string_view key, ExpiryRow* row);

// The map a sorted_maps item key belongs to, and its id; false when malformed.
bool ParseSortedMapItemKey(std::string_view key, SortedMapName* name, std::string* id);

// `noun` names the kind in the message (MapLayout::noun: "sorted map", "hash map").
core::Status ValidateSortedMapName(const SortedMapName& name, const char* noun = "sorted map");
core::Status ValidateItemId(std::string_view id);

}  // namespace strongbox::memstore
