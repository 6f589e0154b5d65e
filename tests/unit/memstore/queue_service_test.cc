#include "memstore/queue_service.h"

#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "memstore/expiry_sweeper.h"
#include "support/store_fixture.h"

namespace strongbox::memstore {
namespace {

using core::StatusCode;
using std::chrono::seconds;

const QueueName kQueue{9, "jobs"};

struct Fixture : testing::StoreFixture {
  Fixture() : clock(core::FromUnixNanos(1'700'000'000'000'000'000)) { MakeService(); }
  void MakeService() {
    service = std::make_unique<QueueService>(engine.get(), pipeline.get(), &clock,
                                             MemoryStoreLimits{}, seconds(30));
    sweeper = std::make_unique<ExpirySweeper>(engine.get(), pipeline.get(), &clock);
  }
  void Restart() {
    service.reset();
    Reopen();
    MakeService();
  }
  void Add(const std::string& data, double priority = 0, seconds ttl = seconds(600),
           const QueueName& queue = kQueue) {
    REQUIRE(Await(service->Add(queue, data, priority, ttl)).ok());
  }
  core::Result<QueueRead> Read(size_t count, seconds window = seconds(30), bool all = false,
                               const QueueName& queue = kQueue) {
    return Await(service->Read(queue, {count, all, window, std::chrono::nanoseconds(0)}));
  }
  static std::vector<std::string> Data(const QueueRead& read) {
    std::vector<std::string> out;
    for (const auto& item : read.items) out.push_back(item.record.data);
    return out;
  }

  core::ManualClock clock;
  std::unique_ptr<QueueService> service;
  std::unique_ptr<ExpirySweeper> sweeper;
};

// Tombstones RocksDB walked past while `reads` ran. Perf counters are per thread, and reads
// run on the sequencer: they are reset and read there, by commits just before and after.
uint64_t TombstonesSkipped(Fixture& f, const std::function<void()>& reads) {
  REQUIRE(f.pipeline
              ->CommitAndWait([](store::WriteView&) {
                rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
                rocksdb::get_perf_context()->Reset();
                return core::Status::Ok();
              })
              .ok());
  reads();
  uint64_t skipped = 0;
  REQUIRE(f.pipeline
              ->CommitAndWait([&](store::WriteView&) {
                skipped = rocksdb::get_perf_context()->internal_delete_skipped_count;
                rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
                return core::Status::Ok();
              })
              .ok());
  return skipped;
}

// Runs `spawn` (which starts `n` commits on `ioc`, in order) while the sequencer is held, so
// that all of them are evaluated in one group, in that order.
void InOneGroup(Fixture& f, boost::asio::io_context& ioc, size_t n,
                const std::function<void()>& spawn) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> holding;
  std::thread blocker([&] {
    (void)f.pipeline->CommitAndWait([&](store::WriteView&) {
      holding.set_value();
      released.wait();
      return core::Status::Ok();
    });
  });
  holding.get_future().wait();
  spawn();
  std::thread runner([&] { ioc.run(); });
  while (f.pipeline->stats().queued < n) std::this_thread::yield();
  release.set_value();
  blocker.join();
  runner.join();
  ioc.restart();
}

TEST_CASE("Queue reads go by priority, then FIFO, and hide what they took", "[memstore]") {
  Fixture f;
  f.Add("\"a\"");
  f.Add("\"high\"", 5);
  f.Add("\"b\"");
  f.clock.Advance(std::chrono::milliseconds(1));
  f.Add("\"c\"");
  f.Add("\"low\"", -1);
  auto first = f.Read(3);
  REQUIRE(first.ok());
  REQUIRE(Fixture::Data(*first) == std::vector<std::string>{"\"high\"", "\"a\"", "\"b\""});
  REQUIRE_FALSE(first->read_id.empty());
  // The window hides them from the next reader.
  auto second = f.Read(10);
  REQUIRE(Fixture::Data(*second) == std::vector<std::string>{"\"c\"", "\"low\""});
  REQUIRE(f.Read(1)->items.empty());
  REQUIRE(f.Read(1)->read_id.empty());
  REQUIRE(f.Read(1, seconds(30), /*all=*/true).status().code() == StatusCode::kNotFound);
  auto info = f.service->Info(kQueue);
  REQUIRE(info->size == 5);
  REQUIRE(info->invisible_size == 5);
}

TEST_CASE("A queue's invisible size never exceeds its size while items come and go", "[memstore]") {
  // The count row and the reads in flight are read at one instant: read apart, an add and a
  // read committed in between were counted invisible but not in the size.
  Fixture f;
  std::atomic<int> over{0};
  std::atomic<int> infos{0};
  // A jthread: asked to stop and joined even when a REQUIRE below throws.
  std::jthread watcher([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      auto info = f.service->Info(kQueue);
      // No REQUIRE here: Catch's assertions are not thread-safe.
      if (!info.ok() || info->invisible_size > info->size) ++over;
      ++infos;
    }
  });
  // An add and a read sent at once, so that often both commit in one group (one commit
  // between the two reads of Info was enough to count an item invisible and not in the size).
  size_t taken = 0;
  for (int i = 0; i < 1000; ++i) {
    boost::asio::io_context ioc;
    auto added = boost::asio::co_spawn(ioc, f.service->Add(kQueue, "\"x\"", 0, seconds(600)),
                                       boost::asio::use_future);
    auto read = boost::asio::co_spawn(
        ioc, f.service->Read(kQueue, {1, false, seconds(30), std::chrono::nanoseconds(0)}),
        boost::asio::use_future);
    ioc.run();
    REQUIRE(added.get().ok());
    auto got = read.get();
    REQUIRE(got.ok());
    if (got->items.empty()) continue;
    taken += got->items.size();
    REQUIRE(Fixture::Await(f.service->Discard(kQueue, got->read_id)).ok());
  }
  watcher.request_stop();
  watcher.join();
  CHECK(infos > 0);
  CHECK(over == 0);
  CHECK(f.service->Info(kQueue)->size == 1000 - taken);
}

