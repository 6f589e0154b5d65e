#include "core/keyed_waiters.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace strongbox::core {
namespace {

// Registers a waiter of `weight` under "q" that records its wake-ups in `woken`.
uint64_t AddWaiter(KeyedWaiters& waiters, std::vector<std::string>& woken, std::string name,
                   uint64_t weight) {
  return waiters.Add(
      "q", [&woken, name] { woken.push_back(name); }, weight);
}

TEST_CASE("WakeFor wakes one waiter per weight's worth of items, longest-waiting first",
          "[core][waiters]") {
  KeyedWaiters waiters;
  std::vector<std::string> woken;
  const uint64_t a = AddWaiter(waiters, woken, "a", 10);
  const uint64_t b = AddWaiter(waiters, woken, "b", 10);
  const uint64_t c = AddWaiter(waiters, woken, "c", 10);
  // Ten items one by one (ten adds of one commit group): one reader of count 10, not ten.
  for (int i = 0; i < 10; ++i) waiters.WakeFor("q", 1);
  CHECK(woken == std::vector<std::string>{"a"});
  // The eleventh goes past a's weight.
  waiters.WakeFor("q", 1);
  CHECK(woken == std::vector<std::string>{"a", "b"});
  CHECK(waiters.Remove("q", a).units == 10);
  CHECK(waiters.Remove("q", b).units == 1);
  const KeyedWaiters::Grant none = waiters.Remove("q", c);
  CHECK(none.units == 0);
  waiters.WakeFor("q", 5);  // nobody waits: dropped
  CHECK(woken.size() == 2);
}

TEST_CASE("A grant passed on reaches the waiters before its bound, never the passer again",
          "[core][waiters]") {
  KeyedWaiters waiters;
  std::vector<std::string> woken;
  const uint64_t a = AddWaiter(waiters, woken, "a", 10);
  const uint64_t b = AddWaiter(waiters, woken, "b", 1);
  waiters.WakeFor("q", 3);
  CHECK(woken == std::vector<std::string>{"a"});
  // a could not use them (an allOrNothing read finding 3 of 10): it registers again, as its
  // loop does, and passes them on with their bound.
  const KeyedWaiters::Grant grant = waiters.Remove("q", a);
  REQUIRE(grant.units == 3);
  const uint64_t a2 = AddWaiter(waiters, woken, "a again", 10);
  waiters.WakeFor("q", grant.units, grant.bound);
  CHECK(woken == std::vector<std::string>{"a", "b"});  // b (weight 1) takes one of three
  // Two are left that nobody before the bound could take: they end, a's new registration
  // (after the bound) is not woken by them.
  const KeyedWaiters::Grant b_grant = waiters.Remove("q", b);
  CHECK(b_grant.units == 1);
  CHECK(waiters.Remove("q", a2).units == 0);
  CHECK(woken.size() == 2);
}

TEST_CASE("A pass-on that knows what is there skips the waiters it cannot satisfy",
          "[core][waiters]") {
  KeyedWaiters waiters;
  std::vector<std::string> woken;
  // Three allOrNothing reads of 10 and one plain read, longest-waiting first.
  const uint64_t a = waiters.Add(
      "q", [&woken] { woken.push_back("a"); }, 10, 10);
  const uint64_t b = waiters.Add(
      "q", [&woken] { woken.push_back("b"); }, 10, 10);
  const uint64_t c = waiters.Add(
      "q", [&woken] { woken.push_back("c"); }, 10, 10);
  const uint64_t d = AddWaiter(waiters, woken, "d", 10);
  waiters.WakeFor("q", 1);  // how many are there is not known: the longest-waiting
  CHECK(woken == std::vector<std::string>{"a"});
  // a found 4 of its 10 and passes its grant on: b and c could not take them either.
  const KeyedWaiters::Grant grant = waiters.Remove("q", a);
  waiters.WakeFor("q", grant.units, grant.bound, /*available=*/4);
  CHECK(woken == std::vector<std::string>{"a", "d"});
  CHECK(waiters.Remove("q", b).units == 0);
  CHECK(waiters.Remove("q", c).units == 0);
  CHECK(waiters.Remove("q", d).units == 1);
}

TEST_CASE("Wake and WakeAll reach every registered waiter and keep them registered",
          "[core][waiters]") {
  KeyedWaiters waiters;
  std::vector<std::string> woken;
  const uint64_t a = AddWaiter(waiters, woken, "a", 1);
  const uint64_t b = waiters.Add("other", [&woken] { woken.push_back("b"); });
  waiters.Wake("q");
  CHECK(woken == std::vector<std::string>{"a"});
  waiters.WakeAll();
  std::sort(woken.begin(), woken.end());  // keys in no set order
  CHECK(woken == std::vector<std::string>{"a", "a", "b"});
  CHECK(waiters.Remove("q", a).units == 0);
  CHECK(waiters.Remove("other", b).units == 0);
  waiters.WakeAll();
  CHECK(woken.size() == 3);
}

}  // namespace
}  // namespace strongbox::core
