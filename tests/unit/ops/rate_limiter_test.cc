#include "ops/rate_limiter.h"

#include <catch2/catch.hpp>

namespace strongbox::ops {
namespace {

RateLimiter::Options Limits(double per_key, double per_universe, double burst = 1) {
  RateLimiter::Options o;
  o.limits[static_cast<size_t>(RateFamily::kDataStores)] = {per_key, per_universe};
  o.burst_seconds = burst;
  return o;
}

constexpr auto kDs = RateFamily::kDataStores;

TEST_CASE("a key gets its burst, then is refused until tokens refill", "[ops]") {
  RateLimiter limiter(Limits(10, 0));
  for (int i = 0; i < 10; ++i) {
    auto d = limiter.Acquire(kDs, "k", 1, 100.0);
    REQUIRE(d.allowed);
    CHECK(d.limited);
    CHECK(d.limit == 10);
    CHECK(d.remaining == 9 - i);
  }
  auto refused = limiter.Acquire(kDs, "k", 1, 100.0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds == Approx(0.1));
  CHECK(limiter.rejected_by_key(kDs) == 1);
  // A little over a tenth of a second later one token is back, not two.
  CHECK(limiter.Acquire(kDs, "k", 1, 100.15).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "k", 1, 100.15).allowed);
  // Another key has its own bucket; another family is not limited at all.
  CHECK(limiter.Acquire(kDs, "other", 1, 100.15).allowed);
  auto free = limiter.Acquire(RateFamily::kOrdered, "k", 1, 100.15);
  CHECK(free.allowed);
  CHECK_FALSE(free.limited);
}

TEST_CASE("the universe bucket is shared by every key, and a refusal costs the key nothing",
          "[ops]") {
  RateLimiter limiter(Limits(5, 8));
  for (int i = 0; i < 5; ++i) REQUIRE(limiter.Acquire(kDs, "a", 7, 0).allowed);
  for (int i = 0; i < 3; ++i) REQUIRE(limiter.Acquire(kDs, "b", 7, 0).allowed);
  // Universe 7 is spent: b is refused by it, and keeps the token it would have paid.
  CHECK_FALSE(limiter.Acquire(kDs, "b", 7, 0).allowed);
  CHECK(limiter.rejected_by_universe(kDs) == 1);
  CHECK(limiter.Acquire(kDs, "b", 8, 0).allowed);
  CHECK(limiter.Acquire(kDs, "b", 8, 0).allowed);  // b has paid 4 of 5 now, the refusal free
  CHECK_FALSE(limiter.Acquire(kDs, "b", 8, 0).allowed);
  CHECK(limiter.rejected_by_key(kDs) == 1);
}

TEST_CASE("burst_seconds scales the bucket", "[ops]") {
  RateLimiter limiter(Limits(4, 0, 3));
  int allowed = 0;
  while (limiter.Acquire(kDs, "k", 1, 5.0).allowed) ++allowed;
  CHECK(allowed == 12);
}

TEST_CASE("idle buckets are dropped past the size bound, busy ones kept", "[ops]") {
  auto options = Limits(1, 0);
  options.max_buckets_per_shard = 1;
  RateLimiter limiter(options);
  REQUIRE(limiter.Acquire(kDs, "busy", 1, 0).allowed);
  for (int i = 0; i < 200; ++i) limiter.Acquire(kDs, "key" + std::to_string(i), 1, 10.0 + i);
  // "busy" refilled long ago, so forgetting it changes nothing; it is full again.
  CHECK(limiter.Acquire(kDs, "busy", 1, 500.0).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "busy", 1, 500.0).allowed);
}

TEST_CASE("a request may cost several tokens, at most a full bucket", "[ops]") {
  RateLimiter limiter(Limits(10, 20));
  auto seven = limiter.Acquire(kDs, "k", 1, 100.0, 7);
  REQUIRE(seven.allowed);
  CHECK(seven.remaining == 3);
  // Four more do not fit in the key's bucket: refused, and the universe's tokens given back.
  CHECK_FALSE(limiter.Acquire(kDs, "k", 1, 100.0, 4).allowed);
  CHECK(limiter.Acquire(kDs, "k", 1, 100.0, 3).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "k", 1, 100.0).allowed);
  // A cost above a bucket counts as that full bucket: it passes on fresh buckets (universe 2:
  // the key's 10 and the universe's 20 taken), then nothing is left there.
  CHECK(limiter.Acquire(kDs, "fresh", 2, 100.0, 500).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "fresh", 2, 100.0).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "other", 2, 100.0).allowed);
  // Universe 1's bucket (20) holds what was taken there, 7 + 3: ten more fit, then none.
  CHECK(limiter.Acquire(kDs, "third", 1, 100.0, 10).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "fourth", 1, 100.0).allowed);
}

TEST_CASE("what a request already drew counts toward its full-bucket cap", "[ops]") {
  RateLimiter limiter(Limits(10, 0));
  // The gate drew one; the rest of an 11-operation request costs at most the 9 left.
  REQUIRE(limiter.Acquire(kDs, "k", 1, 100.0).allowed);
  CHECK(limiter.Acquire(kDs, "k", 1, 100.0, 10, 1).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "k", 1, 100.0).allowed);
  // Once the bucket has refilled, the same large request passes again.
  REQUIRE(limiter.Acquire(kDs, "k", 1, 102.0).allowed);
  CHECK(limiter.Acquire(kDs, "k", 1, 102.0, 100, 1).allowed);
}

TEST_CASE("a refund gives back exactly what the same acquire drew, from both buckets", "[ops]") {
  RateLimiter limiter(Limits(10, 20));
  REQUIRE(limiter.Acquire(kDs, "k", 1, 100.0, 8).allowed);
  // Refused later by another family: the eight go back to the key's and the universe's bucket.
  limiter.Refund(kDs, "k", 1, 100.0, 8);
  CHECK(limiter.Acquire(kDs, "k", 1, 100.0, 10).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "k", 1, 100.0).allowed);
  // The universe holds only those ten now: ten more for another key, then none.
  CHECK(limiter.Acquire(kDs, "other", 1, 100.0, 10).allowed);
  CHECK_FALSE(limiter.Acquire(kDs, "third", 1, 100.0).allowed);
  // A cost capped at a full bucket (after `taken`) is refunded as capped: never more than full.
  RateLimiter capped(Limits(10, 0));
  REQUIRE(capped.Acquire(kDs, "k", 1, 100.0).allowed);
  REQUIRE(capped.Acquire(kDs, "k", 1, 100.0, 50, 1).allowed);  // drew the 9 left
  capped.Refund(kDs, "k", 1, 100.0, 50, 1);
  CHECK(capped.Acquire(kDs, "k", 1, 100.0, 9).allowed);
  CHECK_FALSE(capped.Acquire(kDs, "k", 1, 100.0).allowed);
}

}  // namespace
}  // namespace strongbox::ops
