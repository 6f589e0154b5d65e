#include "changes/change_pruner.h"

#include <optional>
#include <string>

#include "store/change_log.h"
#include "store/key_codec.h"

namespace strongbox::changes {

namespace asio = boost::asio;
using core::Result;
using core::Status;
using store::ColumnFamily;

asio::awaitable<Result<size_t>> ChangePruner::PruneOnce() {
  size_t deleted = 0;
  std::string from;  // the next universe starts at or after this key
  for (;;) {
    SB_CO_ASSIGN_OR_RETURN(auto next, store::NextChangeUniverse(*engine_, from));
    if (!next) co_return deleted;
    auto pruned = co_await PruneUniverse(next->universe);
    if (pruned.ok()) {
      deleted += *pruned;
    } else if (pruned.status().code() != core::StatusCode::kUnavailable) {
      co_return pruned.status();
    }
    from = next->next_from;
    if (from.empty()) co_return deleted;  // the last universe there can be
  }
}

asio::awaitable<Result<size_t>> ChangePruner::PruneUniverse(int64_t universe) {
  SB_CO_ASSIGN_OR_RETURN(auto floor_row,
                         engine_->Get(ColumnFamily::kChanges, store::ChangeFloorKey(universe)));
  SB_CO_ASSIGN_OR_RETURN(uint64_t floor, store::DecodeChangeCounter(floor_row, 1));
  SB_CO_ASSIGN_OR_RETURN(auto head_row,
                         engine_->Get(ColumnFamily::kChanges, store::ChangeHeadKey(universe)));
  SB_CO_ASSIGN_OR_RETURN(uint64_t head, store::DecodeChangeCounter(head_row, 0));
  // Everything below `count_floor` is past the count bound.
  const uint64_t count_floor = head > retention_.max_count ? head - retention_.max_count + 1 : 1;
  const core::Timestamp cutoff = clock_->Now() - retention_.max_age;
  uint64_t new_floor = floor;
  {
    auto it = engine_->NewIterator(ColumnFamily::kChanges, store::ChangeKey(universe, floor),
                                   store::ChangeRecordsEnd(universe));
    it->Seek(store::ChangeKey(universe, floor));
    for (size_t n = 0; it->Valid() && n < retention_.batch; it->Next(), ++n) {
      int64_t key_universe = 0;
      uint64_t sequence = 0;
      if (!store::ParseChangeKey(it->key(), &key_universe, &sequence)) {
        co_return Status::Internal("corrupt change log key");
      }
      if (sequence >= count_floor) {
        SB_CO_ASSIGN_OR_RETURN(store::ChangeRecord record,
                               store::DecodeChangeRecord(it->value(), sequence));
        if (record.time >= cutoff) break;
      }
      new_floor = sequence + 1;
    }
    SB_CO_RETURN_IF_ERROR(it->status());
  }
  if (new_floor == floor) co_return size_t{0};
  std::function<Result<size_t>(store::WriteView&)> mutation =
      [universe, floor, new_floor](store::WriteView& view) -> Result<size_t> {
    SB_ASSIGN_OR_RETURN(auto row,
                        view.Get(ColumnFamily::kChanges, store::ChangeFloorKey(universe)));
    SB_ASSIGN_OR_RETURN(uint64_t current, store::DecodeChangeCounter(row, 1));
    if (current >= new_floor) return size_t{0};  // another pass got there first
    for (uint64_t s = std::max(floor, current); s < new_floor; ++s) {
      view.Delete(ColumnFamily::kChanges, store::ChangeKey(universe, s));
    }
    view.Put(ColumnFamily::kChanges, store::ChangeFloorKey(universe), std::to_string(new_floor));
    return static_cast<size_t>(new_floor - std::max(floor, current));
  };
  co_return co_await pipeline_->Commit<size_t>(std::move(mutation));
}

}  // namespace strongbox::changes
