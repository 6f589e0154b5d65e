// Process lifecycle: help, bad configuration, graceful SIGTERM.

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

TEST_CASE("--help lists the configuration and exits 0", "[integration]") {
  std::string out;
  CHECK(RunStrongbox({"--help"}, &out) == 0);
  CHECK(out.find("--data-dir") != std::string::npos);
  CHECK(out.find("STRONGBOX_DURABILITY") != std::string::npos);
}

TEST_CASE("invalid configuration exits non-zero with a clear message", "[integration]") {
  std::string out;
  CHECK(RunStrongbox({"--durability", "sometimes"}, &out) == 2);
  CHECK(out.find("durability") != std::string::npos);
  CHECK(RunStrongbox({"--bogus", "1"}, &out) == 2);
  CHECK(out.find("unknown flag --bogus") != std::string::npos);
}

TEST_CASE("SIGTERM drains, closes the database and exits 0", "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kEntries + "?id=before", R"({"value":1})").status == 200);
  // An idle keep-alive connection must not hold the shutdown up.
  HttpClient idle(f.server.port(), f.server.admin_key());
  REQUIRE(idle.Get("/healthz").status == 200);
  const auto start = std::chrono::steady_clock::now();
  CHECK(f.server.Stop() == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(f.server.Log().find("stopped cleanly") != std::string::npos);
  f.server.Start();
  HttpClient after(f.server.port(), f.server.admin_key());
  CHECK(after.Get(kEntries + "/before").status == 200);
}

TEST_CASE("durability wal mode serves and survives a clean restart", "[integration]") {
  ServerFixture f({"--durability", "wal"});
  REQUIRE(f.client->Post(kEntries + "?id=w", R"({"value":"wal"})").status == 200);
  REQUIRE(f.Restart() == 0);
  CHECK(f.client->Get(kEntries + "/w").Json()["value"] == "wal");
}

TEST_CASE("a second server on the same data directory refuses to start", "[integration]") {
  ServerFixture f;
  ServerProcess second(f.dir.path(), f.dir.Child("data"));
  CHECK_THROWS(second.Start());
}

}  // namespace
}  // namespace strongbox::testing
