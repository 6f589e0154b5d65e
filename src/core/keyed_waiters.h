#pragma once

// KeyedWaiters: wake-up callbacks registered under a key (a lock, a queue), fired all at once
// by Wake(key), or as many as new items need by WakeFor(key, units). What a callback does is
// the caller's business; the services post a timer cancel to the waiting coroutine's executor,
// so no thread ever blocks.
//
// WakeFor (queue reads, memstore/queue_service.cc): a waiter registers with a weight, the most
// items one attempt of it takes (a read's `count`). WakeFor(key, n) announces n new items: they
// go first to waiters already woken and not yet removed, up to their weight (their next attempt
// starts after Remove and sees them), then wake the longest-waiting others, one per weight's
// worth. So ten items committed in one group wake one reader of count 10, not ten readers of
// which nine would find nothing (a herd of empty attempts, each a commit). Remove answers the
// Grant a waiter was woken for; a waiter whose attempt could not answer for it (an
// allOrNothing read that found too few, a failed attempt, a read that returns what it took
// before the wake) must pass it on with WakeFor(key, grant.units, grant.bound). `bound` is the
// last waiter id the announcing event could reach: a pass-on never reaches the passer's own
// next registration (a later id), so a grant nobody can use visits each waiter at most once
// and ends instead of circling. A waiter may also say how many items must be there for it to
// take any (`needs`: an allOrNothing read's count); a WakeFor that knows how many are there
// (`available`: what a failed allOrNothing read saw) skips the waiters it could not satisfy,
// so a pass-on costs one failed attempt, not one per sleeping allOrNothing read.
// Thread safety: all methods may be called concurrently; callbacks run outside the lock.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace strongbox::core {

class KeyedWaiters {
 public:
  // Items a woken waiter answers for, and the last waiter id they may be passed on to.
  struct Grant {
    uint64_t units = 0;
    uint64_t bound = 0;
  };
  static constexpr uint64_t kLatest = std::numeric_limits<uint64_t>::max();

  // `weight` ≥ 1: the items one attempt of this waiter takes at most; `needs`: the items that
  // must be there for it to take any (WakeFor).
  uint64_t Add(const std::string& key, std::function<void()> wake, uint64_t weight = 1,
               uint64_t needs = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t id = next_id_++;
    waiters_[key].emplace(id, Waiter{std::move(wake), std::max<uint64_t>(weight, 1), needs, {}});
    return id;
  }

  // Forgets the waiter; answers what it was woken for by WakeFor since it was added (zero
  // units when it was not).
  Grant Remove(const std::string& key, uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    Grant grant;
    for (auto* map : {&waiters_, &woken_}) {
      auto it = map->find(key);
      if (it == map->end()) continue;
      if (auto w = it->second.find(id); w != it->second.end()) {
        grant = w->second.grant;
        it->second.erase(w);
      }
      if (it->second.empty()) map->erase(it);
    }
    return grant;
  }

  // `units` new items under `key` for waiters with ids up to `bound` (kLatest: every waiter
  // registered now) that need at most `available` (kLatest: unknown), see above. Items nobody
  // waits for are dropped: a reader that registers later scans after they committed.
  void WakeFor(const std::string& key, uint64_t units, uint64_t bound = kLatest,
               uint64_t available = kLatest) {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (bound == kLatest) bound = next_id_ - 1;
      if (auto it = woken_.find(key); it != woken_.end()) {
        for (auto& [id, w] : it->second) {
          if (units == 0 || id > bound) break;
          if (w.needs <= available) units -= Take(w, units, bound);
        }
      }
      auto it = waiters_.find(key);
      if (it == waiters_.end()) return;
      auto& woken = woken_[key];
      for (auto w = it->second.begin(); units > 0 && w != it->second.end() && w->first <= bound;) {
        if (w->second.needs > available) {
          ++w;
          continue;
        }
        auto node = it->second.extract(w++);
        units -= Take(node.mapped(), units, bound);
        wakes.push_back(node.mapped().wake);
        woken.insert(std::move(node));
      }
      if (it->second.empty()) waiters_.erase(it);
      if (woken.empty()) woken_.erase(key);
    }
    for (auto& wake : wakes) wake();
  }

  // One new item: taken by a woken waiter with room, else wakes the longest-waiting one.
  void WakeOne(const std::string& key) { WakeFor(key, 1); }

  // Wakes every callback of every key (a server draining: long polls answer now).
  void WakeAll() {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [key, callbacks] : waiters_) {
        for (auto& [id, w] : callbacks) wakes.push_back(w.wake);
      }
    }
    for (auto& wake : wakes) wake();
  }

  // Wakes every callback of `key` (each stays registered until removed).
  void Wake(const std::string& key) {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = waiters_.find(key);
      if (it == waiters_.end()) return;
      for (auto& [id, w] : it->second) wakes.push_back(w.wake);
    }
    for (auto& wake : wakes) wake();
  }

 private:
  struct Waiter {
    std::function<void()> wake;
    uint64_t weight = 1;
    uint64_t needs = 1;
    Grant grant;  // what WakeFor gave it so far
  };
  // Gives `w` what it can still answer for of `units`; returns that many.
  static uint64_t Take(Waiter& w, uint64_t units, uint64_t bound) {
    const uint64_t taken = std::min(units, w.weight - std::min(w.weight, w.grant.units));
    if (taken > 0) {
      w.grant.units += taken;
      w.grant.bound = std::max(w.grant.bound, bound);
    }
    return taken;
  }

  std::mutex mu_;
  // Registered and not woken by WakeFor; woken by WakeFor and not yet removed. By id: the
  // longest-waiting first.
  std::unordered_map<std::string, std::map<uint64_t, Waiter>> waiters_, woken_;
  uint64_t next_id_ = 1;  // guarded by mu_; 0 is no waiter (an empty grant's bound)
};

}  // namespace strongbox::core
