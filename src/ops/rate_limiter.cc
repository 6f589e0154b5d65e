#include "ops/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>

namespace strongbox::ops {

std::string_view RateFamilyName(RateFamily family) {
  switch (family) {
    case RateFamily::kDataStores:
      return "datastore";
    case RateFamily::kOrdered:
      return "ordered";
    case RateFamily::kMemoryStore:
      return "memory_store";
    case RateFamily::kSessionLocks:
      return "session_locks";
    case RateFamily::kChanges:
      return "changes";
    case RateFamily::kAdmin:
    case RateFamily::kCount:
      break;
  }
  return "admin";
}

namespace {

std::atomic<uint64_t> next_instance{1};

// splitmix64's finalizer: spreads (tag, value) over 64 bits.
uint64_t Mix(uint64_t tag, uint64_t value) {
  uint64_t z = value ^ (tag * 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// This thread's bucket pointers, per limiter. The shared_ptrs keep a bucket alive while a
// thread still points at it, even after Trim dropped it from its shard.
struct CachedBuckets {
  uint64_t limiter = 0;
  uint64_t generation = 0;
  std::unordered_map<uint64_t, std::shared_ptr<RateLimiter::Bucket>> buckets;
};
thread_local CachedBuckets cached_buckets;
constexpr size_t kMaxCachedBuckets = 4096;

}  // namespace

RateLimiter::RateLimiter(Options options)
    : options_(options), instance_(next_instance.fetch_add(1)) {}

RateLimiter::~RateLimiter() = default;

RateLimiter::Bucket& RateLimiter::BucketFor(uint64_t id, double rate, int64_t now_ns) {
  CachedBuckets& cache = cached_buckets;
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (cache.limiter != instance_ || cache.generation != generation ||
      cache.buckets.size() >= kMaxCachedBuckets) {
    cache.buckets.clear();
    cache.limiter = instance_;
    cache.generation = generation;
  }
  if (auto hit = cache.buckets.find(id); hit != cache.buckets.end()) return *hit->second;

  Shard& shard = ShardFor(id);
  std::shared_ptr<Bucket> bucket;
  {
    std::shared_lock lock(shard.mu);
    if (auto it = shard.buckets.find(id); it != shard.buckets.end()) bucket = it->second;
  }
  if (!bucket) {
    std::unique_lock lock(shard.mu);
    auto it = shard.buckets.find(id);
    if (it == shard.buckets.end()) {
      Trim(shard, now_ns);  // before the insert, so the new (full) bucket is never dropped
      auto fresh = std::make_shared<Bucket>();
      fresh->interval_ns = std::max<int64_t>(1, static_cast<int64_t>(1e9 / rate));
      fresh->capacity = std::max<int64_t>(1, static_cast<int64_t>(rate * options_.burst_seconds));
      fresh->tat_ns.store(now_ns);  // full
      it = shard.buckets.emplace(id, std::move(fresh)).first;
    }
    bucket = it->second;
  }
  Bucket& out = *bucket;
  cache.buckets.emplace(id, std::move(bucket));
  return out;
}

void RateLimiter::Trim(Shard& shard, int64_t now_ns) {
  if (shard.buckets.size() <= options_.max_buckets_per_shard) return;
  const size_t before = shard.buckets.size();
  // A bucket that is full by now carries no information.
  std::erase_if(shard.buckets,
                [&](const auto& entry) { return entry.second->tat_ns.load() <= now_ns; });
  if (shard.buckets.size() != before) generation_.fetch_add(1, std::memory_order_release);
}

size_t RateLimiter::DrawsFor(RateFamily family, std::string_view key_id, int64_t universe,
                             Draw* draws) const {
  const size_t f = static_cast<size_t>(family);
  const RateLimits& limits = options_.limits[f];
  size_t count = 0;
  if (limits.per_key > 0 && !key_id.empty()) {
    draws[count++] = Draw{limits.per_key, Mix(2 * f, std::hash<std::string_view>{}(key_id)), true};
  }
  if (limits.per_universe > 0 && universe != 0) {
    draws[count++] =
        Draw{limits.per_universe, Mix(2 * f + 1, static_cast<uint64_t>(universe)), false};
  }
  return count;
}

int64_t RateLimiter::Charge(const Bucket& bucket, uint32_t cost, uint32_t taken) {
  // At least one token, at most what is left of a full bucket after `taken`.
  const int64_t room = std::max<int64_t>(bucket.capacity - static_cast<int64_t>(taken), 1);
  return bucket.interval_ns * std::clamp<int64_t>(static_cast<int64_t>(cost), 1, room);
}

void RateLimiter::Refund(RateFamily family, std::string_view key_id, int64_t universe,
                         double now_seconds, uint32_t cost, uint32_t taken) {
  Draw draws[2];
  const size_t count = DrawsFor(family, key_id, universe, draws);
  const int64_t now_ns = static_cast<int64_t>(now_seconds * 1e9);
  for (size_t i = 0; i < count; ++i) {
    Bucket& bucket = BucketFor(draws[i].id, draws[i].rate, now_ns);
    // A bucket dropped and made again full meanwhile: the give-back only keeps it full.
    bucket.tat_ns.fetch_sub(Charge(bucket, cost, taken), std::memory_order_relaxed);
  }
}

RateLimiter::Decision RateLimiter::Acquire(RateFamily family, std::string_view key_id,
                                           int64_t universe, double now, uint32_t cost,
                                           uint32_t taken) {
  const size_t f = static_cast<size_t>(family);
  Decision decision;
  Draw draws[2];
  const size_t count = DrawsFor(family, key_id, universe, draws);
  if (count == 0) return decision;
  decision.limited = true;

  const int64_t now_ns = static_cast<int64_t>(now * 1e9);
  Bucket* drawn = nullptr;  // the first bucket, once it gave its tokens
  int64_t drawn_charge = 0;
  double tightest = 2;  // fraction of capacity left in the tightest bucket
  for (size_t i = 0; i < count; ++i) {
    Bucket& bucket = BucketFor(draws[i].id, draws[i].rate, now_ns);
    const int64_t interval = bucket.interval_ns;
    const int64_t window = interval * bucket.capacity;  // a full bucket's worth of time
    const int64_t charge = Charge(bucket, cost, taken);
    int64_t tat = bucket.tat_ns.load(std::memory_order_relaxed);
    int64_t next = 0;
    bool allowed = false;
    do {
      next = std::max(tat, now_ns) + charge;
      allowed = next - now_ns <= window;
      if (!allowed) break;
    } while (!bucket.tat_ns.compare_exchange_weak(tat, next, std::memory_order_relaxed));
    if (!allowed) {
      decision.allowed = false;
      decision.limit = draws[i].rate;
      decision.remaining = 0;
      decision.burst = static_cast<double>(bucket.capacity);
      decision.retry_after_seconds = static_cast<double>(next - now_ns - window) / 1e9;
      decision.reset_seconds = static_cast<double>(std::max(tat, now_ns) - now_ns) / 1e9;
      (draws[i].by_key ? rejected_key_ : rejected_universe_)[f].fetch_add(1);
      break;
    }
    if (i == 0) {
      drawn = &bucket;
      drawn_charge = charge;
    }
    const double left = static_cast<double>(window - (next - now_ns)) / interval;  // tokens
    if (left / bucket.capacity < tightest) {
      tightest = left / bucket.capacity;
      decision.limit = draws[i].rate;
      decision.remaining = std::floor(left);
      decision.burst = static_cast<double>(bucket.capacity);
      decision.reset_seconds = static_cast<double>(next - now_ns) / 1e9;
    }
  }
  if (!decision.allowed && drawn != nullptr && count == 2) {
    // The universe said no: give the key its token back.
    drawn->tat_ns.fetch_sub(drawn_charge, std::memory_order_relaxed);
  }
  return decision;
}

uint64_t RateLimiter::rejected_by_key(RateFamily family) const {
  return rejected_key_[static_cast<size_t>(family)].load();
}
uint64_t RateLimiter::rejected_by_universe(RateFamily family) const {
  return rejected_universe_[static_cast<size_t>(family)].load();
}

}  // namespace strongbox::ops
