#include "store/commit_pipeline.h"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "core/strings.h"
#include "support/temp_dir.h"

namespace strongbox::store {
namespace {

namespace asio = boost::asio;
using core::Status;

struct Fixture {
  explicit Fixture(CommitPipeline::Options options = {}) {
    Engine::Options o;
    o.path = dir.path();
    o.write_buffer_size = 64 * 1024;
    auto opened = Engine::Open(o);
    REQUIRE(opened.ok());
    engine = std::move(opened).value();
    pipeline = std::make_unique<CommitPipeline>(engine.get(), options);
  }
  ~Fixture() { pipeline->Stop(); }

  int64_t ReadCounter() {
    auto v = engine->Get(ColumnFamily::kEntries, "counter");
    REQUIRE(v.ok());
    return v->has_value() ? *core::ParseInt64(**v) : 0;
  }

  testing::TempDir dir;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<CommitPipeline> pipeline;
};

// Compare-and-swap of the counter: succeeds only if it still holds `expected`.
Mutation CasIncrement(int64_t expected) {
  return [expected](WriteView& view) -> Status {
    SB_ASSIGN_OR_RETURN(auto current, view.Get(ColumnFamily::kEntries, "counter"));
    const int64_t value = current ? *core::ParseInt64(*current) : 0;
    if (value != expected) return Status::Aborted("stale").WithReason("ETAG_MISMATCH");
    view.Put(ColumnFamily::kEntries, "counter", std::to_string(value + 1));
    return Status::Ok();
  };
}

// Submits a mutation that blocks the sequencer until `release` is set; returns once it runs.
std::future<Status> HoldSequencer(Fixture& f, std::promise<void>& release) {
  auto running = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release.get_future().share();
  auto blocker = std::async(std::launch::async, [&f, running, released] {
    return f.pipeline->CommitAndWait([running, released](WriteView&) {
      running->set_value();
      released.wait();
      return Status::Ok();
    });
  });
  running->get_future().wait();
  return blocker;
}

TEST_CASE("racing compare-and-swap: one winner per read value, no lost update", "[store]") {
  Fixture f;
  asio::thread_pool pool(4);
  constexpr int kClients = 64;
  constexpr int kAttempts = 30;
  std::mutex mu;
  std::map<int64_t, int> winners_per_value;
  int successes = 0;
  std::vector<std::future<void>> done;
  for (int c = 0; c < kClients; ++c) {
    done.push_back(asio::co_spawn(
        asio::make_strand(pool),
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < kAttempts; ++i) {
            const int64_t seen = f.ReadCounter();
            Status s = co_await f.pipeline->Commit(CasIncrement(seen));
            if (s.ok()) {
              std::lock_guard<std::mutex> lock(mu);
              ++winners_per_value[seen];
              ++successes;
            } else {
              CHECK(s.code() == core::StatusCode::kAborted);
            }
          }
        },
        asio::use_future));
  }
  for (auto& d : done) d.get();
  f.pipeline->Stop();  // before the pool its completions point into goes away
  pool.join();
  CHECK(successes > 0);
  CHECK(f.ReadCounter() == successes);  // every acknowledged increment is there
  for (const auto& [value, winners] : winners_per_value) {
    INFO("value " << value);
    CHECK(winners == 1);  // two writers holding the same read never both succeed
  }
}

TEST_CASE("retrying compare-and-swap reaches the exact total", "[store]") {
  Fixture f;
  asio::thread_pool pool(4);
  constexpr int kClients = 32;
  constexpr int kIncrements = 10;
  std::vector<std::future<void>> done;
  for (int c = 0; c < kClients; ++c) {
    done.push_back(asio::co_spawn(
        asio::make_strand(pool),
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < kIncrements;) {
            Status s = co_await f.pipeline->Commit(CasIncrement(f.ReadCounter()));
            if (s.ok()) ++i;
          }
        },
        asio::use_future));
  }
  for (auto& d : done) d.get();
  const auto stats_before_stop = f.pipeline->stats();
  f.pipeline->Stop();  // before the pool its completions point into goes away
  pool.join();
  CHECK(f.ReadCounter() == kClients * kIncrements);
  // Group commit: concurrent mutations shared durable writes.
  auto stats = stats_before_stop;
  CHECK(stats.mutations >= static_cast<uint64_t>(kClients * kIncrements));
  CHECK(stats.batches < stats.mutations);
}

