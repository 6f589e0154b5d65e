#include "locks/lock_service.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "support/store_fixture.h"

namespace strongbox::locks {
namespace {

namespace asio = boost::asio;
using core::StatusCode;
using std::chrono::seconds;

struct Fixture : testing::StoreFixture {
  Fixture() : clock(core::FromUnixNanos(1'700'000'000'000'000'000)) { MakeService(); }

  void MakeService() {
    service = std::make_unique<LockService>(engine.get(), pipeline.get(), &clock, LockLimits{});
  }
  void Restart() {
    service.reset();
    Reopen();
    MakeService();
  }
  core::Result<LockRecord> Acquire(const std::string& owner, seconds ttl = seconds(30)) {
    return Await(service->Acquire(1, "player-7", owner, ttl, seconds(0)));
  }
  // Runs the guard check inside a real mutation.
  core::Status Guard(uint64_t token) {
    return pipeline->CommitAndWait([&](store::WriteView& view) {
      return CheckGuard(view, 1, "player-7", token, clock.Now());
    });
  }

  core::ManualClock clock;
  std::unique_ptr<LockService> service;
};

TEST_CASE("tokens increase as the lock changes hands, never on renewal", "[locks]") {
  Fixture f;
  auto a = f.Acquire("server-a");
  REQUIRE(a.ok());
  CHECK(a->fencing_token == 1);
  CHECK(f.Acquire("server-a")->fencing_token == 1);  // same owner: renewed
  auto b = f.Acquire("server-b");
  CHECK(b.status().code() == StatusCode::kAborted);
  CHECK(b.status().reason() == "LOCK_HELD");
  CHECK(b.status().MetadataValue("owner") == "server-a");
  CHECK_FALSE(b.status().MetadataValue("expireTime").empty());

  f.clock.Advance(seconds(31));  // A's lease ran out
  auto b2 = f.Acquire("server-b");
  REQUIRE(b2.ok());
  CHECK(b2->fencing_token == 2);
  CHECK(f.Await(f.service->Renew(1, "player-7", "server-a", 1, seconds(30))).status().reason() ==
        "LOCK_LOST");
  CHECK(f.Await(f.service->Release(1, "player-7", "server-a", 1)).status().reason() == "LOCK_LOST");
  auto freed = f.Await(f.service->Release(1, "player-7", "server-b", 2));
  REQUIRE(freed.ok());
  CHECK_FALSE(freed->HeldAt(f.clock.Now()));
  CHECK(f.Acquire("server-c")->fencing_token == 3);
  auto stolen = f.Await(f.service->Steal(1, "player-7", "server-d", seconds(30), "admin"));
  REQUIRE(stolen.ok());
  CHECK(stolen->fencing_token == 4);
  CHECK(f.Await(f.service->Renew(1, "player-7", "server-c", 3, seconds(30))).status().reason() ==
        "LOCK_LOST");
}

TEST_CASE("the guard holds only for the current token of a live lease", "[locks]") {
  Fixture f;
  CHECK(f.Guard(1).reason() == "LOCK_LOST");  // never acquired
  REQUIRE(f.Acquire("a").ok());
  CHECK(f.Guard(1).ok());
  CHECK(f.Guard(2).reason() == "LOCK_LOST");
  f.clock.Advance(seconds(31));
  CHECK(f.Guard(1).reason() == "LOCK_LOST");  // expired
  REQUIRE(f.Acquire("b").ok());
  CHECK(f.Guard(2).ok());
  REQUIRE(f.Await(f.service->Steal(1, "player-7", "c", seconds(30), "")).ok());
  CHECK(f.Guard(2).reason() == "LOCK_LOST");
  CHECK(f.Guard(3).ok());
}

TEST_CASE("release requests reach the holder, get and list", "[locks]") {
  Fixture f;
  CHECK(f.service->Get(1, "player-7").status().code() == StatusCode::kNotFound);
  CHECK(f.Await(f.service->RequestRelease(1, "player-7", "x", "")).status().code() ==
        StatusCode::kNotFound);
  REQUIRE(f.Acquire("a").ok());
  REQUIRE(f.Await(f.service->RequestRelease(1, "player-7", "server-b", "player moved")).ok());
  auto renewed = f.Await(f.service->Renew(1, "player-7", "a", 1, seconds(30)));
  REQUIRE(renewed.ok());
  REQUIRE(renewed->release_request.has_value());
  CHECK(renewed->release_request->requester == "server-b");
  CHECK(renewed->release_request->reason == "player moved");
  for (const char* id : {"player-1", "player-2", "guild-1"}) {
    REQUIRE(f.Await(f.service->Acquire(1, id, "a", seconds(30), seconds(0))).ok());
  }
  LockService::ListQuery q;
  q.universe = 1;
  q.id_prefix = "player-";
  q.page_size = 2;
  auto page = f.service->List(q);
  REQUIRE(page.ok());
  REQUIRE(page->locks.size() == 2);
  CHECK(page->locks[0].first == "player-1");
  REQUIRE(page->next_after.has_value());
  q.resume_after = page->next_after;
  auto rest = f.service->List(q);
  REQUIRE(rest->locks.size() == 1);
  CHECK(rest->locks[0].first == "player-7");
  CHECK_FALSE(rest->next_after.has_value());
}

TEST_CASE("50 owners racing for a free lock: exactly one holds it", "[locks]") {
  Fixture f;
  asio::thread_pool pool(4);
  std::atomic<int> holders{0}, refused{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < 50; ++i) {
    done.push_back(asio::co_spawn(
        asio::make_strand(pool),
        [&, i]() -> asio::awaitable<void> {
          auto r = co_await f.service->Acquire(1, "race", "owner-" + std::to_string(i), seconds(30),
                                               seconds(0));
          if (r.ok()) {
            ++holders;
          } else if (r.status().reason() == "LOCK_HELD") {
            ++refused;
          }
        },
        asio::use_future));
  }
  for (auto& d : done) d.get();
  const uint64_t token = f.service->Get(1, "race")->fencing_token;
  f.pipeline->Stop();  // before the pool its completions point into goes away
  pool.join();
  CHECK(holders == 1);
  CHECK(refused == 49);
  CHECK(token == 1);
}

TEST_CASE("a waiting acquire is woken by the release, not by polling", "[locks]") {
  Fixture f;
  REQUIRE(f.Acquire("a", seconds(600)).ok());
  asio::io_context ioc;
  const auto start = std::chrono::steady_clock::now();
  auto waiting = asio::co_spawn(
      ioc, f.service->Acquire(1, "player-7", "b", seconds(30), seconds(20)), asio::use_future);
  std::thread runner([&] { ioc.run(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(f.Await(f.service->Release(1, "player-7", "a", 1)).ok());
  auto got = waiting.get();
  runner.join();
  REQUIRE(got.ok());
  CHECK(got->owner == "b");
  CHECK(got->fencing_token == 2);
  CHECK(std::chrono::steady_clock::now() - start < seconds(5));
}

TEST_CASE("tokens keep increasing after a restart", "[locks]") {
  Fixture f;
  REQUIRE(f.Acquire("a").ok());
  REQUIRE(f.Await(f.service->Steal(1, "player-7", "b", seconds(30), "")).ok());
  f.Restart();
  auto c = f.Await(f.service->Steal(1, "player-7", "c", seconds(30), ""));
  REQUIRE(c.ok());
  CHECK(c->fencing_token == 3);
}

TEST_CASE("bad arguments are refused", "[locks]") {
  Fixture f;
  CHECK(f.Await(f.service->Acquire(1, "", "a", seconds(30), seconds(0))).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(f.Await(f.service->Acquire(1, "x", "", seconds(30), seconds(0))).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(f.Await(f.service->Acquire(1, "x", "a", seconds(0), seconds(0))).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(f.Await(f.service->Acquire(1, "x", "a", seconds(100'000), seconds(0))).status().reason() ==
        "LIMIT_EXCEEDED");
  CHECK(f.Await(f.service->Acquire(1, "x", "a", seconds(30), seconds(3600))).status().reason() ==
        "LIMIT_EXCEEDED");
  CHECK(f.service->Get(1, "x").status().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace strongbox::locks
