#pragma once

// KeyedWaiters: wake-up callbacks registered under a key (a lock, a queue), fired all at once
// by Wake(key), or as many as new items need by Signal(key). What a callback does is the
// caller's business; the services post a timer cancel to the waiting coroutine's executor, so
// no thread ever blocks.
//
// Signal (queue reads): a waiter registers with a weight, the most items one attempt of it
// takes (a read's `count`). Signal(key) announces one new item: it goes to a woken waiter that
// has capacity left, else it wakes the longest-waiting one. So ten items added in one group
// wake one reader of count 10, not ten readers of which nine find nothing (a thundering herd
// of empty attempts, each a commit). A woken waiter's capacity holds until it is removed: its
// next attempt starts after that and sees every item signalled to it. A waiter removed
// without such an attempt (it returns, having read before the items came) passes what was
// signalled to it on (Remove with pass_on), so no item is left with its readers asleep.
// Thread safety: all methods may be called concurrently; callbacks run outside the lock.

#include <algorithm>
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
  // `weight` ≥ 1: the items one attempt of this waiter takes at most (Signal).
  uint64_t Add(const std::string& key, std::function<void()> wake, size_t weight = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t id = next_id_++;
    waiters_[key].emplace(id, Waiter{std::move(wake), std::max<size_t>(weight, 1)});
    return id;
  }

  // Forgets the waiter. With `pass_on`, the items signalled to it since it was woken are
  // signalled again (see above); without, the caller promises an attempt that starts after
  // this call.
  void Remove(const std::string& key, uint64_t id, bool pass_on = true) {
    size_t signalled = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = waiters_.find(key); it != waiters_.end()) {
        it->second.erase(id);
        if (it->second.empty()) waiters_.erase(it);
      }
      if (auto it = woken_.find(key); it != woken_.end()) {
        if (auto r = it->second.find(id); r != it->second.end()) {
          signalled = r->second.weight - r->second.remaining;
          it->second.erase(r);
          if (it->second.empty()) woken_.erase(it);
        }
      }
    }
    if (!pass_on) return;
    for (size_t i = 0; i < signalled; ++i) Signal(key);
  }

  // One new item under `key`: taken by the capacity of a woken waiter, or wakes the
  // longest-waiting one (see above).
  void Signal(const std::string& key) {
    std::function<void()> wake;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = woken_.find(key); it != woken_.end()) {
        for (auto& [id, reservation] : it->second) {
          if (reservation.remaining > 0) {
            --reservation.remaining;
            return;
          }
        }
      }
      auto it = waiters_.find(key);
      if (it == waiters_.end()) return;
      auto first = it->second.begin();
      wake = std::move(first->second.wake);
      woken_[key][first->first] = Reservation{first->second.weight, first->second.weight - 1};
      it->second.erase(first);
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
        for (auto& [id, waiter] : callbacks) wakes.push_back(waiter.wake);
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
      for (auto& [id, waiter] : it->second) wakes.push_back(waiter.wake);
    }
    for (auto& wake : wakes) wake();
  }

 private:
  struct Waiter {
    std::function<void()> wake;
    size_t weight;
  };
  struct Reservation {
    size_t weight;     // the woken waiter's
    size_t remaining;  // items it can still take before another waiter is woken
  };
  std::mutex mu_;
  // Asleep (or attempting), by key then id: the smallest id has waited longest.
  std::unordered_map<std::string, std::map<uint64_t, Waiter>> waiters_;
  // Woken by Signal and not yet removed.
  std::unordered_map<std::string, std::map<uint64_t, Reservation>> woken_;
  uint64_t next_id_ = 0;  // guarded by mu_
};

}  // namespace strongbox::core