TEST_CASE("a failed mutation leaves nothing behind, even in a shared batch", "[store]") {
  Fixture f;
  // Hold the sequencer so the next three mutations land in one batch.
  std::promise<void> release;
  auto blocker = HoldSequencer(f, release);
  auto first = std::async(std::launch::async, [&] {
    return f.pipeline->CommitAndWait([](WriteView& v) {
      v.Put(ColumnFamily::kEntries, "a", "1");
      return Status::Ok();
    });
  });
  while (f.pipeline->stats().queued != 1) std::this_thread::yield();
  auto failing = std::async(std::launch::async, [&] {
    return f.pipeline->CommitAndWait([](WriteView& v) {
      v.Put(ColumnFamily::kEntries, "b", "staged then rolled back");
      v.Put(ColumnFamily::kEntries, "a", "overwritten then rolled back");
      return Status::FailedPrecondition("guard failed");
    });
  });
  while (f.pipeline->stats().queued != 2) std::this_thread::yield();
  auto third = std::async(std::launch::async, [&] {
    return f.pipeline->CommitAndWait([](WriteView& v) -> Status {
      // Sees the first mutation's staged write, not the rolled-back one.
      SB_ASSIGN_OR_RETURN(auto a, v.Get(ColumnFamily::kEntries, "a"));
      SB_ASSIGN_OR_RETURN(auto b, v.Get(ColumnFamily::kEntries, "b"));
      if (!a || *a != "1" || b) return Status::Internal("saw the wrong staged state");
      v.Put(ColumnFamily::kEntries, "c", "3");
      return Status::Ok();
    });
  });
  while (f.pipeline->stats().queued != 3) std::this_thread::yield();
  release.set_value();
  CHECK(blocker.get().ok());
  CHECK(first.get().ok());
  CHECK(failing.get().code() == core::StatusCode::kFailedPrecondition);
  CHECK(third.get().ok());
  CHECK(**f.engine->Get(ColumnFamily::kEntries, "a") == "1");
  CHECK_FALSE(f.engine->Get(ColumnFamily::kEntries, "b")->has_value());
  CHECK(**f.engine->Get(ColumnFamily::kEntries, "c") == "3");
}

TEST_CASE("a group writes only the last operation on each key", "[store]") {
  Fixture f;
  std::promise<void> release;
  auto blocker = HoldSequencer(f, release);
  // Ten mutations in one group: each rewrites the counter, puts its own row, and deletes the
  // row of the one before; the third also writes a family no other touches.
  std::vector<std::future<Status>> writes;
  for (int i = 0; i < 10; ++i) {
    writes.push_back(std::async(std::launch::async, [&f, i] {
      return f.pipeline->CommitAndWait([i](WriteView& v) {
        v.Put(ColumnFamily::kEntries, "counter", std::to_string(i + 1));
        v.Put(ColumnFamily::kEntries, "row" + std::to_string(i), "v");
        if (i > 0) v.Delete(ColumnFamily::kEntries, "row" + std::to_string(i - 1));
        if (i == 2) v.Put(ColumnFamily::kLocks, "lock", "held");
        return Status::Ok();
      });
    }));
    while (f.pipeline->stats().queued != static_cast<size_t>(i + 1)) std::this_thread::yield();
  }
  const uint64_t entries_before = f.engine->SumIntProperty("rocksdb.num-entries-active-mem-table");
  release.set_value();
  CHECK(blocker.get().ok());
  for (auto& w : writes) CHECK(w.get().ok());
  CHECK(f.ReadCounter() == 10);
  CHECK(f.engine->Get(ColumnFamily::kEntries, "row9")->has_value());
  for (int i = 0; i < 9; ++i) {
    CHECK_FALSE(f.engine->Get(ColumnFamily::kEntries, "row" + std::to_string(i))->has_value());
  }
  CHECK(**f.engine->Get(ColumnFamily::kLocks, "lock") == "held");
  // The counter once, row9, the tombstones of row0–row8 and the lock: 12 memtable entries, not
  // the 29 operations staged (10 counters, 10 rows, 9 deletes) plus the lock.
  CHECK(f.engine->SumIntProperty("rocksdb.num-entries-active-mem-table") - entries_before == 12);
}

TEST_CASE("readers never see a batch in flight", "[store]") {
  Fixture f;
  std::promise<void> staged;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto writer = std::async(std::launch::async, [&] {
    return f.pipeline->CommitAndWait([&staged, released](WriteView& v) {
      v.Put(ColumnFamily::kEntries, "k", "v");
      staged.set_value();
      released.wait();
      return Status::Ok();
    });
  });
  staged.get_future().wait();
  CHECK_FALSE(f.engine->Get(ColumnFamily::kEntries, "k")->has_value());
  release.set_value();
  REQUIRE(writer.get().ok());
  CHECK(**f.engine->Get(ColumnFamily::kEntries, "k") == "v");
}

