#include "leaderboard/rank_boards.h"

namespace strongbox::leaderboard {

core::Result<RankBoards::RebuildStats> RankBoards::Rebuild(const store::Engine& engine,
                                                           const Scope& scope) {
  std::unordered_map<std::string, std::shared_ptr<Board>> boards;
  RebuildStats stats;
  auto it = engine.NewIterator(store::ColumnFamily::kOrderedIndex);
  Board* board = nullptr;
  std::string board_key;
  OrderedIndexRow row;
  // The index is sorted by board, then (value, arrival): each board arrives in RankIndex order,
  // so it is built by appending, without a sort — except rows whose subscore (in the row's
  // value) moves them within their value, which are inserted.
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!ParseOrderedIndexKey(it->key(), &row)) {
      return core::Status::Internal("corrupt ordered_index key");
    }
    if (scope && !scope(row.board_key)) continue;
    if (board == nullptr || row.board_key != board_key) {
      board_key.assign(row.board_key);
      auto created = std::make_shared<Board>();
      board = created.get();
      boards.emplace(board_key, std::move(created));
    }
    int64_t subscore = 0;
    bool has_metadata = false;
    if (!DecodeOrderedIndexValue(it->value(), &subscore, &has_metadata)) {
      return core::Status::Internal("corrupt ordered_index value");
    }
    if (board->index.AppendsInOrder(row.record.value, row.record.arrival, subscore)) {
      board->index.Append(row.id, row.record.value, row.record.arrival, subscore, has_metadata);
    } else {
      board->index.Upsert(row.id, row.record.value, row.record.arrival, subscore, has_metadata);
    }
    stats.max_arrival = std::max(stats.max_arrival, row.record.arrival);
    ++stats.entries;
  }
  SB_RETURN_IF_ERROR(it->status());
  stats.boards = boards.size();
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (!scope) {
    boards_ = std::move(boards);
    return stats;
  }
  std::erase_if(boards_, [&scope](const auto& entry) { return scope(entry.first); });
  boards_.merge(boards);
  return stats;
}

size_t RankBoards::Drop(const Scope& scope) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (!scope) {
    const size_t n = boards_.size();
    boards_.clear();
    return n;
  }
  return std::erase_if(boards_, [&scope](const auto& entry) { return scope(entry.first); });
}

void RankBoards::Apply(const std::string& board_key, std::string_view id,
                       const std::optional<OrderedRecord>& record) {
  std::shared_ptr<Board> board = Find(board_key);
  if (!board) {
    if (!record) return;
    std::unique_lock<std::shared_mutex> lock(mu_);
    board = boards_.try_emplace(board_key, std::make_shared<Board>()).first->second;
  }
  bool emptied = false;
  {
    std::unique_lock<std::shared_mutex> lock(board->mu);
    if (record) {
      board->index.Upsert(id, record->value, record->arrival, record->subscore,
                          !record->metadata.empty());
    } else {
      board->index.Erase(id);
      emptied = board->index.size() == 0;
    }
  }
  // Apply is the only writer, so an emptied board cannot be refilled in between; readers that
  // still hold it see an empty board.
  if (emptied) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    boards_.erase(board_key);
  }
}

std::vector<std::string> RankBoards::Keys() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<std::string> keys;
  keys.reserve(boards_.size());
  for (const auto& entry : boards_) keys.push_back(entry.first);
  return keys;
}

std::shared_ptr<RankBoards::Board> RankBoards::Find(const std::string& board_key) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = boards_.find(board_key);
  return it == boards_.end() ? nullptr : it->second;
}

}  // namespace strongbox::leaderboard
