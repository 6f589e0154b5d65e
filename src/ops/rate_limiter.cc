#include "ops/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

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
    case RateFamily::kAdmin:
    case RateFamily::kCount:
      break;
  }
  return "admin";
}

RateLimiter::RateLimiter(Options options) : options_(options) {}

namespace {

// splitmix64's finalizer: spreads (tag, value) over 64 bits.
uint64_t Mix(uint64_t tag, uint64_t value) {
  uint64_t z = value ^ (tag * 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

void RateLimiter::Refill(Bucket& bucket, bool fresh, double rate, double capacity, double now) {
  if (fresh) {
    bucket.tokens = capacity;
  } else if (now > bucket.updated) {
    bucket.tokens = std::min(capacity, bucket.tokens + (now - bucket.updated) * rate);
  }
  bucket.updated = std::max(bucket.updated, now);
}

void RateLimiter::Trim(Shard& shard, double now) {
  if (shard.buckets.size() <= options_.max_buckets_per_shard) return;
  // A bucket that would be full by now carries no information.
  std::erase_if(shard.buckets, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + (now - b.updated) * b.rate >= b.capacity;
  });
}

RateLimiter::Decision RateLimiter::Acquire(RateFamily family, std::string_view key_id,
                                           int64_t universe, double now) {
  const size_t f = static_cast<size_t>(family);
  const RateLimits& limits = options_.limits[f];
  Decision decision;
  // The two buckets this request draws on: by key, then by universe.
  struct Draw {
    double rate;
    uint64_t id;
    bool by_key;
  };
  Draw draws[2];
  size_t count = 0;
  if (limits.per_key > 0 && !key_id.empty()) {
    draws[count++] = Draw{limits.per_key, Mix(2 * f, std::hash<std::string_view>{}(key_id)), true};
  }
  if (limits.per_universe > 0 && universe != 0) {
    draws[count++] =
        Draw{limits.per_universe, Mix(2 * f + 1, static_cast<uint64_t>(universe)), false};
  }
  if (count == 0) return decision;
  decision.limited = true;

  Bucket* taken[2] = {nullptr, nullptr};
  double tightest = 2;  // fraction of capacity left in the tightest bucket
  for (size_t i = 0; i < count; ++i) {
    const double capacity = std::max(1.0, draws[i].rate * options_.burst_seconds);
    Shard& shard = ShardFor(draws[i].id);
    std::lock_guard<std::mutex> lock(shard.mu);
    auto [it, fresh] = shard.buckets.try_emplace(draws[i].id);
    if (fresh) {
      it->second.rate = draws[i].rate;
      it->second.capacity = capacity;
    }
    Refill(it->second, fresh, draws[i].rate, capacity, now);
    Bucket& bucket = it->second;
    if (bucket.tokens < 1) {
      decision.allowed = false;
      decision.limit = draws[i].rate;
      decision.remaining = 0;
      decision.retry_after_seconds = (1 - bucket.tokens) / draws[i].rate;
      decision.reset_seconds = (capacity - bucket.tokens) / draws[i].rate;
      (draws[i].by_key ? rejected_key_ : rejected_universe_)[f].fetch_add(1);
      break;
    }
    bucket.tokens -= 1;
    taken[i] = &bucket;
    if (bucket.tokens / capacity < tightest) {
      tightest = bucket.tokens / capacity;
      decision.limit = draws[i].rate;
      decision.remaining = std::floor(bucket.tokens);
      decision.reset_seconds = (capacity - bucket.tokens) / draws[i].rate;
    }
    if (fresh) Trim(shard, now);
  }
  if (!decision.allowed && taken[0] != nullptr) {
    // The universe said no: give the key its token back. (Trim never drops a bucket that
    // just paid, because a paid bucket is not full.)
    Shard& shard = ShardFor(draws[0].id);
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.buckets.find(draws[0].id);
    if (it != shard.buckets.end()) it->second.tokens += 1;
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
