#include "leaderboard/settings_cache.h"

#include <catch2/catch.hpp>

namespace strongbox::leaderboard {
namespace {

BoardSettings Best() {
  BoardSettings settings;
  settings.strategy = WriteStrategy::kBest;
  return settings;
}

TEST_CASE("SettingsCache: a read that raced a change never caches the old row", "[leaderboard]") {
  SettingsCache cache(/*max_rows=*/2);
  CHECK_FALSE(cache.Find("a"));
  cache.Fill("a", Best(), cache.Epoch());
  REQUIRE(cache.Find("a"));
  CHECK(cache.Find("a")->strategy == WriteStrategy::kBest);

  // A reader noted the epoch and read the old row; the change commits before it fills.
  const uint64_t before = cache.Epoch();
  cache.Invalidate("a");
  cache.Fill("a", BoardSettings{}, before);
  CHECK_FALSE(cache.Find("a"));
  cache.Fill("a", BoardSettings{}, cache.Epoch());
  CHECK(cache.Find("a")->strategy == WriteStrategy::kSet);

  // Bounded: past max_rows it starts over; Clear forgets everything.
  cache.Fill("b", Best(), cache.Epoch());
  cache.Fill("c", Best(), cache.Epoch());
  CHECK(cache.Find("c"));
  CHECK_FALSE(cache.Find("a"));
  cache.Clear();
  CHECK_FALSE(cache.Find("c"));
}

}  // namespace
}  // namespace strongbox::leaderboard