TEST_CASE("Reads of queues that hold nothing keep no position in memory", "[memstore]") {
  // helper-32: every read, even of a made-up name, left a position behind for good: reads of
  // ever new names grew the server's memory without bound.
  Fixture f;
  for (int i = 0; i < 200; ++i) {
    REQUIRE(
        f.Read(1, seconds(30), false, QueueName{9, "nothing-" + std::to_string(i)})->items.empty());
  }
  CHECK(f.service->PositionsKept() == 0);
  // A queue read while it holds items keeps its position, also once drained (the next read
  // then starts past the consumed rows).
  f.Add("\"a\"");
  REQUIRE(Fixture::Data(*f.Read(1)) == std::vector<std::string>{"\"a\""});
  CHECK(f.service->PositionsKept() == 1);
  REQUIRE(f.Read(1)->items.empty());
  CHECK(f.service->PositionsKept() == 1);
}

TEST_CASE("Queue items come back after the window unless discarded", "[memstore]") {
  Fixture f;
  f.Add("1");
  f.Add("2");
  auto kept = f.Read(1, seconds(10));
  auto discarded = f.Read(1, seconds(10));
  REQUIRE(Fixture::Await(f.service->Discard(kQueue, discarded->read_id)).ok());
  REQUIRE(Fixture::Await(f.service->Discard(kQueue, discarded->read_id)).status().code() ==
          StatusCode::kNotFound);
  f.clock.Advance(seconds(9));
  REQUIRE(f.Read(5)->items.empty());
  f.clock.Advance(seconds(1));
  // "1" is visible again; "2" is gone; the old read id no longer discards anything.
  REQUIRE(Fixture::Await(f.service->Discard(kQueue, kept->read_id)).status().code() ==
          StatusCode::kNotFound);
  auto again = f.Read(5);
  REQUIRE(Fixture::Data(*again) == std::vector<std::string>{"1"});
  REQUIRE(again->items[0].record.deliveries == 2);
}

TEST_CASE("An item delivered maxDeliveries times moves to the dead-letter queue", "[memstore]") {
  Fixture f;
  auto updated = Fixture::Await(f.service->UpdateSettings(kQueue, 2, std::string("jobs-dead")));
  INFO(updated.status().ToString());
  REQUIRE(updated.ok());
  f.Add("\"poison\"");
  for (int i = 0; i < 2; ++i) {
    REQUIRE(f.Read(1, seconds(5))->items.size() == 1);
    f.clock.Advance(seconds(5));
  }
  REQUIRE(f.Read(1)->items.empty());  // the third delivery does not happen here
  const QueueName dead{9, "jobs-dead"};
  auto moved = f.Read(1, seconds(5), false, dead);
  REQUIRE(Fixture::Data(*moved) == std::vector<std::string>{"\"poison\""});
  REQUIRE(f.service->Info(kQueue)->size == 0);
  REQUIRE(f.service->Info(dead)->size == 1);
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kQueue, std::nullopt, std::string("jobs")))
              .status()
              .code() == StatusCode::kInvalidArgument);
}

