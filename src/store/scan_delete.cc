#include "store/scan_delete.h"

#include <vector>

namespace strongbox::store {

ScanDelete ScanDelete::EveryKey(ColumnFamily cf, std::string lower, std::string upper,
                                std::string* cursor, size_t batch) {
  ScanDelete pass;
  pass.cf = cf;
  pass.lower = std::move(lower);
  pass.upper = std::move(upper);
  pass.cursor = cursor;
  pass.budget = batch;
  pass.select = [](std::string_view, std::string_view) { return true; };
  pass.remove = [cf](WriteView& view, const std::string& key) -> core::Result<bool> {
    view.Delete(cf, key);
    return true;
  };
  return pass;
}

boost::asio::awaitable<core::Result<size_t>> ScanAndDelete(const Engine& engine,
                                                           CommitPipeline& pipeline,
                                                           const ScanDelete& pass) {
  std::vector<std::string> selected;
  {
    auto it = engine.NewIterator(pass.cf, pass.lower, pass.upper);
    if (pass.cursor != nullptr && !pass.cursor->empty()) {
      it->Seek(*pass.cursor);
    } else {
      it->SeekToFirst();
    }
    size_t scanned = 0;
    for (; it->Valid() && scanned < pass.budget; it->Next(), ++scanned) {
      if (pass.select(it->key(), it->value())) selected.emplace_back(it->key());
    }
    SB_CO_RETURN_IF_ERROR(it->status());
    if (pass.cursor != nullptr) *pass.cursor = it->Valid() ? std::string(it->key()) : std::string();
  }
  if (selected.empty()) co_return size_t{0};
  std::function<core::Result<size_t>(WriteView&)> mutation =
      [&selected, &remove = pass.remove](WriteView& view) -> core::Result<size_t> {
    size_t removed = 0;
    for (const std::string& key : selected) {
      SB_ASSIGN_OR_RETURN(bool gone, remove(view, key));
      removed += gone ? 1 : 0;
    }
    return removed;
  };
  // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
  co_return co_await pipeline.Commit<size_t>(std::move(mutation));
}

}  // namespace strongbox::store
