#pragma once

// SettingsCache: the boards' settings rows (board_settings.h) as reads last found them, so a
// rank or list read does not pay a RocksDB lookup for the settings on every request (measured:
// about 12% of :rank throughput on a 1,000,000-entry board). Writes keep reading the row inside
// their mutation, the truth; only reads use this.
//
// Correctness: Find/Fill from readers, Invalidate from the commit sequencer's OnCommitted hook
// of a settings change (after it is durable). A reader notes the epoch before it reads the
// engine and Fill drops its row if an invalidation came in between, so a stale row never
// outlives the change that replaced it. Clear() on partition moves (cluster mode: another node
// may have changed the settings meanwhile). At most `max_rows` rows; past that it starts over.
//
// Ownership: LeaderboardService. Thread safety: every method may be called from any thread.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "leaderboard/board_settings.h"

namespace strongbox::leaderboard {

class SettingsCache {
 public:
  explicit SettingsCache(size_t max_rows = 65'536) : max_rows_(max_rows) {}

  // The cached settings of the board whose settings key is `key`; nullopt when not cached.
  std::optional<BoardSettings> Find(const std::string& key) const;
  // The epoch to pass to Fill, read before reading the engine.
  uint64_t Epoch() const { return epoch_.load(std::memory_order_acquire); }
  // Caches what a read found, unless something was invalidated since `epoch`.
  void Fill(const std::string& key, const BoardSettings& settings, uint64_t epoch);
  // A settings change committed: forget `key`.
  void Invalidate(const std::string& key);
  // Forget everything.
  void Clear();

 private:
  const size_t max_rows_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, BoardSettings> rows_;  // guarded by mu_
  std::atomic<uint64_t> epoch_{0};                       // changed under mu_
};

}  // namespace strongbox::leaderboard