TEST_CASE("A poison item moved out by a read does not use up the read's count", "[memstore]") {
  Fixture f;
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kQueue, 1, std::string("jobs-dead"))).ok());
  f.Add("\"poison\"");
  f.clock.Advance(std::chrono::milliseconds(1));
  f.Add("\"b\"");
  f.clock.Advance(std::chrono::milliseconds(1));
  f.Add("\"c\"");
  REQUIRE(Fixture::Data(*f.Read(1, seconds(5))) == std::vector<std::string>{"\"poison\""});
  f.clock.Advance(seconds(5));  // delivered once, visible again: the next read moves it out
  // It used to count toward the read's one item: the read came back empty with b visible.
  REQUIRE(Fixture::Data(*f.Read(1)) == std::vector<std::string>{"\"b\""});
  REQUIRE(Fixture::Data(*f.Read(5)) == std::vector<std::string>{"\"c\""});
  REQUIRE(f.service->Info({9, "jobs-dead"})->size == 1);
}

TEST_CASE("Queue TTL: expired items are skipped at once and swept", "[memstore]") {
  Fixture f;
  f.Add("\"brief\"", 0, seconds(10));
  f.Add("\"long\"", 0, seconds(100));
  auto read = f.Read(2, seconds(20));
  REQUIRE(read->items.size() == 2);
  f.clock.Advance(seconds(30));
  // The read's window is over and "brief" has expired: only "long" comes back.
  REQUIRE(Fixture::Data(*f.Read(5)) == std::vector<std::string>{"\"long\""});
  // Due: brief's item row and the first read's row.
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(100)).value() == 2);
  REQUIRE(f.service->Info(kQueue)->size == 1);
}

TEST_CASE("A restart keeps queue items and their invisibility", "[memstore]") {
  Fixture f;
  f.Add("1");
  f.Add("2");
  auto read = f.Read(1, seconds(60));
  f.Restart();
  REQUIRE(Fixture::Data(*f.Read(5, seconds(60))) == std::vector<std::string>{"2"});
  REQUIRE(Fixture::Await(f.service->Discard(kQueue, read->read_id)).ok());
  REQUIRE(f.service->Info(kQueue)->size == 1);
  // FIFO continues after the restart.
  f.Add("3");
  f.clock.Advance(seconds(61));
  REQUIRE(Fixture::Data(*f.Read(5)) == std::vector<std::string>{"2", "3"});
}

TEST_CASE("An add below consumed items is still found after reads moved on", "[memstore]") {
  Fixture f;
  for (int round = 0; round < 50; ++round) {
    f.Add(std::to_string(round), 0);
    auto read = f.Read(1);
    REQUIRE(Fixture::Data(*read) == std::vector<std::string>{std::to_string(round)});
    REQUIRE(Fixture::Await(f.service->Discard(kQueue, read->read_id)).ok());
    // Higher priority sorts before everything consumed so far.
    f.Add("\"urgent\"", 10 + round);
    REQUIRE(Fixture::Data(*f.Read(1)) == std::vector<std::string>{"\"urgent\""});
  }
}

