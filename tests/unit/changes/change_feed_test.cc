#include "changes/change_feed.h"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "changes/change_filter.h"
#include "changes/change_pruner.h"
#include "changes/subscriptions.h"
#include "changes/webhook_deliverer.h"
#include "support/store_fixture.h"

namespace strongbox::changes {
namespace {

using core::StatusCode;
using store::Change;
using store::ChangeRecord;
using store::ColumnFamily;

constexpr int64_t kUniverse = 7;

struct Fixture {
  Fixture() : clock(core::FromUnixNanos(1'700'000'000'000'000'000)), log(&clock), store(&log) {
    feed = std::make_unique<ChangeFeed>(store.engine.get(), &log, FeedLimits{});
  }

  // One mutation that writes `id` in `container` and reports it as an "entry" change.
  core::Status Write(const std::string& container, const std::string& id,
                     const store::ChangeWriter* writer = nullptr, int64_t universe = kUniverse) {
    return store.pipeline->CommitAndWait([&](store::WriteView& view) {
      view.SetWriter(writer);
      view.Put(ColumnFamily::kEntries, container + "/" + id, "v");
      view.RecordChange({universe, "entry", container, "global", id, "update", "r1"});
      return core::Status::Ok();
    });
  }

  FeedPage ReadAll(uint64_t start_after = 0, const ChangeFilter& filter = {}) {
    auto page = feed->ReadOnce(kUniverse, start_after, filter, 1000);
    INFO(page.status().ToString());
    REQUIRE(page.ok());
    return *page;
  }

