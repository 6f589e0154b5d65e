#include "datastore/catalog.h"

#include <memory>
#include <vector>

#include "datastore/entry_keys.h"
#include "datastore/entry_record.h"
#include "store/key_codec.h"
#include "store/scan_delete.h"
#include "store/value_codec.h"

namespace strongbox::datastore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

// Format 1 rows (create time only) predate deletion and read as active.
constexpr uint8_t kCatalogFormatV1 = 1;
constexpr uint8_t kCatalogFormat = 2;
constexpr size_t kDeleteBatch = 1000;

Status NoSuchDataStore() { return Status::NotFound("Data store not found."); }

}  // namespace

std::string EncodeDataStoreInfo(const DataStoreInfo& info) {
  std::string row(1, static_cast<char>(kCatalogFormat));
  store::PutVarsint64(&row, core::ToUnixNanos(info.create_time));
  row.push_back(info.deleted ? '\x01' : '\x00');
  store::PutVarsint64(&row, core::ToUnixNanos(info.delete_time));
  return row;
}

Result<DataStoreInfo> DecodeDataStoreInfo(std::string_view in) {
  const Status corrupt = Status::Internal("corrupt catalog row");
  uint8_t format;
  int64_t create;
  if (!store::GetByte(&in, &format) || !store::GetVarsint64(&in, &create)) return corrupt;
  DataStoreInfo info;
  info.create_time = core::FromUnixNanos(create);
  if (format == kCatalogFormatV1) return info;
  uint8_t deleted;
  int64_t delete_time;
  if (format != kCatalogFormat || !store::GetByte(&in, &deleted) ||
      !store::GetVarsint64(&in, &delete_time)) {
    return corrupt;
  }
  info.deleted = deleted != 0;
  info.delete_time = core::FromUnixNanos(delete_time);
  return info;
}

Status CheckNotDeleted(const std::optional<std::string>& row) {
  if (!row) return Status::Ok();
  SB_ASSIGN_OR_RETURN(DataStoreInfo info, DecodeDataStoreInfo(*row));
  if (info.deleted) return Status::NotFound("Data store is deleted.");
  return Status::Ok();
}

DataStoreCatalog::DataStoreCatalog(const store::Engine* engine, store::CommitPipeline* pipeline,
                                   const core::Clock* clock,
                                   std::chrono::nanoseconds delete_retention)
    : engine_(engine), pipeline_(pipeline), clock_(clock), delete_retention_(delete_retention) {}

Status DataStoreCatalog::CheckReadable(int64_t universe, const std::string& data_store) const {
  SB_ASSIGN_OR_RETURN(auto row,
                      engine_->Get(ColumnFamily::kCatalog,
                                   CatalogKey(universe, kCatalogKindDataStore, data_store)));
  return CheckNotDeleted(row);
}

boost::asio::awaitable<Result<DataStoreInfo>> DataStoreCatalog::Delete(int64_t universe,
                                                                       std::string data_store,
                                                                       Context context) {
  const core::Clock* clock = clock_;
  std::function<Result<DataStoreInfo>(store::WriteView&)> mutation =
      [universe, data_store = std::move(data_store),
       clock](store::WriteView& view) -> Result<DataStoreInfo> {
    const std::string key = CatalogKey(universe, kCatalogKindDataStore, data_store);
    SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kCatalog, key));
    if (!row) return NoSuchDataStore();
    SB_ASSIGN_OR_RETURN(DataStoreInfo info, DecodeDataStoreInfo(*row));
    if (info.deleted) return Status::NotFound("Data store is already deleted.");
    info.deleted = true;
    info.delete_time = clock->Now();
    view.Put(ColumnFamily::kCatalog, key, EncodeDataStoreInfo(info));
    return info;
  };
  // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
  co_return co_await pipeline_->Commit<DataStoreInfo>(std::move(mutation), std::move(context));
}

