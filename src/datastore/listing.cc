#include "datastore/listing.h"

#include "datastore/entry_keys.h"
#include "datastore/entry_record.h"
#include "store/key_codec.h"
#include "store/page_token.h"

namespace strongbox::datastore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

Status Corrupt() { return Status::Internal("corrupt key in listing"); }

}  // namespace

Result<EntryListPage> ListEntries(const store::Engine& engine, const EntryListQuery& query) {
  SB_ASSIGN_OR_RETURN(
      auto row, engine.Get(ColumnFamily::kCatalog,
                           CatalogKey(query.universe, kCatalogKindDataStore, query.data_store)));
  SB_RETURN_IF_ERROR(CheckNotDeleted(row));
  std::string lower;
  store::PutKeyInt64(&lower, query.universe);
  store::PutKeyString(&lower, query.data_store);
  if (query.scope) {
    store::PutKeyString(&lower, *query.scope);
    store::PutKeyStringPrefix(&lower, query.key_prefix);
  }
  const std::string upper = store::PrefixSuccessor(lower);
  auto it = engine.NewIterator(ColumnFamily::kEntries, lower, upper);
  SB_RETURN_IF_ERROR(store::SeekPageStart(*it, query.resume_after, lower));
  EntryListPage page;
  for (; it->Valid(); it->Next()) {
    std::string_view key = it->key();
    ListedEntry e;
    if (!store::GetKeyInt64(&key, &e.name.universe) ||
        !store::GetKeyString(&key, &e.name.data_store) ||
        !store::GetKeyString(&key, &e.name.scope) || !store::GetKeyString(&key, &e.name.key)) {
      return Corrupt();
    }
    // Across all scopes the prefix cannot narrow the range; filter here.
    if (!query.scope && e.name.key.compare(0, query.key_prefix.size(), query.key_prefix) != 0) {
      continue;
    }
    e.deleted = IsTombstone(it->value());
    if (e.deleted && !query.include_deleted) continue;
    if (page.entries.size() == query.page_size) {
      page.next_after = EntryKey(page.entries.back().name);
      break;
    }
    page.entries.push_back(std::move(e));
  }
  SB_RETURN_IF_ERROR(it->status());
  return page;
}

Result<DataStoreListPage> ListDataStores(const store::Engine& engine,
                                         const DataStoreListQuery& query) {
  std::string lower;
  store::PutKeyInt64(&lower, query.universe);
  store::PutKeyString(&lower, kCatalogKindDataStore);
  store::PutKeyStringPrefix(&lower, query.name_prefix);
  const std::string upper = store::PrefixSuccessor(lower);
  auto it = engine.NewIterator(ColumnFamily::kCatalog, lower, upper);
  SB_RETURN_IF_ERROR(store::SeekPageStart(*it, query.resume_after, lower));
  DataStoreListPage page;
  for (; it->Valid(); it->Next()) {
    std::string_view key = it->key();
    int64_t universe;
    std::string kind;
    ListedDataStore ds;
    if (!store::GetKeyInt64(&key, &universe) || !store::GetKeyString(&key, &kind) ||
        !store::GetKeyString(&key, &ds.name)) {
      return Corrupt();
    }
    SB_ASSIGN_OR_RETURN(ds.info, DecodeDataStoreInfo(it->value()));
    if (ds.info.deleted && !query.include_deleted) continue;
    if (page.data_stores.size() == query.page_size) {
      page.next_after =
          CatalogKey(query.universe, kCatalogKindDataStore, page.data_stores.back().name);
      break;
    }
    page.data_stores.push_back(std::move(ds));
  }
  SB_RETURN_IF_ERROR(it->status());
  return page;
}

}  // namespace strongbox::datastore
