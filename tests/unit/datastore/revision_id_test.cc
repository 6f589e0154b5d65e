#include "datastore/revision_id.h"

#include <catch2/catch.hpp>

namespace strongbox::datastore {
namespace {

TEST_CASE("revision ids have Roblox's shape and parse back to their counter", "[datastore]") {
  EntryRecord r;
  r.create_time = core::FromUnixNanos(1'717'000'000'000'000'000);
  r.revision_time = core::FromUnixNanos(1'717'000'001'000'000'000);
  r.revision = 12;
  const std::string id = FormatRevisionId(r);
  CHECK(id.size() == 16 + 1 + 10 + 1 + 16 + 3);
  CHECK(id.substr(16, 12) == ".0000000012.");
  CHECK(id.substr(id.size() - 3) == ".01");
  CHECK(ParseRevisionCounter(id) == std::optional<uint64_t>(12));
  // .NET ticks: 2024 is 0x08DC…
  CHECK(id.substr(0, 4) == "08DC");
}

TEST_CASE("malformed revision ids are refused", "[datastore]") {
  for (const char* bad : {"", "latest", "08DCAA81744A406E.0000000001.08DCAA81744A406E.02",
                          "08DCAA81744A406E-0000000001.08DCAA81744A406E.01",
                          "08DCAA81744A406G.0000000001.08DCAA81744A406E.01",
                          "08DCAA81744A406E.00000000x1.08DCAA81744A406E.01",
                          "08DCAA81744A406E.0000000001.08DCAA81744A40.01"}) {
    INFO(bad);
    CHECK_FALSE(ParseRevisionCounter(bad).has_value());
  }
}

}  // namespace
}  // namespace strongbox::datastore
