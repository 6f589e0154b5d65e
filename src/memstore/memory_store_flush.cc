#include "memstore/memory_store_flush.h"

#include <vector>

#include "core/strings.h"
#include "store/key_codec.h"
#include "store/scan_delete.h"

namespace strongbox::memstore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

constexpr size_t kDeletesPerCommit = 1000;
constexpr uint8_t kOperationFormat = 1;

// catalog row: universe, kind, operation id → format byte + creation time (Unix ns, decimal).
std::string OperationKey(int64_t universe, const std::string& id) {
  std::string k;
  store::PutKeyInt64(&k, universe);
  store::PutKeyString(&k, "memory-store-operation");
  store::PutKeyString(&k, id);
  return k;
}

}  // namespace

boost::asio::awaitable<Result<std::string>> MemoryStoreFlush::Flush(int64_t universe,
                                                                    Context context) {
  if (universe <= 0) co_return Status::InvalidArgument("Universe id must be a positive integer.");
  std::string prefix;
  store::PutKeyInt64(&prefix, universe);
  const std::string end = store::PrefixSuccessor(prefix);
  for (ColumnFamily cf : {ColumnFamily::kSortedMapIndex, ColumnFamily::kSortedMaps,
                          ColumnFamily::kHashMaps, ColumnFamily::kQueues}) {
    // Bounded commits over the universe's range; no iterator lives across a commit.
    std::string cursor;
    const auto pass = store::ScanDelete::EveryKey(cf, prefix, end, &cursor, kDeletesPerCommit);
    do {
      SB_CO_ASSIGN_OR_RETURN(size_t removed,
                             co_await store::ScanAndDelete(*engine_, *pipeline_, pass));
      (void)removed;
    } while (!cursor.empty());
  }
  const int64_t now = core::ToUnixNanos(clock_->Now());
  const std::string id = core::HexUpper(static_cast<uint64_t>(now), 16);
  std::function<Result<std::string>(store::WriteView&)> record =
      [key = OperationKey(universe, id), id, now](store::WriteView& view) -> Result<std::string> {
    std::string value(1, static_cast<char>(kOperationFormat));
    value.append(std::to_string(now));
    view.Put(ColumnFamily::kCatalog, key, value);
    return id;
  };
  co_return co_await pipeline_->Commit<std::string>(std::move(record), std::move(context));
}

Status MemoryStoreFlush::GetOperation(int64_t universe, const std::string& id) const {
  SB_ASSIGN_OR_RETURN(auto row, engine_->Get(ColumnFamily::kCatalog, OperationKey(universe, id)));
  if (!row) return Status::NotFound("Operation not found.");
  return Status::Ok();
}

}  // namespace strongbox::memstore
