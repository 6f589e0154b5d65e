#include "leaderboard/settings_cache.h"

namespace strongbox::leaderboard {

std::optional<BoardSettings> SettingsCache::Find(const std::string& key) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = rows_.find(key);
  if (it == rows_.end()) return std::nullopt;
  return it->second;
}

void SettingsCache::Fill(const std::string& key, const BoardSettings& settings, uint64_t epoch) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (epoch_.load(std::memory_order_relaxed) != epoch) return;  // invalidated meanwhile
  if (rows_.size() >= max_rows_) rows_.clear();
  rows_.insert_or_assign(key, settings);
}

void SettingsCache::Invalidate(const std::string& key) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  epoch_.fetch_add(1, std::memory_order_release);
  rows_.erase(key);
}

void SettingsCache::Clear() {
  std::unique_lock<std::shared_mutex> lock(mu_);
  epoch_.fetch_add(1, std::memory_order_release);
  rows_.clear();
}

}  // namespace strongbox::leaderboard
