#pragma once

// Listing of data stores and entry keys (api.md §2, §3), as plain range scans of the catalog and
// entries column families. Pages resume strictly after the last key returned, so a key that
// exists for the whole walk is listed exactly once, whatever is written meanwhile.
// Thread safety: stateless functions over a thread-safe Engine.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "datastore/catalog.h"
#include "datastore/entry.h"
#include "store/engine.h"

namespace strongbox::datastore {

struct EntryListQuery {
  int64_t universe = 0;
  std::string data_store;
  std::optional<std::string> scope;  // nullopt: every scope
  std::string key_prefix;
  bool include_deleted = false;  // tombstoned keys too
  size_t page_size = 10;
  std::optional<std::string> resume_after;  // from the previous page (opaque key bytes)
};

struct ListedEntry {
  EntryName name;
  bool deleted = false;
};

struct EntryListPage {
  std::vector<ListedEntry> entries;
  std::optional<std::string> next_after;  // set when more may follow
};

core::Result<EntryListPage> ListEntries(const store::Engine& engine, const EntryListQuery& query);

struct DataStoreListQuery {
  int64_t universe = 0;
  std::string name_prefix;
  bool include_deleted = false;
  size_t page_size = 10;
  std::optional<std::string> resume_after;
};

struct ListedDataStore {
  std::string name;
  DataStoreInfo info;
};

struct DataStoreListPage {
  std::vector<ListedDataStore> data_stores;
  std::optional<std::string> next_after;
};

core::Result<DataStoreListPage> ListDataStores(const store::Engine& engine,
                                               const DataStoreListQuery& query);

}  // namespace strongbox::datastore
