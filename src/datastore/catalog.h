#pragma once

// The data store catalog: one row per data store (created by its first write), and soft
// deletion (api.md §3). A deleted data store is hidden from listings unless asked for, its
// entries answer 404 to reads and writes, :undelete restores it whole, and once it has been
// deleted for `delete_retention` a background pass purges every entry, revision and index row.
// Thread safety: all methods may be called concurrently.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::datastore {

struct DataStoreInfo {
  core::Timestamp create_time{};
  bool deleted = false;
  core::Timestamp delete_time{};  // when deleted
};

std::string EncodeDataStoreInfo(const DataStoreInfo& info);
core::Result<DataStoreInfo> DecodeDataStoreInfo(std::string_view bytes);

// kNotFound "Data store is deleted." when the catalog row says so; OK otherwise (also for a
// data store with no row yet: its first write creates it).
core::Status CheckNotDeleted(const std::optional<std::string>& catalog_row);

class DataStoreCatalog {
 public:
  DataStoreCatalog(const store::Engine* engine, store::CommitPipeline* pipeline,
                   const core::Clock* clock, std::chrono::nanoseconds delete_retention);

  // kNotFound when the data store is deleted (reads check this; writes check it in their
  // mutation).
  core::Status CheckReadable(int64_t universe, const std::string& data_store) const;

  // A request's lock guard and Idempotency-Key record (store/write_context.h), applied in the
  // write's own commit.
  using Context = store::WriteContext<DataStoreInfo>;

  // Soft delete / undelete. kNotFound when the data store does not exist (or, for Delete, is
  // already deleted; for Undelete, is not deleted).
  boost::asio::awaitable<core::Result<DataStoreInfo>> Delete(int64_t universe,
                                                             std::string data_store,
                                                             Context context = {});
  boost::asio::awaitable<core::Result<DataStoreInfo>> Undelete(int64_t universe,
                                                               std::string data_store,
                                                               Context context = {});

  // When a deleted data store is purged for good.
  core::Timestamp ExpireTime(const DataStoreInfo& info) const {
    return info.delete_time + delete_retention_;
  }

  // One bounded background pass: removes up to `budget` keys of data stores deleted longer
  // than the retention ago, their catalog row last. Returns the number of keys removed.
  boost::asio::awaitable<core::Result<size_t>> PurgeExpired(size_t budget);

 private:
  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const std::chrono::nanoseconds delete_retention_;
};

}  // namespace strongbox::datastore
