#pragma once

// KeyedWaiters: wake-up callbacks registered under a key (a lock, a queue), fired all at once
// by Wake(key). What a callback does is the caller's business; the services post a timer
// cancel to the waiting coroutine's executor, so no thread ever blocks.
// Thread safety: all methods may be called concurrently; callbacks run outside the lock.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace strongbox::core {

class KeyedWaiters {
 public:
  uint64_t Add(const std::string& key, std::function<void()> wake) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t id = next_id_++;
    waiters_[key].emplace(id, std::move(wake));
    return id;
  }

  void Remove(const std::string& key, uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = waiters_.find(key);
    if (it == waiters_.end()) return;
    it->second.erase(id);
    if (it->second.empty()) waiters_.erase(it);
  }

  // Wakes the longest-waiting callback of `key` only, and forgets it, so the next WakeOne
  // reaches another: one new queue item, one reader woken (no thundering herd).
  void WakeOne(const std::string& key) {
    std::function<void()> wake;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = waiters_.find(key);
      if (it == waiters_.end()) return;
      wake = std::move(it->second.begin()->second);
      it->second.erase(it->second.begin());
      if (it->second.empty()) waiters_.erase(it);
    }
    wake();
  }

  // Wakes every callback of every key (a server draining: long polls answer now).
  void WakeAll() {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [key, callbacks] : waiters_) {
        for (auto& [id, wake] : callbacks) wakes.push_back(wake);
      }
    }
    for (auto& wake : wakes) wake();
  }

  void Wake(const std::string& key) {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = waiters_.find(key);
      if (it == waiters_.end()) return;
      for (auto& [id, wake] : it->second) wakes.push_back(wake);
    }
    for (auto& wake : wakes) wake();
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::map<uint64_t, std::function<void()>>> waiters_;
  uint64_t next_id_ = 0;  // guarded by mu_
};

}  // namespace strongbox::core
