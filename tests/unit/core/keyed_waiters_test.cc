#include "core/keyed_waiters.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace strongbox::core {
namespace {

// Records which waiters were woken, in order.
struct Woken {
  std::vector<int> order;
  std::function<void()> Of(int waiter) {
    return [this, waiter] { order.push_back(waiter); };
  }
};

TEST_CASE("Signal wakes one waiter per its weight of new items, oldest first", "[core]") {
  KeyedWaiters waiters;
  Woken woken;
  const uint64_t a = waiters.Add("q", woken.Of(1), 3);
  const uint64_t b = waiters.Add("q", woken.Of(2), 3);
  waiters.Add("other", woken.Of(9), 3);
  waiters.Signal("q");  // wakes 1, which can take two more
  waiters.Signal("q");
  waiters.Signal("q");
  REQUIRE(woken.order == std::vector<int>{1});
  waiters.Signal("q");  // 1 is full: wakes 2
  REQUIRE(woken.order == std::vector<int>{1, 2});
  // Removed before its next attempt (which sees what was signalled): nothing passed on.
  waiters.Remove("q", a, /*pass_on=*/false);
  waiters.Remove("q", b, /*pass_on=*/false);
  waiters.Signal("q");  // nobody waits on q: nothing happens, and nothing is remembered
  const uint64_t c = waiters.Add("q", woken.Of(3), 1);
  REQUIRE(woken.order == std::vector<int>{1, 2});
  waiters.Signal("q");
  REQUIRE(woken.order == std::vector<int>{1, 2, 3});
  waiters.Remove("q", c);
}

TEST_CASE("A woken waiter that leaves without reading passes its items on", "[core]") {
  KeyedWaiters waiters;
  Woken woken;
  const uint64_t a = waiters.Add("q", woken.Of(1), 10);
  waiters.Add("q", woken.Of(2), 1);
  waiters.Add("q", woken.Of(3), 1);
  waiters.Signal("q");
  waiters.Signal("q");  // taken by 1's capacity
  REQUIRE(woken.order == std::vector<int>{1});
  // 1 answers with what an earlier attempt found: the two items go to the next waiters.
  waiters.Remove("q", a, /*pass_on=*/true);
  REQUIRE(woken.order == std::vector<int>{1, 2, 3});
}

TEST_CASE("Weight 0 counts as 1, and Wake still wakes everyone of a key", "[core]") {
  KeyedWaiters waiters;
  Woken woken;
  waiters.Add("q", woken.Of(1), 0);
  waiters.Add("q", woken.Of(2), 0);
  waiters.Signal("q");
  waiters.Signal("q");
  REQUIRE(woken.order == std::vector<int>{1, 2});
  Woken all;
  waiters.Add("k", all.Of(1));
  waiters.Add("k", all.Of(2));
  waiters.Wake("k");
  REQUIRE(all.order == std::vector<int>{1, 2});
}

}  // namespace
}  // namespace strongbox::core