TEST_CASE("A waiting read is woken by an add, and ends empty at its deadline", "[memstore]") {
  Fixture f;
  boost::asio::io_context reader_context;
  auto waiting = boost::asio::co_spawn(
      reader_context, f.service->Read(kQueue, {1, false, seconds(30), std::chrono::seconds(10)}),
      boost::asio::use_future);
  std::thread reader([&] { reader_context.run(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto added = std::chrono::steady_clock::now();
  f.Add("\"wake\"");
  auto woken = waiting.get();
  const auto latency = std::chrono::steady_clock::now() - added;
  reader.join();
  REQUIRE(Fixture::Data(*woken) == std::vector<std::string>{"\"wake\""});
  REQUIRE(latency < std::chrono::seconds(2));  // far below the 10 s wait: woken, not timed out

  const auto start = std::chrono::steady_clock::now();
  auto empty = Fixture::Await(
      f.service->Read(kQueue, {1, false, seconds(30), std::chrono::milliseconds(200)}));
  REQUIRE(empty->items.empty());
  REQUIRE(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(200));
  REQUIRE(Fixture::Await(f.service->Read(kQueue, {1, false, seconds(30), seconds(31)}))
              .status()
              .code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strongbox::memstore

namespace strongbox::memstore {
namespace {

TEST_CASE("An add between two reads of one commit group is found, not hidden by their raise",
          "[memstore]") {
  Fixture f;
  f.Add("\"a\"");
  REQUIRE(f.Data(*f.Read(1)) == std::vector<std::string>{"\"a\""});
  REQUIRE(f.Read(1)->items.empty());  // nothing visible: the head is raised to the end
  // Read R0, add K and read R1 are evaluated in one group, in order.
  boost::asio::io_context ioc;
  const QueueService::ReadRequest one{1, false, seconds(30), std::chrono::nanoseconds(0)};
  std::future<core::Result<QueueRead>> r0, r1;
  std::future<core::Result<QueueItem>> add;
  InOneGroup(f, ioc, 3, [&] {
    r0 = boost::asio::co_spawn(ioc, f.service->Read(kQueue, one), boost::asio::use_future);
    add = boost::asio::co_spawn(ioc, f.service->Add(kQueue, "\"k\"", 0, seconds(600)),
                                boost::asio::use_future);
    r1 = boost::asio::co_spawn(ioc, f.service->Read(kQueue, one), boost::asio::use_future);
  });
  REQUIRE(r0.get().ok());
  REQUIRE(add.get().ok());
  auto second = r1.get();
  REQUIRE(second.ok());
  // K is delivered by R1 (staged after the add, it scans from the lowered head) or, at the
  // latest, by the next read: never skipped by the head the reads raise.
  auto later = f.Read(1);
  REQUIRE(later.ok());
  CHECK(second->items.size() + later->items.size() == 1);
}

}  // namespace
}  // namespace strongbox::memstore

namespace strongbox::memstore {
namespace {

TEST_CASE("Reads and adds in one commit group leave the head past consumed items", "[memstore]") {
  Fixture f;
  f.Add("0");
  const QueueService::ReadRequest one{1, false, seconds(30), std::chrono::nanoseconds(0)};
  boost::asio::io_context ioc;
  // Each round, in one group: read A takes the only item, read B finds none visible, and an
  // add puts the next one in. The head must end at that add: A raised it to A's item, B to
  // the end, the add lowered it. (The add used to cancel every raise of its group, so under
  // steady traffic the head stayed where it was and each read walked the tombstones of every
  // item consumed since.)
  for (int round = 0; round < 200; ++round) {
    std::future<core::Result<QueueRead>> a, b;
    std::future<core::Result<QueueItem>> add;
    InOneGroup(f, ioc, 3, [&] {
      a = boost::asio::co_spawn(ioc, f.service->Read(kQueue, one), boost::asio::use_future);
      b = boost::asio::co_spawn(ioc, f.service->Read(kQueue, one), boost::asio::use_future);
      add = boost::asio::co_spawn(
          ioc, f.service->Add(kQueue, std::to_string(round + 1), 0, seconds(600)),
          boost::asio::use_future);
    });
    auto taken = a.get();
    REQUIRE(Fixture::Data(*taken) == std::vector<std::string>{std::to_string(round)});
    REQUIRE(b.get()->items.empty());
    REQUIRE(add.get().ok());
    REQUIRE(Fixture::Await(f.service->Discard(kQueue, taken->read_id)).ok());
  }
  std::vector<std::string> got;
  const uint64_t skipped = TombstonesSkipped(f, [&] { got = Fixture::Data(*f.Read(10)); });
  REQUIRE(got == std::vector<std::string>{"200"});
  INFO("tombstones walked by the last read: " << skipped);
  CHECK(skipped < 20);
}

}  // namespace
}  // namespace strongbox::memstore

namespace strongbox::memstore {
namespace {

using ReadFuture = std::future<core::Result<QueueRead>>;

// Long-poll reads started in order on one thread (each registers as a waiter before the next
// starts, so the first is the longest-waiting), left a moment to find nothing and sleep.
struct Sleepers {
  explicit Sleepers(Fixture& fixture) : f(fixture) {}
  ~Sleepers() {
    f.service->StopWaiting();
    if (thread.joinable()) thread.join();
  }
  void Start(const std::vector<QueueService::ReadRequest>& requests) {
    const uint64_t before = f.pipeline->stats().mutations;
    for (const auto& r : requests) {
      reads.push_back(
          boost::asio::co_spawn(context, f.service->Read(kQueue, r), boost::asio::use_future));
    }
    thread = std::thread([this] { context.run(); });
    // Each has made its first attempt (one commit each, nothing else commits meanwhile), then
    // a moment to reach its sleep (a wake-up before that is not lost: see Read).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (f.pipeline->stats().mutations < before + requests.size() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(f.pipeline->stats().mutations == before + requests.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Reads answered and not yet taken (get()).
  size_t Ready() {
    size_t n = 0;
    for (auto& r : reads) {
      n += r.valid() && r.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    }
    return n;
  }
  Fixture& f;
  boost::asio::io_context context;
  std::vector<ReadFuture> reads;
  std::thread thread;
};

QueueService::ReadRequest Waiting(size_t count, bool all_or_nothing = false) {
  return {count, all_or_nothing, seconds(30), seconds(20)};
}

TEST_CASE("Ten items added in one group wake one waiting read of count 10, not ten", "[memstore]") {
  Fixture f;
  Sleepers sleepers(f);
  sleepers.Start({Waiting(10), Waiting(10), Waiting(10), Waiting(10), Waiting(10)});
  const uint64_t before = f.pipeline->stats().mutations;
  // The readers' thread is held until every add's hook has run: a reader woken by the first
  // hook must not register again before the last one (it would then take none of the rest).
  std::promise<void> hooks_ran;
  boost::asio::post(sleepers.context, [done = hooks_ran.get_future().share()] { done.wait(); });
  boost::asio::io_context ioc;
  std::vector<std::future<core::Result<QueueItem>>> adds;
  InOneGroup(f, ioc, 10, [&] {
    for (int i = 0; i < 10; ++i) {
      adds.push_back(
          boost::asio::co_spawn(ioc, f.service->Add(kQueue, std::to_string(i), 0, seconds(600)),
                                boost::asio::use_future));
    }
  });
  for (auto& add : adds) REQUIRE(add.get().ok());
  hooks_ran.set_value();
  REQUIRE(sleepers.reads[0].wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(sleepers.reads[0].get()->items.size() == 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(sleepers.Ready() == 0);  // the other four sleep on (the first one's future was taken)
  // The ten adds, the group's holder (InOneGroup) and one read: no empty attempts. (One
  // wake-up per item woke all five, and four of them committed an empty read.)
  CHECK(f.pipeline->stats().mutations - before == 12);
}

TEST_CASE("A woken allOrNothing read that finds too few wakes the next waiting read",
          "[memstore]") {
  Fixture f;
  Sleepers sleepers(f);
  sleepers.Start({Waiting(10, /*all_or_nothing=*/true), Waiting(1)});
  f.Add("\"x\"");
  // The add woke the longest-waiting read, which cannot take one item of its ten; the next
  // one takes it at once, not at the end of its 20 s wait.
  REQUIRE(sleepers.reads[1].wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(Fixture::Data(*sleepers.reads[1].get()) == std::vector<std::string>{"\"x\""});
  CHECK(sleepers.reads[0].wait_for(std::chrono::seconds(0)) != std::future_status::ready);
}

TEST_CASE("A woken read that takes an item whose window ended wakes another for the new one",
          "[memstore]") {
  Fixture f;
  f.Add("\"old\"");
  REQUIRE(f.Data(*f.Read(1, seconds(30))) == std::vector<std::string>{"\"old\""});
  Sleepers sleepers(f);
  sleepers.Start({Waiting(1), Waiting(1)});
  f.clock.Advance(seconds(31));  // "old" is visible again; nothing announces it
  f.Add("\"new\"");
  // The add woke the first read, which took "old" (first in read order) and left "new"
  // visible: that wakes the second read, which takes it at once.
  REQUIRE(sleepers.reads[0].wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  REQUIRE(sleepers.reads[1].wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(Fixture::Data(*sleepers.reads[0].get()) == std::vector<std::string>{"\"old\""});
  CHECK(Fixture::Data(*sleepers.reads[1].get()) == std::vector<std::string>{"\"new\""});
}

}  // namespace
}  // namespace strongbox::memstore

namespace strongbox::memstore {
namespace {

TEST_CASE("A long poll that only moved poison items out looks again at once", "[memstore]") {
  Fixture f;
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kQueue, 1, std::nullopt)).ok());
  for (int i = 0; i < 250; ++i) f.Add(std::to_string(i));
  REQUIRE(f.Read(200)->items.size() == 200);
  REQUIRE(f.Read(50)->items.size() == 50);
  f.clock.Advance(seconds(31));  // all 250 visible again, each delivered its one time
  f.Restart();                   // no read hints: a read scans from the first row
  f.Add("\"x\"");
  // The first attempt moves the 200 a read moves at most and finds nothing it may deliver;
  // "x" lies past the other 50. It must be delivered now, not after the 10 s wait.
  const auto start = std::chrono::steady_clock::now();
  auto read = Fixture::Await(f.service->Read(kQueue, {1, false, seconds(30), seconds(10)}));
  REQUIRE(read.ok());
  CHECK(Fixture::Data(*read) == std::vector<std::string>{"\"x\""});
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

}  // namespace
}  // namespace strongbox::memstore
