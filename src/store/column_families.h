#pragma once

// The frozen registry of RocksDB column families. The numeric values and names are part of the
// on-disk format: NEVER reorder or rename; add new families only at the end, before kCount.
// proto-docs/storage-format.md describes the keys and values of each.

#include <array>
#include <cstddef>
#include <string_view>

namespace strongbox::store {

enum class ColumnFamily : size_t {
  kDefault = 0,  // RocksDB's own; holds nothing of ours
  kCatalog = 1,
  kEntries = 2,
  kRevisions = 3,
  kOrdered = 4,
  kOrderedIndex = 5,
  kSortedMaps = 6,
  kSortedMapIndex = 7,
  kQueues = 8,
  kLocks = 9,
  kExpiry = 10,
  kAuth = 11,
  kIdempotency = 12,  // stored responses of Idempotency-Key requests
  kUserIndex = 13,    // user id → the data store entries tagged with it
  kHashMaps = 14,     // memory-store hash map items and item counts (api.md §10)
  kChanges = 15,      // the change log: one record per operation, per universe (api.md §11)
  kMailbox = 16,      // messages sent to data store entries, and each mailbox's state (§11)
  kCount              // never reorder: new families go above this line
};

inline constexpr std::array<std::string_view, static_cast<size_t>(ColumnFamily::kCount)>
    kColumnFamilyNames = {
        "default",     "catalog",          "entries",   "revisions", "ordered", "ordered_index",
        "sorted_maps", "sorted_map_index", "queues",    "locks",     "expiry",  "auth",
        "idempotency", "user_index",       "hash_maps", "changes",   "mailbox"};

constexpr std::string_view ColumnFamilyName(ColumnFamily cf) {
  return kColumnFamilyNames[static_cast<size_t>(cf)];
}

}  // namespace strongbox::store
