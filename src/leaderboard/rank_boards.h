#pragma once

// RankBoards: the RankIndex of every leaderboard, by board key (ordered_entry.h BoardKey).
//
// Rebuilt from the `ordered_index` column family at startup, then changed only by Apply(),
// which the leaderboard service calls from WriteView::OnCommitted: after the batch holding the
// change is durable and before its writer hears back. So a reader never sees a rank for a
// value that is not committed, and a writer that got its answer sees its own write.
//
// Ownership: LeaderboardService owns it. Thread safety: Read() from any thread; Apply() from
// the commit sequencer only (one writer), Rebuild() before anything else runs — or, scoped,
// while no write of that scope can commit (its partition is not admitted yet); Drop() any time
// (a later Apply in scope is undone by the next scoped Rebuild).

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "leaderboard/ordered_entry.h"
#include "leaderboard/rank_index.h"
#include "store/engine.h"

namespace strongbox::leaderboard {

class RankBoards {
 public:
  struct RebuildStats {
    size_t boards = 0;
    size_t entries = 0;
    uint64_t max_arrival = 0;  // new arrivals must start above it
  };
  // Which boards a partial rebuild or a drop covers, by board key (which starts with the
  // universe, so the cluster can ask for one partition's boards). Null: every board.
  using Scope = std::function<bool(std::string_view board_key)>;

  // Replaces the boards in `scope` with what `engine`'s ordered_index holds for them (cluster
  // mode: a partition this node just claimed); boards outside it are kept.
  core::Result<RebuildStats> Rebuild(const store::Engine& engine, const Scope& scope = nullptr);
  // Forgets the boards in `scope` (a partition this node no longer owns). Returns how many.
  size_t Drop(const Scope& scope);

  // The keys of the boards held now (a snapshot, for background work).
  std::vector<std::string> Keys() const;

  // Moves `id` to `record`, or removes it (nullopt).
  void Apply(const std::string& board_key, std::string_view id,
             const std::optional<OrderedRecord>& record);

  // Runs `read(const RankIndex&)` under the board's read lock; a board with no entries reads as
  // an empty index.
  template <class Read>
  auto WithBoard(const std::string& board_key, Read&& read) const {
    std::shared_ptr<Board> board = Find(board_key);
    if (!board) return read(static_cast<const RankIndex&>(empty_));
    std::shared_lock<std::shared_mutex> lock(board->mu);
    return read(static_cast<const RankIndex&>(board->index));
  }

 private:
  struct Board {
    mutable std::shared_mutex mu;
    RankIndex index;  // guarded by mu
  };

  std::shared_ptr<Board> Find(const std::string& board_key) const;

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Board>> boards_;  // guarded by mu_
  const RankIndex empty_{};
};

}  // namespace strongbox::leaderboard
