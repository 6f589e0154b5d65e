// Process lifecycle: help, bad configuration, graceful SIGTERM.

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

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

TEST_CASE("a second server on a data directory in use says so and exits", "[integration]") {
  ServerFixture f;
  std::string out;
  CHECK(RunStrongbox({"--data-dir", f.server.data_dir(), "--port", "0"}, &out) != 0);
  INFO(out);
  CHECK(out.find("in use by another process") != std::string::npos);
  CHECK(out.find("Storage write failed") == std::string::npos);
  CHECK(f.client->Get("/healthz").status == 200);  // the first one is untouched
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

TEST_CASE("SIGTERM answers waiting long polls at once instead of dropping them", "[integration]") {
  ServerFixture f;
  const std::string L = "/cloud/v2/universes/42/session-locks/held";
  REQUIRE(f.client->Post(L + ":acquire", R"({"owner":"a","ttl":"60s"})").status == 200);
  // Each waits up to 25 s: far past the 10 s grace, so without the drain's wake-up the process
  // would exit under them and their clients would get no answer at all.
  HttpResponse read, acquire;
  std::thread reader([&] {
    HttpClient c(f.server.port(), f.server.admin_key());
    read = c.Get("/cloud/v2/universes/42/memory-store/queues/q/items:read?waitTime=25s");
  });
  std::thread locker([&] {
    HttpClient c(f.server.port(), f.server.admin_key());
    acquire = c.Post(L + ":acquire", R"({"owner":"b","ttl":"60s","waitTime":"25s"})");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // both are waiting now
  const auto start = std::chrono::steady_clock::now();
  CHECK(f.server.Stop() == 0);
  reader.join();
  locker.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(read.status == 200);  // as when waitTime ends: empty arrays
  CHECK(read.Json()["items"].empty());
  CHECK(acquire.status == 409);  // still held by a: LOCK_HELD, as when waitTime ends
  CHECK(acquire.body.find("LOCK_HELD") != std::string::npos);
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
