#pragma once

// RateLimiter: token buckets per (API key, family) and per (universe, family) (api.md §7).
// A bucket holds up to rate × burst_seconds tokens and refills at `rate` per second; a request
// takes one token from its key's bucket and one from its universe's, or is rejected (and the
// key's token given back). Deciding is a lookup in a per-thread cache of bucket pointers and a
// compare-and-swap per bucket: no lock on the hot path, and a rejected request does no other
// work.
//
// Memory is bounded: a bucket that has refilled to capacity is the same as no bucket, so a
// shard past its size bound drops those (and every thread's cache is refreshed).
// Thread safety: Acquire and the counters from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace strongbox::ops {

// Families share a budget; one per group of scope names (api.md §7).
enum class RateFamily : size_t {
  kDataStores = 0,  // universe-datastores.*
  kOrdered,         // universe.ordered-data-store.*
  kMemoryStore,     // memory-store.*
  kSessionLocks,    // session-locks:*
  kChanges,         // [SB] the change feed (api.md §11)
  kAdmin,           // /admin/v1/* and /metrics
  kCount
};
std::string_view RateFamilyName(RateFamily family);

struct RateLimits {
  double per_key = 0;       // requests per second; 0 = unlimited
  double per_universe = 0;  // requests per second; 0 = unlimited
};

// The clock the limiter's `now` arguments are read from: monotonic seconds (never jumps with
// the wall clock). One for every caller, so their charges and refunds agree.
inline double RateLimiterNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class RateLimiter {
 public:
  struct Options {
    std::array<RateLimits, static_cast<size_t>(RateFamily::kCount)> limits{};
    double burst_seconds = 1;
    size_t max_buckets_per_shard = 4096;
  };
  explicit RateLimiter(Options options);
  ~RateLimiter();

  struct Decision {
    bool allowed = true;
    bool limited = false;      // some limit applies; the fields below describe the tighter bucket
    double limit = 0;          // its rate, per second
    double remaining = 0;      // whole tokens left in it after this request
    double burst = 0;          // its capacity, in tokens
    double reset_seconds = 0;  // until it is full again
    double retry_after_seconds = 0;  // when rejected: until one token is there
  };
  // `now_seconds`: a monotonic clock reading. `universe` 0 = the route has none. `cost`: how
  // many requests this one counts as (a :commit of n operations, a :batchGet of n ids). `taken`:
  // tokens this same request already drew from these buckets (the route's one, by the gate).
  // Together they cost at most a full bucket, so a large request still passes once the bucket
  // is full.
  Decision Acquire(RateFamily family, std::string_view key_id, int64_t universe, double now_seconds,
                   uint32_t cost = 1, uint32_t taken = 0);
  // Gives back what an allowed Acquire with the same arguments drew, for a request refused
  // after it by another family's bucket (a :commit charges family by family): a refused request
  // costs nothing, as a single call refused by the gate costs nothing.
  void Refund(RateFamily family, std::string_view key_id, int64_t universe, double now_seconds,
              uint32_t cost = 1, uint32_t taken = 0);

  // Rejections so far, by family and by which bucket was empty.
  uint64_t rejected_by_key(RateFamily family) const;
  uint64_t rejected_by_universe(RateFamily family) const;

  // A bucket as the generic cell rate algorithm keeps it: one atomic "theoretical arrival
  // time", so taking a token is one compare-and-swap and IO threads never wait on a lock.
  // Full when tat <= now; each token moves tat one interval later; empty when tat would pass
  // now + capacity × interval.
  struct Bucket {
    std::atomic<int64_t> tat_ns{0};
    int64_t interval_ns = 0;
    int64_t capacity = 0;
  };

 private:
  // A bucket one request draws on: by key or by universe.
  struct Draw {
    double rate;
    uint64_t id;
    bool by_key;
  };
  // The (at most two) buckets a request of `family` draws on, key's first; their count.
  size_t DrawsFor(RateFamily family, std::string_view key_id, int64_t universe, Draw* draws) const;
  // The time a request of `cost` (after `taken`) moves a bucket's tat.
  static int64_t Charge(const Bucket& bucket, uint32_t cost, uint32_t taken);
  struct Shard {
    std::shared_mutex mu;
    // By a 64-bit mix of (family, key id or universe), so a request allocates nothing here.
    // Two ids colliding would only share a budget; at 64 bits that does not happen in practice.
    std::unordered_map<uint64_t, std::shared_ptr<Bucket>> buckets;  // guarded by mu
  };
  // The bucket for `id` (created full), through this thread's cache of bucket pointers.
  Bucket& BucketFor(uint64_t id, double rate, int64_t now_ns);
  Shard& ShardFor(uint64_t id) { return shards_[id % shards_.size()]; }
  // Drops full buckets from a shard past its size bound. REQUIRES: shard.mu held exclusively.
  void Trim(Shard& shard, int64_t now_ns);

  const Options options_;
  const uint64_t instance_;  // tells the per-thread caches of two limiters apart
  std::array<Shard, 32> shards_;
  std::atomic<uint64_t> generation_{0};  // bumped when Trim drops buckets: caches must refresh
  std::array<std::atomic<uint64_t>, static_cast<size_t>(RateFamily::kCount)> rejected_key_{};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(RateFamily::kCount)> rejected_universe_{};
};

}  // namespace strongbox::ops