  core::ManualClock clock;
  store::ChangeLog log;
  testing::StoreFixture store;
  std::unique_ptr<ChangeFeed> feed;
};

// Every field survives the hand-written encoder: JSON's escapes, control bytes, non-ASCII text,
// a time before 1970, and a field that is not UTF-8 (mended, as the DOM's `replace` does).
TEST_CASE("Change records keep every byte of their fields", "[changes]") {
  ChangeRecord r;
  r.time = core::FromUnixNanos(-1'234'567'890);
  r.kind = "entry";
  r.container = "st\\ore\x01\x1f";
  r.scope = "gl\u00f6bal \U0001F600";
  r.id = std::string("a\"b\nc\td\0e", 9);
  r.operation = "create";
  r.revision = "/";
  r.writer = {"", "label\r"};
  auto back = store::DecodeChangeRecord(store::EncodeChangeRecord(r), 1);
  REQUIRE(back.ok());
  CHECK(back->time == r.time);
  CHECK(back->transaction == 0);
  CHECK(back->container == r.container);
  CHECK(back->scope == r.scope);
  CHECK(back->id == r.id);
  CHECK(back->operation == "create");
  CHECK(back->revision == "/");
  CHECK(back->writer.api_key_id.empty());
  CHECK(back->writer.label == "label\r");

  r.id = "bad\xff";
  auto mended = store::DecodeChangeRecord(store::EncodeChangeRecord(r), 1);
  REQUIRE(mended.ok());
  CHECK(mended->id == "bad\xef\xbf\xbd");  // U+FFFD
  CHECK(mended->scope == r.scope);
}

std::vector<uint64_t> Sequences(const FeedPage& page) {
  std::vector<uint64_t> out;
  for (const ChangeRecord& r : page.changes) out.push_back(r.sequence);
  return out;
}

TEST_CASE("Change records round-trip through their key and value", "[changes]") {
  ChangeRecord r;
  r.sequence = 99;
  r.time = core::FromUnixNanos(1'700'000'000'123'456'789);
  r.transaction = 98;
  r.kind = "sortedMapItem";
  r.container = "lobby";
  r.id = "k\"ey";
  r.operation = "update";
  r.revision = "e3";
  r.writer = {"key-1", "build 42"};
  auto back = store::DecodeChangeRecord(store::EncodeChangeRecord(r), 99);
  REQUIRE(back.ok());
  CHECK(back->time == r.time);
  CHECK(back->transaction == 98);
  CHECK(back->kind == "sortedMapItem");
  CHECK(back->container == "lobby");
  CHECK(back->id == "k\"ey");
  CHECK(back->revision == "e3");
  CHECK(back->writer.api_key_id == "key-1");
  CHECK(back->writer.label == "build 42");
  CHECK(store::DecodeChangeRecord("not json", 1).status().code() == StatusCode::kInternal);
  CHECK(store::DecodeChangeRecord(R"({"t":1})", 1).status().code() == StatusCode::kInternal);

  int64_t universe = 0;
  uint64_t sequence = 0;
  REQUIRE(store::ParseChangeKey(store::ChangeKey(-5, 1ULL << 40), &universe, &sequence));
  CHECK(universe == -5);
  CHECK(sequence == 1ULL << 40);
  CHECK_FALSE(store::ParseChangeKey(store::ChangeHeadKey(5), &universe, &sequence));
  // Records sort by sequence, after the universe's head and floor rows, before the next
  // universe's.
  CHECK(store::ChangeKey(5, 2) < store::ChangeKey(5, 10));
  CHECK(store::ChangeFloorKey(5) < store::ChangeKey(5, 0));
  CHECK(store::ChangeKey(5, ~0ULL) < store::ChangeRecordsEnd(5));
  CHECK(store::ChangeRecordsEnd(5) <= store::ChangeHeadKey(6));
}

TEST_CASE("Every committed mutation gets the next sequence and a failed one none", "[changes]") {
  Fixture f;
  REQUIRE(f.Write("players", "a").ok());
  // A mutation that reports a change, then fails: neither its write nor its record lands.
  core::Status failed = f.store.pipeline->CommitAndWait([](store::WriteView& view) {
    view.Put(ColumnFamily::kEntries, "players/b", "v");
    view.RecordChange({kUniverse, "entry", "players", "global", "b", "update", "r1"});
    return core::Status::Aborted("etag mismatch");
  });
  REQUIRE(failed.code() == StatusCode::kAborted);
  REQUIRE(f.Write("players", "c").ok());
  FeedPage page = f.ReadAll();
  REQUIRE(Sequences(page) == std::vector<uint64_t>{1, 2});
  CHECK(page.changes[0].id == "a");
  CHECK(page.changes[1].id == "c");
  CHECK(page.changes[1].time == f.clock.Now());
  CHECK(page.changes[1].transaction == 0);
  CHECK(page.next == 2);
  CHECK(page.at_end);
  // Another universe counts on its own.
  REQUIRE(f.Write("players", "x", nullptr, kUniverse + 1).ok());
  auto other = f.feed->ReadOnce(kUniverse + 1, 0, {}, 10);
  REQUIRE(other.ok());
  REQUIRE(Sequences(*other) == std::vector<uint64_t>{1});
}

TEST_CASE("The changes of one mutation share a transaction id and the group's order", "[changes]") {
  Fixture f;
  // Several mutations in one group, one of them with two changes (a transaction).
  std::vector<std::future<core::Status>> done;
  for (int i = 0; i < 20; ++i) {
    done.push_back(std::async(std::launch::async, [&f, i] {
      return f.store.pipeline->CommitAndWait([i](store::WriteView& view) {
        view.RecordChange(
            {kUniverse, "entry", "s", "global", "a" + std::to_string(i), "update", ""});
        if (i == 5) {
          view.RecordChange({kUniverse, "sortedMapItem", "m", "", "b5", "create", "e1"});
        }
        return core::Status::Ok();
      });
    }));
  }
  for (auto& d : done) REQUIRE(d.get().ok());
  FeedPage page = f.ReadAll();
  REQUIRE(page.changes.size() == 21);
  for (size_t i = 0; i < page.changes.size(); ++i) CHECK(page.changes[i].sequence == i + 1);
  size_t in_transaction = 0;
  for (size_t i = 0; i < page.changes.size(); ++i) {
    const ChangeRecord& r = page.changes[i];
    if (r.id == "a5") {
      in_transaction++;
      CHECK(r.transaction == r.sequence);
      REQUIRE(i + 1 < page.changes.size());
      CHECK(page.changes[i + 1].id == "b5");
      CHECK(page.changes[i + 1].transaction == r.sequence);
    } else if (r.id != "b5") {
      CHECK(r.transaction == 0);
    }
  }
  CHECK(in_transaction == 1);
}

TEST_CASE("The feed filters by kind, container, id prefix and writer", "[changes]") {
  Fixture f;
  store::ChangeWriter build{"key-1", "build-42"};
  store::ChangeWriter other{"key-2", ""};
  REQUIRE(f.Write("players", "user_1", &build).ok());
  REQUIRE(f.Write("guilds", "user_2", &other).ok());
  REQUIRE(f.Write("players", "npc_3", &other).ok());
  REQUIRE(f.store.pipeline
              ->CommitAndWait([](store::WriteView& view) {
                view.RecordChange({kUniverse, "queueItem", "players", "", "user_9", "add", ""});
                return core::Status::Ok();
              })
              .ok());
  auto only = [&f](std::string_view text) {
    auto filter = ParseChangeFilter(text);
    INFO(text);
    REQUIRE(filter.ok());
    FeedPage page = f.ReadAll(0, *filter);
    CHECK(page.next == 4);  // skipped records still move the cursor
    return Sequences(page);
  };
  CHECK(only("") == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(only("kind == \"entry\"") == std::vector<uint64_t>{1, 2, 3});
  CHECK(only("dataStore == \"players\"") == std::vector<uint64_t>{1, 3, 4});
  CHECK(only("id.startsWith(\"user_\")") == std::vector<uint64_t>{1, 2, 4});
  CHECK(only("label == \"build-42\"") == std::vector<uint64_t>{1});
  CHECK(only("writer == \"key-2\"") == std::vector<uint64_t>{2, 3});
  // A label is what a caller says; it never passes for an API key id.
  CHECK(only("writer == \"build-42\"").empty());
  CHECK(only(" kind ==\"entry\" && dataStore== \"players\"&&id.startsWith(\"user_\") ") ==
        std::vector<uint64_t>{1});
  auto round_trip = ParseChangeFilter(R"(kind == "entry" && id.startsWith("a\"b\\"))");
  REQUIRE(round_trip.ok());
  CHECK(round_trip->id_prefix == "a\"b\\");
  auto again = ParseChangeFilter(round_trip->ToString());
  REQUIRE(again.ok());
  CHECK(again->id_prefix == "a\"b\\");
  CHECK(again->kind == "entry");
  for (std::string_view bad :
       {"kind = \"entry\"", "kind == entry", "kind == \"entries\"", "kind == \"entry\" &&",
        "kind == \"entry\" && kind == \"entry\"", "id.startsWith(\"a\"", "colour == \"red\"",
        "dataStore == \"\"", "kind == \"entry\" dataStore == \"x\"", "id.startsWith(\"a\\x\")"}) {
    INFO(bad);
    CHECK(ParseChangeFilter(bad).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("The feed keeps only the records of a time window when asked", "[changes]") {
  Fixture f;
  const core::Timestamp t0 = f.clock.Now();
  store::ChangeWriter bad{"key-9", "build-13"};
  REQUIRE(f.Write("players", "a").ok());  // t0
  f.clock.Advance(std::chrono::seconds(10));
  REQUIRE(f.Write("players", "b", &bad).ok());  // t0 + 10 s
  f.clock.Advance(std::chrono::seconds(10));
  REQUIRE(f.Write("players", "c", &bad).ok());  // t0 + 20 s
  f.clock.Advance(std::chrono::seconds(10));
  REQUIRE(f.Write("players", "d", &bad).ok());  // t0 + 30 s
  auto filter = ParseChangeFilter("label == \"build-13\"");
  REQUIRE(filter.ok());
  filter->start = t0 + std::chrono::seconds(5);
  filter->end = t0 + std::chrono::seconds(20);
  FeedPage page = f.ReadAll(0, *filter);
  CHECK(Sequences(page) == std::vector<uint64_t>{2, 3});
  CHECK(page.next == 4);
  // The bounds are inclusive, and the window is not part of the text form.
  filter->start = t0 + std::chrono::seconds(30);
  filter->end.reset();
  CHECK(Sequences(f.ReadAll(0, *filter)) == std::vector<uint64_t>{4});
  CHECK(filter->ToString() == "label == \"build-13\"");
}

TEST_CASE("A narrow filter stops at the scan budget and says where to go on", "[changes]") {
  Fixture f;
  f.feed = std::make_unique<ChangeFeed>(f.store.engine.get(), &f.log,
                                        FeedLimits{.max_page_size = 10, .scan_budget = 5});
  for (int i = 0; i < 12; ++i) REQUIRE(f.Write("s", "k" + std::to_string(i)).ok());
  auto filter = ParseChangeFilter("id.startsWith(\"k11\")");
  REQUIRE(filter.ok());
  auto first = f.feed->ReadOnce(kUniverse, 0, *filter, 10);
  REQUIRE(first.ok());
  CHECK(first->changes.empty());
  CHECK(first->next == 5);
  CHECK_FALSE(first->at_end);
  auto second = f.feed->ReadOnce(kUniverse, first->next, *filter, 10);
  REQUIRE(second.ok());
  CHECK(second->next == 10);
  auto third = f.feed->ReadOnce(kUniverse, second->next, *filter, 10);
  REQUIRE(third.ok());
  REQUIRE(Sequences(*third) == std::vector<uint64_t>{12});
  CHECK(third->at_end);
  // Page size: at most max_page, and never more than the limit.
  auto small = f.feed->ReadOnce(kUniverse, 0, {}, 3);
  REQUIRE(small.ok());
  CHECK(Sequences(*small) == std::vector<uint64_t>{1, 2, 3});
  CHECK(small->next == 3);
  CHECK(f.feed->ReadOnce(kUniverse, 0, {}, 11).status().code() == StatusCode::kInvalidArgument);
  // Past the end is a mistake, not an empty page.
  CHECK(f.feed->ReadOnce(kUniverse, 12, {}, 10).ok());
  CHECK(f.feed->ReadOnce(kUniverse, 13, {}, 10).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Retention prunes by count and age and a cursor below it is told", "[changes]") {
  Fixture f;
  ChangePruner pruner(f.store.engine.get(), f.store.pipeline.get(), &f.clock,
                      Retention{.max_age = std::chrono::seconds(3600), .max_count = 5, .batch = 2});
  for (int i = 0; i < 8; ++i) REQUIRE(f.Write("s", "k" + std::to_string(i)).ok());
  // Count: 8 records, 5 kept → 3 to prune, 2 a pass.
  auto pruned = testing::StoreFixture::Await(pruner.PruneOnce());
  REQUIRE(pruned.ok());
  CHECK(*pruned == 2);
  pruned = testing::StoreFixture::Await(pruner.PruneOnce());
  REQUIRE(pruned.ok());
  CHECK(*pruned == 1);
  pruned = testing::StoreFixture::Await(pruner.PruneOnce());
  REQUIRE(pruned.ok());
  CHECK(*pruned == 0);
  auto bounds = f.feed->Bounds(kUniverse);
  REQUIRE(bounds.ok());
  CHECK(bounds->floor == 4);
  CHECK(bounds->head == 8);
  // A cursor that would need record 3 is told, never handed 4.. as if nothing was missed.
  auto expired = f.feed->ReadOnce(kUniverse, 2, {}, 10);
  REQUIRE(expired.status().code() == StatusCode::kFailedPrecondition);
  CHECK(expired.status().reason() == "CHANGES_EXPIRED");
  CHECK(Sequences(f.ReadAll(3)) == std::vector<uint64_t>{4, 5, 6, 7, 8});

  // Age: an hour later, records older than the hour go, new ones stay.
  f.clock.Advance(std::chrono::seconds(3000));
  REQUIRE(f.Write("s", "late").ok());
  f.clock.Advance(std::chrono::seconds(601));
  for (int pass = 0; pass < 4; ++pass) {
    REQUIRE(testing::StoreFixture::Await(pruner.PruneOnce()).ok());
  }
  bounds = f.feed->Bounds(kUniverse);
  REQUIRE(bounds.ok());
  CHECK(bounds->floor == 9);
  CHECK(Sequences(f.ReadAll(8)) == std::vector<uint64_t>{9});
  CHECK(f.feed->ReadOnce(kUniverse, 7, {}, 10).status().reason() == "CHANGES_EXPIRED");
  // New records go on from the head, and survive a restart.
  f.store.Reopen();
  f.feed = std::make_unique<ChangeFeed>(f.store.engine.get(), &f.log, FeedLimits{});
  REQUIRE(f.Write("s", "after").ok());
  CHECK(Sequences(f.ReadAll(8)) == std::vector<uint64_t>{9, 10});
}

TEST_CASE("A waiting read is woken by the commit that writes a matching record", "[changes]") {
  Fixture f;
  REQUIRE(f.Write("other", "x").ok());
  auto filter = ParseChangeFilter("dataStore == \"players\"");
  REQUIRE(filter.ok());
  boost::asio::io_context ioc;
  // Waits for up to 30 s: only a wake-up answers it with the record in time to pass.
  auto waiting =
      boost::asio::co_spawn(ioc, f.feed->Read(kUniverse, 1, *filter, 10, std::chrono::seconds(30)),
                            boost::asio::use_future);
  std::thread runner([&ioc] { ioc.run(); });
  // A record the filter skips moves the cursor but does not answer the read.
  REQUIRE(f.Write("other", "y").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(waiting.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  REQUIRE(f.Write("players", "p").ok());
  REQUIRE(waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto page = waiting.get();
  runner.join();
  REQUIRE(page.ok());
  REQUIRE(Sequences(*page) == std::vector<uint64_t>{3});
  CHECK(page->next == 3);
  // waitTime is bounded.
  auto too_long =
      testing::StoreFixture::Await(f.feed->Read(kUniverse, 0, {}, 10, std::chrono::seconds(31)));
  CHECK(too_long.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("StopWaiting answers a waiting read at once with what it has", "[changes]") {
  Fixture f;
  boost::asio::io_context ioc;
  auto waiting = boost::asio::co_spawn(
      ioc, f.feed->Read(kUniverse, 0, {}, 10, std::chrono::seconds(30)), boost::asio::use_future);
  std::thread runner([&ioc] { ioc.run(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  f.feed->StopWaiting();
  REQUIRE(waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto page = waiting.get();
  runner.join();
  REQUIRE(page.ok());
  CHECK(page->changes.empty());
  CHECK(page->next == 0);
}

TEST_CASE("A subscription keeps its cursor across restarts and acks only move it forward",
          "[changes]") {
  Fixture f;
  auto make = [&f] {
    return std::make_unique<Subscriptions>(f.store.engine.get(), f.store.pipeline.get(),
                                           f.feed.get(), &f.clock,
                                           SubscriptionLimits{.max_per_universe = 2});
  };
  auto subs = make();
  auto await = [](auto awaitable) { return testing::StoreFixture::Await(std::move(awaitable)); };
  REQUIRE(f.Write("players", "before").ok());
  auto filter = ParseChangeFilter("dataStore == \"players\"");
  REQUIRE(filter.ok());
  // Created at the log's end: only what commits from now on.
  auto created = await(subs->Create(kUniverse, "gifts", *filter, std::nullopt));
  REQUIRE(created.ok());
  CHECK(created->cursor == 1);
  CHECK(await(subs->Create(kUniverse, "gifts", {}, std::nullopt)).status().code() ==
        StatusCode::kAlreadyExists);
  CHECK(await(subs->Create(kUniverse, "bad/id", {}, std::nullopt)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(await(subs->Create(kUniverse, "ahead", {}, uint64_t{5})).status().code() ==
        StatusCode::kInvalidArgument);
  REQUIRE(await(subs->Create(kUniverse, "all", {}, uint64_t{0})).ok());
  CHECK(await(subs->Create(kUniverse, "third", {}, std::nullopt)).status().code() ==
        StatusCode::kResourceExhausted);

  REQUIRE(f.Write("other", "x").ok());     // 2, filtered out
  REQUIRE(f.Write("players", "p1").ok());  // 3
  REQUIRE(f.Write("players", "p2").ok());  // 4
  auto read = await(subs->Read(kUniverse, "gifts", 10, std::chrono::seconds(0)));
  REQUIRE(read.ok());
  REQUIRE(Sequences(*read) == std::vector<uint64_t>{3, 4});
  // Reading moves nothing: the same again.
  read = await(subs->Read(kUniverse, "gifts", 10, std::chrono::seconds(0)));
  REQUIRE(Sequences(*read) == std::vector<uint64_t>{3, 4});
  auto acked = await(subs->Ack(kUniverse, "gifts", uint64_t{3}));
  REQUIRE(acked.ok());
  CHECK(acked->cursor == 3);
  // A repeated or late ack changes nothing; one past the end is refused.
  CHECK(await(subs->Ack(kUniverse, "gifts", uint64_t{3}))->cursor == 3);
  CHECK(await(subs->Ack(kUniverse, "gifts", uint64_t{2}))->cursor == 3);
  CHECK(await(subs->Ack(kUniverse, "gifts", uint64_t{5})).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(await(subs->Ack(kUniverse, "nobody", uint64_t{1})).status().code() ==
        StatusCode::kNotFound);
  // A webhook worker's ack names the secret it signed with: another one (the subscription was
  // deleted and created again under the same id) moves nothing.
  CHECK(await(subs->Ack(kUniverse, "gifts", uint64_t{4}, {}, std::string("whsec_old")))
            .status()
            .code() == StatusCode::kNotFound);
  CHECK(subs->Get(kUniverse, "gifts")->cursor == 3);
  CHECK(await(subs->Ack(kUniverse, "gifts", uint64_t{3}, {}, subs->Get(kUniverse, "gifts")->secret))
            .ok());

  // A restart: the cursor is where the last ack left it.
  subs.reset();
  f.store.Reopen();
  f.feed = std::make_unique<ChangeFeed>(f.store.engine.get(), &f.log, FeedLimits{});
  subs = make();
  auto got = subs->Get(kUniverse, "gifts");
  REQUIRE(got.ok());
  CHECK(got->cursor == 3);
  CHECK(got->filter.container == "players");
  read = await(subs->Read(kUniverse, "gifts", 10, std::chrono::seconds(0)));
  REQUIRE(Sequences(*read) == std::vector<uint64_t>{4});
  // "latest" (nullopt) acknowledges everything there is.
  CHECK(await(subs->Ack(kUniverse, "gifts", std::nullopt))->cursor == 4);

  auto page = subs->List(kUniverse, std::nullopt, 1);
  REQUIRE(page.ok());
  REQUIRE(page->subscriptions.size() == 1);
  CHECK(page->subscriptions[0].id == "all");
  REQUIRE(page->next_after);
  page = subs->List(kUniverse, page->next_after, 1);
  REQUIRE(page.ok());
  REQUIRE(page->subscriptions.size() == 1);
  CHECK(page->subscriptions[0].id == "gifts");
  CHECK_FALSE(page->next_after);

  // Pruned past a cursor: the read says so.
  ChangePruner pruner(
      f.store.engine.get(), f.store.pipeline.get(), &f.clock,
      Retention{.max_age = std::chrono::seconds(3600), .max_count = 1, .batch = 10});
  REQUIRE(await(pruner.PruneOnce()).ok());
  auto expired = await(subs->Read(kUniverse, "all", 10, std::chrono::seconds(0)));
  CHECK(expired.status().reason() == "CHANGES_EXPIRED");
  // The pruner walks past the subscription rows to the next universe.
  REQUIRE(f.Write("players", "u2", nullptr, kUniverse + 1).ok());
  REQUIRE(f.Write("players", "u2b", nullptr, kUniverse + 1).ok());
  REQUIRE(await(pruner.PruneOnce()).ok());
  auto other = f.feed->Bounds(kUniverse + 1);
  REQUIRE(other.ok());
  CHECK(other->floor == 2);
  auto deleted = await(subs->Delete(kUniverse, "all"));
  REQUIRE(deleted.ok());
  CHECK(subs->Get(kUniverse, "all").status().code() == StatusCode::kNotFound);
  CHECK(await(subs->Delete(kUniverse, "all")).status().code() == StatusCode::kNotFound);
}

// The webhook deliverer over this feed (changes/webhook_deliverer.h), with a receiver that
// always fails and a serving switch: a node that stops serving the universe for a while (a lease
// that lapsed, then came back) pauses the worker and keeps its delivery state. It ended the
// worker: its counters went back to zero and, until the next scan, no state was shown at all.
TEST_CASE("A webhook worker that stops being served pauses and keeps its delivery state",
          "[changes]") {
  Fixture f;
  std::atomic<bool> served{true};
  f.feed->SetServing([&served](int64_t) {
    return served ? core::Status::Ok() : core::Status::Unavailable("partition moving");
  });
  auto hosts = ParseAllowedHosts("127.0.0.1:9");
  REQUIRE(hosts.ok());
  Subscriptions subs(f.store.engine.get(), f.store.pipeline.get(), f.feed.get(), &f.clock,
                     SubscriptionLimits{.webhook_allowed_hosts = *hosts});
  auto created = testing::StoreFixture::Await(
      subs.Create(kUniverse, "hook", {}, uint64_t{0}, "http://127.0.0.1:9/h"));
  INFO(created.status().ToString());
  REQUIRE(created.ok());
  REQUIRE(f.Write("players", "p1").ok());

  std::atomic<int> posts{0};
  WebhookOptions options;
  options.retry = RetryPolicy{std::chrono::milliseconds(5), std::chrono::milliseconds(10)};
  options.scan_interval = std::chrono::milliseconds(20);
  options.long_poll = std::chrono::milliseconds(20);
  options.allowed_hosts = *hosts;
  WebhookDeliverer deliverer(
      &subs, f.feed.get(), &f.clock, options,
      [&posts](const WebhookUrl&, std::string, std::vector<std::pair<std::string, std::string>>)
          -> boost::asio::awaitable<core::Result<int>> {
        ++posts;
        co_return 500;
      },
      [](int64_t, const std::string&, std::span<const ChangeRecord>, uint64_t) {
        return std::string("{}");
      });
  boost::asio::io_context ioc;
  deliverer.Start(ioc.get_executor());
  std::jthread runner([&ioc] { ioc.run(); });
  // Destroyed before `runner` joins, even when a REQUIRE below throws: the workers end, so
  // ioc.run() returns.
  struct Stopped {
    WebhookDeliverer& deliverer;
    ChangeFeed& feed;
    ~Stopped() {
      deliverer.Stop();
      feed.StopWaiting();
    }
  } stopped{deliverer, *f.feed};

  // Waits (at most 10 s) until `state` satisfies `ok`; answers the last state seen. `vanished`:
  // whether the worker was gone (no state) at some look.
  bool vanished = false;
  auto wait_for = [&](auto ok) {
    std::optional<DeliveryState> state;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      state = deliverer.StateOf(kUniverse, "hook");
      if (!state) vanished = true;
      if (state && ok(*state)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return state;
  };
  auto failing = wait_for([](const DeliveryState& s) { return s.failed_attempts >= 3; });
  REQUIRE(failing);
  REQUIRE(failing->failed_attempts >= 3);

  served = false;
  vanished = false;
  auto paused = wait_for([](const DeliveryState& s) { return s.state == "notServed"; });
  REQUIRE(paused);
  REQUIRE(paused->state == "notServed");
  // The same worker: never gone, its counters kept.
  CHECK_FALSE(vanished);
  CHECK(paused->failed_attempts >= failing->failed_attempts);
  const uint64_t failed_before = paused->failed_attempts;
  const int posts_before = posts;
  // Several scan intervals: the worker stays, paused, with its counters, and sends nothing.
  bool always_shown = true;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < until) {
    auto state = deliverer.StateOf(kUniverse, "hook");
    if (!state || state->state != "notServed" || state->failed_attempts != failed_before) {
      always_shown = false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(always_shown);
  CHECK(posts == posts_before);

  // Served again: the same worker sends the batch again, counting on from where it was.
  served = true;
  auto resumed =
      wait_for([&](const DeliveryState& s) { return s.failed_attempts > failed_before; });
  REQUIRE(resumed);
  CHECK(resumed->failed_attempts > failed_before);
  CHECK(posts > posts_before);
}

}  // namespace
}  // namespace strongbox::changes
