#include "memstore/expiry_sweeper.h"

#include <string>
#include <vector>

#include "memstore/queue_service.h"
#include "memstore/sorted_map_service.h"
#include "store/key_codec.h"
#include "store/scan_delete.h"

namespace strongbox::memstore {

using core::Result;
using core::Status;
using store::ColumnFamily;

boost::asio::awaitable<Result<size_t>> ExpirySweeper::SweepExpired(size_t budget) {
  // Expiry rows sort by time: everything due is at the front, so every pass starts there.
  store::ScanDelete pass;
  pass.cf = ColumnFamily::kExpiry;
  store::PutKeyUint64(&pass.upper, static_cast<uint64_t>(core::ToUnixNanos(clock_->Now())) + 1);
  pass.budget = budget;
  pass.select = [](std::string_view, std::string_view) { return true; };
  pass.remove = [](store::WriteView& view, const std::string& expiry_key) -> Result<bool> {
    // The row goes in any case; what it points at goes only if it still expires then.
    view.Delete(ColumnFamily::kExpiry, expiry_key);
    ExpiryRow row;
    if (!ParseExpiryKey(expiry_key, &row)) return true;
    switch (row.kind) {
      case ExpiryKind::kSortedMapItem:
      case ExpiryKind::kHashMapItem: {
        const MapLayout& layout =
            row.kind == ExpiryKind::kHashMapItem ? kHashMapLayout : kSortedMapLayout;
        SB_ASSIGN_OR_RETURN(bool removed, SortedMapService::ReclaimExpired(
                                              view, layout, row.item_key, row.expire_time));
        (void)removed;
        break;
      }
      case ExpiryKind::kQueueItem:
      case ExpiryKind::kQueueRead: {
        SB_ASSIGN_OR_RETURN(bool removed, QueueService::ReclaimExpired(view, row.kind, row.item_key,
                                                                       row.expire_time));
        (void)removed;
        break;
      }
    }
    return true;
  };
  co_return co_await store::ScanAndDelete(*engine_, *pipeline_, pass);
}

}  // namespace strongbox::memstore