boost::asio::awaitable<Result<DataStoreInfo>> DataStoreCatalog::Undelete(int64_t universe,
                                                                         std::string data_store,
                                                                         Context context) {
  const core::Timestamp now = clock_->Now();
  const auto retention = delete_retention_;
  std::function<Result<DataStoreInfo>(store::WriteView&)> mutation =
      [universe, data_store = std::move(data_store), now,
       retention](store::WriteView& view) -> Result<DataStoreInfo> {
    const std::string key = CatalogKey(universe, kCatalogKindDataStore, data_store);
    SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kCatalog, key));
    if (!row) return NoSuchDataStore();
    SB_ASSIGN_OR_RETURN(DataStoreInfo info, DecodeDataStoreInfo(*row));
    if (!info.deleted) return Status::NotFound("Data store is not deleted.");
    // Past its expiry the purge may already have removed entries: too late to restore.
    if (now >= info.delete_time + retention) return Status::NotFound("Data store has expired.");
    info.deleted = false;
    info.delete_time = {};
    view.Put(ColumnFamily::kCatalog, key, EncodeDataStoreInfo(info));
    return info;
  };
  // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
  co_return co_await pipeline_->Commit<DataStoreInfo>(std::move(mutation), std::move(context));
}

boost::asio::awaitable<Result<size_t>> DataStoreCatalog::PurgeExpired(size_t budget) {
  const core::Timestamp now = clock_->Now();
  size_t removed = 0;
  // Expired data stores, from a scan of the catalog.
  std::vector<std::pair<int64_t, std::string>> expired;
  {
    auto it = engine_->NewIterator(ColumnFamily::kCatalog);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key = it->key();
      int64_t universe;
      std::string kind, name;
      if (!store::GetKeyInt64(&key, &universe) || !store::GetKeyString(&key, &kind) ||
          !store::GetKeyString(&key, &name) || kind != kCatalogKindDataStore) {
        continue;
      }
      SB_CO_ASSIGN_OR_RETURN(DataStoreInfo info, DecodeDataStoreInfo(it->value()));
      if (info.deleted && now >= ExpireTime(info)) expired.emplace_back(universe, name);
    }
    SB_CO_RETURN_IF_ERROR(it->status());
  }
  for (const auto& [universe, name] : expired) {
    std::string prefix;
    store::PutKeyInt64(&prefix, universe);
    store::PutKeyString(&prefix, name);
    const std::string upper = store::PrefixSuccessor(prefix);
    // Entries, then revisions (with the user index rows they name), then the entries'
    // mailboxes (their keys start with the entry key), then the catalog row; in bounded
    // commits, no iterator living across one.
    for (ColumnFamily cf :
         {ColumnFamily::kEntries, ColumnFamily::kRevisions, ColumnFamily::kMailbox}) {
      std::string cursor;
      auto pass = store::ScanDelete::EveryKey(cf, prefix, upper, &cursor, kDeleteBatch);
      // universe = universe: Clang 14 cannot capture a structured binding by name.
      pass.remove = [cf, universe = universe](store::WriteView& view,
                                              const std::string& key) -> Result<bool> {
        if (cf == ColumnFamily::kRevisions) {
          SB_ASSIGN_OR_RETURN(auto bytes, view.Get(cf, key));
          EntryName entry;
          if (bytes && ParseEntryKey(std::string_view(key).substr(0, key.size() - 8), &entry)) {
            auto record = DecodeEntryRecord(*bytes);
            if (record.ok()) {
              for (int64_t u : record->users) {
                view.Delete(ColumnFamily::kUserIndex, UserIndexKey(universe, u, entry));
              }
            }
          }
        }
        view.Delete(cf, key);
        return true;
      };
      do {
        SB_CO_ASSIGN_OR_RETURN(size_t n, co_await store::ScanAndDelete(*engine_, *pipeline_, pass));
        removed += n;
        if (removed >= budget) co_return removed;  // the next pass continues
      } while (!cursor.empty());
    }
    // Last, the catalog row — only if the data store is still deleted (not undeleted meanwhile).
    const std::string catalog_key = CatalogKey(universe, kCatalogKindDataStore, name);
    store::Mutation drop = [catalog_key](store::WriteView& view) -> Status {
      SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kCatalog, catalog_key));
      if (!row) return Status::Ok();
      SB_ASSIGN_OR_RETURN(DataStoreInfo info, DecodeDataStoreInfo(*row));
      if (info.deleted) view.Delete(ColumnFamily::kCatalog, catalog_key);
      return Status::Ok();
    };
    Status s = co_await pipeline_->Commit(std::move(drop));
    SB_CO_RETURN_IF_ERROR(s);
    ++removed;
  }
  co_return removed;
}

}  // namespace strongbox::datastore
