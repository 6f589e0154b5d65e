#include "memstore/expiry_sweeper.h"

#include <string>
#include <vector>

#include "memstore/queue_service.h"
#include "memstore/sorted_map_service.h"
#include "store/key_codec.h"

namespace strongbox::memstore {

using core::Result;
using core::Status;
using store::ColumnFamily;

boost::asio::awaitable<Result<size_t>> ExpirySweeper::SweepExpired(size_t budget) {
  std::string upper;
  store::PutKeyUint64(&upper, static_cast<uint64_t>(core::ToUnixNanos(clock_->Now())) + 1);
  std::vector<std::string> due;
  {
    auto it = engine_->NewIterator(ColumnFamily::kExpiry, {}, upper);
    for (it->SeekToFirst(); it->Valid() && due.size() < budget; it->Next()) {
      due.emplace_back(it->key());
    }
    SB_CO_RETURN_IF_ERROR(it->status());
  }
  if (due.empty()) co_return size_t{0};
  const size_t found = due.size();
  store::Mutation mutation = [due = std::move(due)](store::WriteView& view) -> Status {
    for (const std::string& expiry_key : due) {
      // The row goes in any case; what it points at goes only if it still expires then.
      view.Delete(ColumnFamily::kExpiry, expiry_key);
      ExpiryRow row;
      if (!ParseExpiryKey(expiry_key, &row)) continue;
      switch (row.kind) {
        case ExpiryKind::kSortedMapItem: {
          SB_ASSIGN_OR_RETURN(
              bool removed, SortedMapService::ReclaimExpired(view, row.item_key, row.expire_time));
          (void)removed;
          break;
        }
        case ExpiryKind::kQueueItem:
        case ExpiryKind::kQueueRead: {
          SB_ASSIGN_OR_RETURN(bool removed, QueueService::ReclaimExpired(
                                                view, row.kind, row.item_key, row.expire_time));
          (void)removed;
          break;
        }
      }
    }
    return Status::Ok();
  };
  Status s = co_await pipeline_->Commit(std::move(mutation));
  if (!s.ok()) co_return s;
  co_return found;
}

}  // namespace strongbox::memstore
