#include "core/process_memory.h"

#include <catch2/catch.hpp>
#include <vector>

namespace strongbox::core {
namespace {

TEST_CASE("ResidentBytes sees this process's memory grow", "[core]") {
  auto before = ResidentBytes();
  REQUIRE(before);
  CHECK(*before > 1024 * 1024);            // a test binary holds more than a megabyte
  std::vector<char> touched(64 << 20, 1);  // 64 MiB, every page written
  auto after = ResidentBytes();
  REQUIRE(after);
  CHECK(*after >= *before + (32 << 20));
  CHECK(touched[touched.size() - 1] == 1);
}

TEST_CASE("MemoryLimitBytes is a number or nothing, never zero", "[core]") {
  // Unlimited here (nullopt) or the container's limit: either way a usable answer.
  auto limit = MemoryLimitBytes();
  if (limit) CHECK(*limit > 0);
}

}  // namespace
}  // namespace strongbox::core