TEST_CASE("a full queue answers RESOURCE_EXHAUSTED instead of growing", "[store]") {
  CommitPipeline::Options options;
  options.queue_limit = 1;
  options.batch_limit = 1;
  Fixture f(options);
  std::promise<void> release;
  auto blocker = HoldSequencer(f, release);
  auto queued = std::async(std::launch::async, [&] {
    return f.pipeline->CommitAndWait([](WriteView&) { return Status::Ok(); });
  });
  while (f.pipeline->stats().queued != 1) std::this_thread::yield();
  Status rejected = f.pipeline->CommitAndWait([](WriteView&) { return Status::Ok(); });
  CHECK(rejected.code() == core::StatusCode::kResourceExhausted);
  CHECK(rejected.reason() == "LIMIT_EXCEEDED");
  release.set_value();
  CHECK(blocker.get().ok());
  CHECK(queued.get().ok());
}

TEST_CASE("a group stops at its byte cap and the rest commits next, in order", "[store]") {
  CommitPipeline::Options options;
  options.batch_bytes_limit = 1000;
  Fixture f(options);
  std::promise<void> release;
  auto blocker = HoldSequencer(f, release);
  // 20 writes of 600 bytes queue up behind the blocker; the cap allows two to a group.
  std::vector<std::future<Status>> writes;
  std::mutex order_mu;
  std::vector<int> order;
  for (int i = 0; i < 20; ++i) {
    writes.push_back(std::async(std::launch::async, [&f, &order_mu, &order, i] {
      return f.pipeline->CommitAndWait([&order_mu, &order, i](WriteView& v) {
        v.Put(ColumnFamily::kEntries, "k" + std::to_string(i), std::string(600, 'x'));
        std::lock_guard<std::mutex> lock(order_mu);
        order.push_back(i);
        return Status::Ok();
      });
    }));
    while (f.pipeline->stats().queued != static_cast<size_t>(i + 1)) std::this_thread::yield();
  }
  const uint64_t before = f.pipeline->stats().batches;
  release.set_value();
  CHECK(blocker.get().ok());
  for (auto& w : writes) CHECK(w.get().ok());
  CHECK(f.pipeline->stats().batches - before == 1 + 10);  // the blocker's, then 10 of two
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) expected[i] = i;
  CHECK(order == expected);  // what waited kept its place in the queue
  for (int i = 0; i < 20; ++i) {
    CHECK(f.engine->Get(ColumnFamily::kEntries, "k" + std::to_string(i))->has_value());
  }
}

TEST_CASE("after Stop, mutations are refused as UNAVAILABLE", "[store]") {
  Fixture f;
  REQUIRE(f.pipeline->CommitAndWait(CasIncrement(0)).ok());
  f.pipeline->Stop();
  CHECK(f.pipeline->CommitAndWait(CasIncrement(1)).code() == core::StatusCode::kUnavailable);
  CHECK(f.ReadCounter() == 1);
}

TEST_CASE("on-committed hooks run after the write and only for successful mutations", "[store]") {
  Fixture f;
  std::vector<std::string> seen;
  REQUIRE(f.pipeline
              ->CommitAndWait([&](WriteView& v) {
                v.Put(ColumnFamily::kEntries, "h", "1");
                v.OnCommitted([&] {
                  // Durable before the hook runs: a reader sees it.
                  seen.push_back(f.engine->Get(ColumnFamily::kEntries, "h")->value_or("none"));
                });
                return Status::Ok();
              })
              .ok());
  CHECK_FALSE(f.pipeline
                  ->CommitAndWait([&](WriteView& v) {
                    v.OnCommitted([&] { seen.push_back("must not run"); });
                    return Status::Aborted("no");
                  })
                  .ok());
  CHECK(seen == std::vector<std::string>{"1"});
}

TEST_CASE("a mutation's iterator sees committed rows overlaid with its batch", "[store]") {
  Fixture f;
  REQUIRE(f.pipeline
              ->CommitAndWait([](WriteView& view) {
                for (const char* k : {"a", "b", "c", "z"})
                  view.Put(ColumnFamily::kQueues, k, "old");
                return Status::Ok();
              })
              .ok());
  std::vector<std::string> seen;
  REQUIRE(f.pipeline
              ->CommitAndWait([&](WriteView& view) {
                view.Delete(ColumnFamily::kQueues, "b");
                view.Put(ColumnFamily::kQueues, "bb", "new");
                view.Put(ColumnFamily::kQueues, "c", "new");
                view.Put(ColumnFamily::kQueues, "0", "outside");
                view.Put(ColumnFamily::kQueues, "d", "outside");
                auto it = view.NewIterator(ColumnFamily::kQueues, "a", "d");
                for (it->SeekToFirst(); it->Valid(); it->Next()) {
                  seen.push_back(std::string(it->key()) + "=" + std::string(it->value()));
                }
                return it->status();
              })
              .ok());
  REQUIRE(seen == std::vector<std::string>{"a=old", "bb=new", "c=new"});
}

