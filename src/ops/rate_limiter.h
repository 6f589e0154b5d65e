#pragma once

// RateLimiter: token buckets per (API key, family) and per (universe, family) (api.md §7).
// A bucket holds up to rate × burst_seconds tokens and refills at `rate` per second; a request
// takes one token from its key's bucket and one from its universe's, or is rejected without
// touching either. Deciding costs a hash lookup under one of 32 shard locks: a rejected
// request does no other work.
//
// Memory is bounded: a bucket that has refilled to capacity is the same as no bucket, so a
// shard past its size bound drops those.
// Thread safety: Acquire and the counters from any thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
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
  kAdmin,           // /admin/v1/* and /metrics
  kCount
};
std::string_view RateFamilyName(RateFamily family);

struct RateLimits {
  double per_key = 0;       // requests per second; 0 = unlimited
  double per_universe = 0;  // requests per second; 0 = unlimited
};

class RateLimiter {
 public:
  struct Options {
    std::array<RateLimits, static_cast<size_t>(RateFamily::kCount)> limits{};
    double burst_seconds = 1;
    size_t max_buckets_per_shard = 4096;
  };
  explicit RateLimiter(Options options);

  struct Decision {
    bool allowed = true;
    bool limited = false;      // some limit applies; the fields below describe the tighter bucket
    double limit = 0;          // its rate, per second
    double remaining = 0;      // whole tokens left in it after this request
    double reset_seconds = 0;  // until it is full again
    double retry_after_seconds = 0;  // when rejected: until one token is there
  };
  // `now_seconds`: a monotonic clock reading. `universe` 0 = the route has none.
  Decision Acquire(RateFamily family, std::string_view key_id, int64_t universe,
                   double now_seconds);

  // Rejections so far, by family and by which bucket was empty.
  uint64_t rejected_by_key(RateFamily family) const;
  uint64_t rejected_by_universe(RateFamily family) const;

 private:
  struct Bucket {
    double tokens = 0;
    double updated = 0;
    double rate = 0;
    double capacity = 0;
  };
  struct Shard {
    std::mutex mu;
    // By a 64-bit mix of (family, key id or universe): no allocation per request. Two keys
    // colliding would only share a budget, and with 64 bits that does not happen in practice.
    std::unordered_map<uint64_t, Bucket> buckets;  // guarded by mu
  };
  // Refills `bucket` to `now`; a new bucket starts full.
  static void Refill(Bucket& bucket, bool fresh, double rate, double capacity, double now);
  Shard& ShardFor(uint64_t id) { return shards_[id % shards_.size()]; }
  void Trim(Shard& shard, double now);

  const Options options_;
  std::array<Shard, 32> shards_;
  std::array<std::atomic<uint64_t>, static_cast<size_t>(RateFamily::kCount)> rejected_key_{};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(RateFamily::kCount)> rejected_universe_{};
};

}  // namespace strongbox::ops