TEST_CASE("below the free-space reserve writes stop at once and nothing is written", "[store]") {
  CommitPipeline::Options options;
  options.min_free_bytes = uint64_t{1} << 60;  // more than any disk has free
  options.recovery_interval = std::chrono::milliseconds(20);
  Fixture f(options);
  Status first = f.pipeline->CommitAndWait(CasIncrement(0));
  CHECK(first.code() == core::StatusCode::kUnavailable);
  CHECK(first.reason() == "STORAGE_FULL");
  CHECK_FALSE(first.MetadataValue("retryAfterSeconds").empty());
  const auto health = f.pipeline->health();
  CHECK_FALSE(health.writable);
  CHECK(health.faults == 1);
  REQUIRE(health.free_bytes.has_value());
  // Refused at once while stopped, whatever the mutation, and the sequencer keeps checking.
  for (int i = 0; i < 3; ++i) {
    CHECK(f.pipeline->CommitAndWait(CasIncrement(0)).reason() == "STORAGE_FULL");
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  CHECK(f.pipeline->health().faults == 1);  // one episode, not one per write
  CHECK(f.ReadCounter() == 0);
  CHECK_FALSE(f.engine->write_failed());  // RocksDB was never asked
}

TEST_CASE("with room above the reserve writes go on", "[store]") {
  CommitPipeline::Options options;
  options.min_free_bytes = 4 << 20;
  Fixture f(options);
  REQUIRE(f.pipeline->CommitAndWait(CasIncrement(0)).ok());
  CHECK(f.pipeline->health().writable);
  CHECK(f.ReadCounter() == 1);
}

TEST_CASE("ReadSettled never sees a group's hooks half run", "[store]") {
  Fixture f;
  // Two counters kept in memory by hooks: every mutation moves one unit from x to y in two
  // hooks, so x + y is constant to any reader that sees whole groups.
  std::mutex mu;
  int64_t x = 1'000'000, y = 0;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    while (!done) {
      const int64_t sum = f.pipeline->ReadSettled([&] {
        std::lock_guard<std::mutex> lock(mu);
        return x + y;
      });
      if (sum != 1'000'000) ++torn;
      ++reads;
    }
  });
  std::vector<std::future<Status>> pending;
  for (int i = 0; i < 2000; ++i) {
    pending.push_back(std::async(std::launch::async, [&] {
      return f.pipeline->CommitAndWait([&](WriteView& view) {
        view.Put(ColumnFamily::kEntries, "k", "v");
        view.OnCommitted([&] {
          std::lock_guard<std::mutex> lock(mu);
          --x;
        });
        view.OnCommitted([&] {
          std::this_thread::yield();  // widen the gap between the two hooks
          std::lock_guard<std::mutex> lock(mu);
          ++y;
        });
        return Status::Ok();
      });
    }));
    if (pending.size() == 32) {
      for (auto& p : pending) REQUIRE(p.get().ok());
      pending.clear();
    }
  }
  for (auto& p : pending) REQUIRE(p.get().ok());
  done = true;
  reader.join();
  CHECK(reads > 0);
  CHECK(torn == 0);
  CHECK(y == 2000);
}

TEST_CASE("MultiGet reads every key from one snapshot", "[store]") {
  Fixture f;
  REQUIRE(f.pipeline
              ->CommitAndWait([](WriteView& view) {
                view.Put(ColumnFamily::kEntries, "a", "1");
                view.Put(ColumnFamily::kCatalog, "c", "2");
                return Status::Ok();
              })
              .ok());
  std::vector<std::pair<ColumnFamily, std::string>> keys = {
      {ColumnFamily::kEntries, "a"}, {ColumnFamily::kEntries, "zz"}, {ColumnFamily::kCatalog, "c"}};
  auto got = f.engine->MultiGet(keys);
  REQUIRE(got.ok());
  CHECK((*got)[0] == std::optional<std::string>("1"));
  CHECK_FALSE((*got)[1].has_value());
  CHECK((*got)[2] == std::optional<std::string>("2"));
  // Under concurrent two-key writes, both keys always come from the same write.
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    std::vector<std::pair<ColumnFamily, std::string>> pair = {{ColumnFamily::kEntries, "p"},
                                                              {ColumnFamily::kCatalog, "q"}};
    while (!done) {
      auto values = f.engine->MultiGet(pair);
      REQUIRE(values.ok());
      if ((*values)[0] != (*values)[1]) ++torn;
    }
  });
  for (int i = 0; i < 500; ++i) {
    REQUIRE(f.pipeline
                ->CommitAndWait([i](WriteView& view) {
                  view.Put(ColumnFamily::kEntries, "p", std::to_string(i));
                  view.Put(ColumnFamily::kCatalog, "q", std::to_string(i));
                  return Status::Ok();
                })
                .ok());
  }
  done = true;
  reader.join();
  CHECK(torn == 0);
}

}  // namespace
}  // namespace strongbox::store
