#include "leaderboard/leaderboard_service.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <future>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <span>
#include <thread>

#include "store/key_codec.h"
#include "support/store_fixture.h"
#include "unit/leaderboard/board_model.h"

namespace strongbox::leaderboard {
namespace {

using core::StatusCode;

const BoardName kBoard{7, "Points", "global"};

struct Fixture : testing::StoreFixture {
  Fixture() { MakeService(); }

  void MakeService() {
    LeaderboardService::Limits limits;
    limits.min_reset_interval = std::chrono::seconds(1);
    service = std::make_unique<LeaderboardService>(engine.get(), pipeline.get(), &clock, limits);
    REQUIRE(service->Rebuild().ok());
  }
  void Restart() {
    service.reset();
    Reopen();
    MakeService();
  }

  std::vector<RankedEntry> ListAll(SortOrder order, ValueRange range = {}, size_t page = 7,
                                   const BoardName& board = kBoard) {
    std::vector<RankedEntry> all;
    LeaderboardService::ListQuery q{board, order, range, page, std::nullopt};
    for (int pages = 0; pages < 10'000; ++pages) {
      auto listed = service->List(q);
      REQUIRE(listed.ok());
      all.insert(all.end(), listed->entries.begin(), listed->entries.end());
      if (!listed->next_after) return all;
      REQUIRE(listed->entries.size() == page);
      q.resume_after = listed->next_after;
    }
    FAIL("paging did not end");
    return all;
  }

  // 2026-12-01T00:00:30Z: seasons of "@every 60s" turn at whole minutes.
  core::ManualClock clock{core::FromUnixNanos(int64_t{1'796'083'230} * 1'000'000'000)};
  std::unique_ptr<LeaderboardService> service;
};

using Model = testing::BoardModel;

void CheckAgainstModel(Fixture& f, const Model& model, const std::string& id, std::mt19937& rng,
                       const BoardName& board = kBoard) {
  for (SortOrder order : {SortOrder::kAscending, SortOrder::kDescending}) {
    const auto sorted = model.Sorted(order);
    // Rank and neighbours of the entry just written.
    auto rank = f.service->Rank(board, id, order);
    auto at = std::find_if(sorted.begin(), sorted.end(), [&](const auto& r) { return r.id == id; });
    if (at == sorted.end()) {
      REQUIRE(rank.status().code() == StatusCode::kNotFound);
    } else {
      const size_t p = static_cast<size_t>(at - sorted.begin());
      REQUIRE(rank.ok());
      REQUIRE(rank->entry.rank == p + 1);
      REQUIRE(rank->entry.value == at->value);
      REQUIRE(rank->entry.subscore == at->subscore);
      REQUIRE(rank->entry.metadata == at->metadata);
      REQUIRE(rank->total == sorted.size());
      auto around = f.service->Neighbors(board, id, order, 2, 3);
      REQUIRE(around.ok());
      const size_t first = p - std::min<size_t>(2, p);
      const size_t end = std::min(sorted.size(), p + 4);
      REQUIRE(around->entries.size() == end - first);
      for (size_t i = first; i < end; ++i) {
        REQUIRE(around->entries[i - first].id == sorted[i].id);
        REQUIRE(around->entries[i - first].rank == i + 1);
      }
    }
    // A filtered listing, paged, against the model.
    const int64_t lo = static_cast<int64_t>(rng() % 12) - 1;
    const int64_t hi = lo + static_cast<int64_t>(rng() % 5);
    std::vector<const Model::Row*> expected;
    for (const auto& r : sorted) {
      if (r.value >= lo && r.value <= hi) expected.push_back(&r);
    }
    const auto listed = f.ListAll(order, ValueRange{lo, hi}, 1 + rng() % 4, board);
    REQUIRE(listed.size() == expected.size());
    for (size_t i = 0; i < listed.size(); ++i) {
      REQUIRE(listed[i].id == expected[i]->id);
      REQUIRE(listed[i].metadata == expected[i]->metadata);
      const size_t position = static_cast<size_t>(expected[i] - sorted.data());
      REQUIRE(listed[i].rank == position + 1);
    }
    auto count = f.service->Count(board, ValueRange{lo, hi});
    REQUIRE(count.ok());
    REQUIRE(*count == expected.size());
  }
}

TEST_CASE("Leaderboard matches a brute-force model through random writes, and after a restart",
          "[leaderboard]") {
  Fixture f;
  Model model;
  std::map<uint64_t, Model> finished;  // season → its model when it ended
  std::mt19937 rng(20261124);
  // The board's write strategy (#18) changes now and then, writes carry subscores and metadata
  // some of the time, and from step 500 the board resets every minute of the manual clock. The
  // model applies the same rules through board_settings.h's pure NextRecord, checked on its
  // own in the strategy tests.
  BoardSettings settings;
  auto stored = [&](const std::string& key) -> std::optional<OrderedRecord> {
    auto it = model.rows.find(key);
    if (it == model.rows.end()) return std::nullopt;
    return OrderedRecord{it->second.value, it->second.arrival, it->second.subscore,
                         it->second.metadata};
  };
  auto model_write = [&](const std::string& key, const OrderedRecord& next) {
    // Under `latest` every write is a new arrival, the same score included.
    if (settings.strategy == WriteStrategy::kLatest) model.rows.erase(key);
    model.Set(key, next.value, next.subscore, next.metadata);
  };
  auto random_extras = [&] {
    EntryExtras extras;
    if (rng() % 3 == 0) extras.subscore = static_cast<int64_t>(rng() % 4) - 1;
    if (rng() % 5 == 0) {
      extras.metadata = rng() % 3 == 0 ? "" : "{\"skin\":" + std::to_string(rng() % 9) + "}";
    }
    return extras;
  };
  BoardName live = kBoard;
  for (int step = 0; step < 1500; ++step) {
    const std::string id = "p" + std::to_string(rng() % 60);
    const int64_t value = static_cast<int64_t>(rng() % 10);  // few values: many ties
    const EntryExtras extras = random_extras();
    if (step % 97 == 96) {
      settings.strategy = static_cast<WriteStrategy>(rng() % 4);
      settings.best_order = rng() % 2 == 0 ? SortOrder::kAscending : SortOrder::kDescending;
      REQUIRE(Fixture::Await(
                  f.service->UpdateSettings(kBoard, {settings.strategy, settings.best_order}))
                  .ok());
    }
    if (step == 500) {
      LeaderboardService::SettingsChange seasons;
      seasons.reset_schedule = "@every 60s";
      seasons.archive_seasons = 10;
      REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, seasons)).ok());
    }
    if (step > 500 && step % 250 == 0) {
      finished[live.season] = model;
      model = Model{};
      f.clock.Advance(std::chrono::seconds(60));
    }
    live = kBoard;
    REQUIRE(f.service->ResolveSeason(&live, std::nullopt).ok());
    const bool exists = model.rows.count(id) == 1;
    switch (rng() % 5) {
      case 0: {
        auto r = Fixture::Await(f.service->Create(kBoard, id, value, {}, extras));
        REQUIRE(r.status().code() == (exists ? StatusCode::kAlreadyExists : StatusCode::kOk));
        if (!exists) model_write(id, *NextRecord(settings, std::nullopt, value, false, extras));
        break;
      }
      case 1: {
        const int64_t amount = static_cast<int64_t>(rng() % 5) - 2;
        auto r = Fixture::Await(f.service->Increment(kBoard, id, amount, {}, extras));
        REQUIRE(r.ok());
        model_write(id, *NextRecord(settings, stored(id), amount, true, extras));
        REQUIRE(r->value == model.rows[id].value);
        REQUIRE(r->subscore == model.rows[id].subscore);
        break;
      }
      case 2: {
        const bool allow_missing = rng() % 2 == 0;
        auto r = Fixture::Await(f.service->Update(kBoard, id, value, allow_missing, {}, extras));
        const bool writes = exists || allow_missing;
        REQUIRE(r.status().code() == (writes ? StatusCode::kOk : StatusCode::kNotFound));
        if (writes) model_write(id, *NextRecord(settings, stored(id), value, false, extras));
        if (writes) REQUIRE(r->value == model.rows[id].value);
        break;
      }
      case 3: {
        auto r = Fixture::Await(f.service->Delete(kBoard, id, /*missing_ok=*/false));
        REQUIRE(r.status().code() == (exists ? StatusCode::kOk : StatusCode::kNotFound));
        model.rows.erase(id);
        break;
      }
      default: {
        auto r = f.service->Get(live, id);
        REQUIRE(r.status().code() == (exists ? StatusCode::kOk : StatusCode::kNotFound));
        if (exists) REQUIRE(r->value == model.rows[id].value);
        if (exists) REQUIRE(r->metadata == model.rows[id].metadata);
      }
    }
    CheckAgainstModel(f, model, id, rng, live);
  }
  REQUIRE(finished.size() == 3);
  for (int pass = 0; pass < 2; ++pass) {
    // Each finished season still reads as it ended, before and after a restart.
    for (const auto& [season, ended] : finished) {
      INFO("season " << season << ", pass " << pass);
      BoardName archived = kBoard;
      REQUIRE(f.service->ResolveSeason(&archived, season).ok());
      for (const auto& [id, row] : ended.rows) CheckAgainstModel(f, ended, id, rng, archived);
    }
    if (pass == 0) f.Restart();
  }
  CheckAgainstModel(f, model, "p1", rng, live);

  // A restart rebuilds every rank from the sort index, ties included.
  const auto before_asc = f.ListAll(SortOrder::kAscending, {}, 7, live);
  const auto before_desc = f.ListAll(SortOrder::kDescending, {}, 7, live);
  f.Restart();
  for (auto [order, before] : {std::pair{SortOrder::kAscending, &before_asc},
                               std::pair{SortOrder::kDescending, &before_desc}}) {
    const auto after = f.ListAll(order, {}, 7, live);
    REQUIRE(after.size() == before->size());
    for (size_t i = 0; i < after.size(); ++i) {
      REQUIRE(after[i].id == (*before)[i].id);
      REQUIRE(after[i].value == (*before)[i].value);
      REQUIRE(after[i].rank == i + 1);
    }
  }
  // New arrivals after the restart still come after the old ones at the same value.
  const auto top = f.ListAll(SortOrder::kDescending, {}, 7, live).front();
  REQUIRE(
      Fixture::Await(f.service->Create(kBoard, "late", top.value, {}, {top.subscore, {}})).ok());
  auto late = f.service->Rank(live, "late", SortOrder::kDescending);
  REQUIRE(late.ok());
  REQUIRE(late->entry.rank > 1);
}

TEST_CASE("Concurrent increments of one entry are exact", "[leaderboard]") {
  Fixture f;
  boost::asio::thread_pool pool(4);
  std::vector<std::future<core::Result<OrderedEntry>>> results;
  for (int i = 0; i < 400; ++i) {
    results.push_back(boost::asio::co_spawn(pool, f.service->Increment(kBoard, "hot", 3),
                                            boost::asio::use_future));
  }
  for (auto& r : results) REQUIRE(r.get().ok());
  f.pipeline->Stop();  // before the pool's contexts go away
  pool.join();
  REQUIRE(f.service->Get(kBoard, "hot")->value == 1200);
  REQUIRE(f.service->Rank(kBoard, "hot", SortOrder::kAscending)->entry.value == 1200);
}

TEST_CASE("Leaderboard writes refuse overflow and bad names, and change nothing", "[leaderboard]") {
  Fixture f;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  REQUIRE(Fixture::Await(f.service->Create(kBoard, "a", kMax - 1)).ok());
  auto over = Fixture::Await(f.service->Increment(kBoard, "a", 2));
  REQUIRE(over.status().code() == StatusCode::kInvalidArgument);
  REQUIRE(f.service->Get(kBoard, "a")->value == kMax - 1);
  REQUIRE(Fixture::Await(f.service->Increment(kBoard, "a", 1))->value == kMax);

  const std::string long_id(64, 'x');
  REQUIRE(Fixture::Await(f.service->Create(kBoard, long_id, 1)).status().code() ==
          StatusCode::kInvalidArgument);
  REQUIRE(Fixture::Await(f.service->Create(kBoard, std::string(63, 'x'), 1)).ok());
  REQUIRE(
      Fixture::Await(f.service->Create(BoardName{0, "Points", "global"}, "a", 1)).status().code() ==
      StatusCode::kInvalidArgument);
  // A missing entry deleted with missing_ok is fine and changes nothing.
  REQUIRE(Fixture::Await(f.service->Delete(kBoard, "ghost", true)).ok());
  REQUIRE(*f.service->Count(kBoard, {}) == 2);
}

TEST_CASE("A failed guard check leaves neither the entry nor its rank", "[leaderboard]") {
  Fixture f;
  LeaderboardService::Context refuse;
  refuse.check = [](const store::WriteView&) {
    return core::Status::Aborted("guard failed").WithReason("LOCK_LOST");
  };
  bool recorded = false;
  refuse.record = [&recorded](store::WriteView&, const OrderedEntry&) { recorded = true; };
  auto r = Fixture::Await(f.service->Create(kBoard, "a", 5, refuse));
  REQUIRE(r.status().code() == StatusCode::kAborted);
  CHECK_FALSE(recorded);  // checked before anything is staged, so nothing is recorded either
  REQUIRE(f.service->Get(kBoard, "a").status().code() == StatusCode::kNotFound);
  REQUIRE(f.service->Rank(kBoard, "a", SortOrder::kAscending).status().code() ==
          StatusCode::kNotFound);
  f.Restart();
  REQUIRE(*f.service->Count(kBoard, {}) == 0);
}

TEST_CASE("Staged writes to one board apply together and BatchRank reads them at one instant",
          "[leaderboard]") {
  Fixture f;
  REQUIRE(Fixture::Await(f.service->Create(kBoard, "a", 1000)).ok());
  REQUIRE(Fixture::Await(f.service->Create(kBoard, "b", 0)).ok());
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    while (!done) {
      auto answer = f.service->BatchRank(kBoard, {"a", "b"}, SortOrder::kDescending);
      REQUIRE(answer.ok());
      int64_t sum = 0;
      for (const auto& e : answer->entries) sum += e.value;
      if (sum != 1000) ++torn;
      ++reads;
    }
  });
  // Each commit moves one point from a to b in two staged writes.
  for (int i = 0; i < 300; ++i) {
    auto from = f.service->StageIncrement(kBoard, "a", -1);
    auto to = f.service->StageIncrement(kBoard, "b", 1);
    REQUIRE(from.ok());
    REQUIRE(to.ok());
    REQUIRE(f.pipeline
                ->CommitAndWait([&](store::WriteView& view) -> core::Status {
                  SB_RETURN_IF_ERROR((*from)(view).status());
                  return (*to)(view).status();
                })
                .ok());
  }
  done = true;
  reader.join();
  CHECK(reads > 0);
  CHECK(torn == 0);
  auto answer = f.service->BatchRank(kBoard, {"b", "ghost", "a", "b"}, SortOrder::kDescending);
  REQUIRE(answer.ok());
  REQUIRE(answer->entries.size() == 2);
  CHECK(answer->entries[0].id == "a");
  CHECK(answer->entries[0].value == 700);
  CHECK(answer->entries[0].rank == 1);
  CHECK(answer->entries[1].id == "b");
  CHECK(answer->entries[1].rank == 2);
  CHECK(answer->missing == std::vector<std::string>{"ghost"});
  CHECK(answer->total == 2);
  // A staged write that fails rolls back the one before it, rank included.
  auto first = f.service->StageIncrement(kBoard, "a", 5);
  auto second = f.service->StageCreate(kBoard, "b", 1);  // exists
  core::Status failed = f.pipeline->CommitAndWait([&](store::WriteView& view) -> core::Status {
    SB_RETURN_IF_ERROR((*first)(view).status());
    return (*second)(view).status();
  });
  CHECK(failed.code() == StatusCode::kAlreadyExists);
  CHECK(f.service->Get(kBoard, "a")->value == 700);
  CHECK(f.service->Rank(kBoard, "a", SortOrder::kDescending)->entry.value == 700);
}

TEST_CASE("Ranked reads show the metadata written with the value they show", "[leaderboard]") {
  // Each write sets value n and metadata {"n":n} together. A read takes values and ranks from
  // the in-memory index and metadata from the records just after: without a second look, a
  // write landing in between showed a newer write's metadata beside the older value.
  Fixture f;
  const std::vector<std::string> ids = {"a", "b", "c", "d"};
  auto write = [&](const std::string& id, int64_t n) {
    EntryExtras extras;
    extras.metadata = "{\"n\":" + std::to_string(n) + "}";
    return Fixture::Await(f.service->Update(kBoard, id, n, /*allow_missing=*/true, {}, extras));
  };
  for (const std::string& id : ids) REQUIRE(write(id, 0).ok());
  std::atomic<int> reads{0}, mismatched{0}, failed{0};
  auto check = [&](std::span<const RankedEntry> entries) {
    for (const RankedEntry& e : entries) {
      const auto metadata = nlohmann::json::parse(e.metadata, nullptr, false);
      if (metadata.is_discarded() || metadata.value("n", int64_t{-1}) != e.value) ++mismatched;
    }
  };
  {
    std::jthread reader([&](std::stop_token stop) {
      for (uint64_t i = 0; !stop.stop_requested(); ++i) {
        const std::string& id = ids[i % ids.size()];
        switch (i % 4) {
          case 0: {
            auto page = f.service->List({kBoard, SortOrder::kDescending, {}, 10, std::nullopt});
            if (page.ok())
              check(page->entries);
            else
              ++failed;
            break;
          }
          case 1: {
            auto rank = f.service->Rank(kBoard, id, SortOrder::kAscending);
            if (rank.ok())
              check(std::span(&rank->entry, 1));
            else
              ++failed;
            break;
          }
          case 2: {
            auto around = f.service->Neighbors(kBoard, id, SortOrder::kAscending, 2, 2);
            if (around.ok())
              check(around->entries);
            else
              ++failed;
            break;
          }
          default: {
            auto batch = f.service->BatchRank(kBoard, ids, SortOrder::kAscending);
            if (batch.ok())
              check(batch->entries);
            else
              ++failed;
          }
        }
        ++reads;
      }
    });
    for (int64_t n = 1; n <= 600; ++n) REQUIRE(write(ids[n % ids.size()], n).ok());
  }
  INFO(reads << " reads");
  CHECK(reads > 100);
  CHECK(failed == 0);
  CHECK(mismatched == 0);
}

TEST_CASE("Write strategies: best keeps the better, sum adds, latest re-arrives", "[leaderboard]") {
  Fixture f;
  using Change = LeaderboardService::SettingsChange;
  auto set_strategy = [&](WriteStrategy strategy, SortOrder best = SortOrder::kDescending) {
    REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, Change{strategy, best})).ok());
  };
  auto update = [&](const std::string& id, int64_t value) {
    auto r = Fixture::Await(f.service->Update(kBoard, id, value, true));
    REQUIRE(r.ok());
    return r->value;
  };
  CHECK(f.service->Settings(kBoard)->strategy == WriteStrategy::kSet);  // the default
  CHECK(update("a", 50) == 50);
  CHECK(update("a", 10) == 10);  // set: replaces

  set_strategy(WriteStrategy::kBest);
  CHECK(update("a", 30) == 30);
  CHECK(update("a", 20) == 30);  // a worse score is not kept
  CHECK(Fixture::Await(f.service->Increment(kBoard, "a", -5))->value == 30);
  CHECK(Fixture::Await(f.service->Increment(kBoard, "a", 5))->value == 35);
  set_strategy(WriteStrategy::kBest, SortOrder::kAscending);  // a speedrun: lower is better
  CHECK(update("a", 40) == 35);
  CHECK(update("a", 12) == 12);

  set_strategy(WriteStrategy::kSum);
  CHECK(update("a", 8) == 20);
  CHECK(update("fresh", 8) == 8);  // a missing entry starts from 0
  CHECK(Fixture::Await(f.service->Update(kBoard, "a", INT64_MAX, true)).status().reason() ==
        "VALUE_OUT_OF_RANGE");
  CHECK(f.service->Get(kBoard, "a")->value == 20);

  // best with a subscore: the better score (value, then subscore) wins whole, metadata with it.
  set_strategy(WriteStrategy::kBest);
  auto submit = [&](int64_t value, int64_t subscore, const char* metadata) {
    auto r = Fixture::Await(f.service->Update(kBoard, "s", value, true, {},
                                              EntryExtras{subscore, std::string(metadata)}));
    REQUIRE(r.ok());
    return std::make_tuple(r->value, r->subscore, r->metadata);
  };
  CHECK(submit(30, 5, R"({"run":1})") == std::make_tuple(30, 5, std::string(R"({"run":1})")));
  CHECK(submit(30, 7, R"({"run":2})") == std::make_tuple(30, 7, std::string(R"({"run":2})")));
  CHECK(submit(30, 6, R"({"run":3})") == std::make_tuple(30, 7, std::string(R"({"run":2})")));
  CHECK(submit(29, 99, R"({"run":4})") == std::make_tuple(30, 7, std::string(R"({"run":2})")));
  update("t", 30);  // subscore 0: behind "s" at 30 in descending order, ahead in ascending
  CHECK(f.service->Rank(kBoard, "s", SortOrder::kDescending)->entry.rank <
        f.service->Rank(kBoard, "t", SortOrder::kDescending)->entry.rank);
  CHECK(f.service->Rank(kBoard, "s", SortOrder::kAscending)->entry.rank >
        f.service->Rank(kBoard, "t", SortOrder::kAscending)->entry.rank);
  auto too_big = Fixture::Await(
      f.service->Update(kBoard, "s", 1, true, {},
                        EntryExtras{std::nullopt, "{\"x\":\"" + std::string(1100, 'a') + "\"}"}));
  CHECK(too_big.status().MetadataValue("limit") == "max_leaderboard_metadata_bytes");

  // latest: equal values rank by who wrote last. Under set, "b" keeps its earlier place.
  set_strategy(WriteStrategy::kSet);
  update("b", 100);
  update("c", 100);
  update("b", 100);
  CHECK(f.service->Rank(kBoard, "b", SortOrder::kDescending)->entry.rank == 1);
  set_strategy(WriteStrategy::kLatest);
  update("b", 100);
  CHECK(f.service->Rank(kBoard, "b", SortOrder::kDescending)->entry.rank == 2);
  CHECK(f.service->Rank(kBoard, "c", SortOrder::kDescending)->entry.rank == 1);

  // Settings survive a restart, and the strategy applies to staged writes (a :commit) too.
  set_strategy(WriteStrategy::kBest);
  f.Restart();
  CHECK(f.service->Settings(kBoard)->strategy == WriteStrategy::kBest);
  auto staged = f.service->StageUpdate(kBoard, "b", 1, true);
  REQUIRE(staged.ok());
  REQUIRE(
      f.pipeline->CommitAndWait([&](store::WriteView& view) { return (*staged)(view).status(); })
          .ok());
  CHECK(f.service->Get(kBoard, "b")->value == 100);
  // Another board keeps the defaults.
  CHECK(f.service->Settings(BoardName{7, "Points", "weekly"})->strategy == WriteStrategy::kSet);
}

// Seasons (board_seasons.h). The fixture's clock starts 30 s into a minute, so "@every 60s"
// resets at the next whole minute.
using Change = LeaderboardService::SettingsChange;

LeaderboardService::SeasonAnswer Resolve(Fixture& f, BoardName* board,
                                         std::optional<uint64_t> season = std::nullopt) {
  auto answer = f.service->ResolveSeason(board, season);
  REQUIRE(answer.ok());
  return *answer;
}

size_t RowsUnder(Fixture& f, const BoardName& board) {
  const std::string prefix = BoardKey(board);
  size_t rows = 0;
  for (auto cf : {store::ColumnFamily::kOrdered, store::ColumnFamily::kOrderedIndex}) {
    auto it = f.engine->NewIterator(cf, prefix, store::PrefixSuccessor(prefix));
    for (it->Seek(prefix); it->Valid(); it->Next()) ++rows;
  }
  return rows;
}

TEST_CASE("A reset starts an empty season and the finished one keeps its ranks, across a restart",
          "[leaderboard]") {
  Fixture f;
  REQUIRE(Fixture::Await(f.service->Create(kBoard, "old", 7)).ok());  // before any schedule
  Change change;
  change.reset_schedule = "@every 60s";
  change.archive_seasons = 1;
  auto settings = Fixture::Await(f.service->UpdateSettings(kBoard, change));
  REQUIRE(settings.ok());
  CHECK(settings->reset_schedule == "@every 60s");
  const core::Timestamp set_at = f.clock.Now();
  const core::Timestamp reset = set_at + std::chrono::seconds(30);

  // Setting a schedule does not end the season: what was there stays live until the reset.
  BoardName live = kBoard;
  auto first = Resolve(f, &live);
  CHECK(first.has_seasons);
  CHECK(first.span.id == 0);
  CHECK(first.span.start == set_at);
  CHECK(first.span.end == reset);
  auto a = Fixture::Await(f.service->Create(kBoard, "a", 10));
  REQUIRE(a.ok());
  REQUIRE(a->season);
  CHECK(a->season->id == 0);
  REQUIRE(Fixture::Await(f.service->Create(kBoard, "b", 20)).ok());

  f.clock.Advance(std::chrono::seconds(31));
  for (int pass = 0; pass < 2; ++pass) {
    INFO("pass " << pass << " (1: after a restart)");
    BoardName board = kBoard;
    auto now = Resolve(f, &board);
    CHECK(now.span.id == 1);
    CHECK(now.span.start == reset);
    CHECK(now.span.end == reset + std::chrono::seconds(60));
    CHECK(board.season == 1);
    CHECK(*f.service->Count(board, {}) == (pass == 0 ? 0u : 1u));
    CHECK(f.service->Get(board, "b").status().code() == StatusCode::kNotFound);

    BoardName archived = kBoard;
    auto finished = Resolve(f, &archived, 0);
    CHECK_FALSE(finished.live);
    CHECK(finished.span.start == set_at);
    CHECK(finished.span.end == reset);
    auto top = f.service->Rank(archived, "b", SortOrder::kDescending);
    REQUIRE(top.ok());
    CHECK(top->entry.rank == 1);
    CHECK(top->total == 3);  // "old", "a", "b": season 0 is everything before the reset
    if (pass == 0) {
      auto late = Fixture::Await(f.service->Update(kBoard, "a", 5, true));
      REQUIRE(late.ok());
      CHECK(late->season->id == 1);
      f.Restart();
    }
  }
  BoardName archived = kBoard;
  Resolve(f, &archived, 0);
  CHECK(f.service->Get(archived, "a")->value == 10);  // the late write did not touch season 0
  auto seasons = f.service->Seasons(kBoard);
  REQUIRE(seasons.ok());
  REQUIRE(seasons->size() == 2);
  CHECK((*seasons)[0].live);
  CHECK((*seasons)[0].span.id == 1);
  CHECK((*seasons)[0].total == 1);
  CHECK((*seasons)[1].span.id == 0);
  CHECK((*seasons)[1].total == 3);
  BoardName future = kBoard;
  CHECK(f.service->ResolveSeason(&future, 2).status().code() == StatusCode::kNotFound);

  // Two more resets: with archiveSeasons 1, season 0 leaves retention (404 at once), and the
  // first write of the new season lets the background reclaim delete its rows.
  f.clock.Advance(std::chrono::seconds(120));
  BoardName gone = kBoard;
  CHECK(f.service->ResolveSeason(&gone, 0).status().code() == StatusCode::kNotFound);
  BoardName season0 = kBoard;
  CHECK(RowsUnder(f, season0) == 6);
  REQUIRE(Fixture::Await(f.service->Create(kBoard, "c", 1))->season->id == 3);
  auto reclaimed = Fixture::Await(f.service->ReclaimSeasons(2));
  REQUIRE(reclaimed.ok());
  CHECK(*reclaimed == 2);  // bounded by the budget
  while (*Fixture::Await(f.service->ReclaimSeasons(2)) > 0) {
  }
  CHECK(RowsUnder(f, season0) == 0);
  BoardName season1 = kBoard;
  season1.season = 1;
  CHECK(RowsUnder(f, season1) == 0);  // 3 - 1 > 1: also past retention
  seasons = f.service->Seasons(kBoard);
  REQUIRE(seasons->size() == 1);  // season 2 had no writes, so it is not kept
  CHECK((*seasons)[0].span.id == 3);
  f.Restart();
  BoardName board = kBoard;
  CHECK(Resolve(f, &board).span.id == 3);
  CHECK(*f.service->Count(board, {}) == 1);
}

TEST_CASE("Writes racing a reset land in exactly one season, the one their answer names",
          "[leaderboard]") {
  Fixture f;
  Change change;
  change.reset_schedule = "@every 60s";
  change.archive_seasons = 3;
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, change)).ok());
  boost::asio::thread_pool pool(4);
  std::vector<std::future<core::Result<OrderedEntry>>> results;
  for (int i = 0; i < 400; ++i) {
    if (i == 200) {
      // The reset comes while writes are in flight: half of the first 200 are done by then.
      for (int done = 0; done < 100; ++done) results[done].wait();
      f.clock.Advance(std::chrono::seconds(60));
    }
    results.push_back(boost::asio::co_spawn(pool, f.service->Increment(kBoard, "hot", 1),
                                            boost::asio::use_future));
  }
  std::map<uint64_t, int64_t> landed;  // season → increments its answers name
  for (auto& r : results) {
    auto done = r.get();
    REQUIRE(done.ok());
    REQUIRE(done->season);
    ++landed[done->season->id];
  }
  f.pipeline->Stop();
  pool.join();
  REQUIRE(landed.size() == 2);
  int64_t total = 0;
  for (const auto& [season, count] : landed) {
    BoardName board = kBoard;
    Resolve(f, &board, season);
    CHECK(f.service->Get(board, "hot")->value == count);
    CHECK(f.service->Rank(board, "hot", SortOrder::kAscending)->entry.value == count);
    total += count;
  }
  CHECK(total == 400);
  CHECK(landed.begin()->second >= 100);   // done before the reset
  CHECK(landed.rbegin()->second >= 200);  // issued after it
}

TEST_CASE("Schedule changes keep the season numbering, and settings are validated",
          "[leaderboard]") {
  Fixture f;
  Change daily;
  daily.reset_schedule = "0 0 * * *";  // midnight UTC; the clock is at 00:00:30
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, daily)).ok());
  BoardName board = kBoard;
  auto day = Resolve(f, &board);
  CHECK(day.span.id == 0);
  CHECK(day.span.end == f.clock.Now() + std::chrono::seconds(86400 - 30));
  f.clock.Advance(std::chrono::hours(49));  // two midnights
  REQUIRE(Fixture::Await(f.service->Create(kBoard, "a", 1))->season->id == 2);

  // The season's first write moved the cron anchor to its start, numbering unchanged, so a
  // restart walks from here.
  auto anchored = f.service->Settings(kBoard);
  CHECK(anchored->first_season == 2);
  CHECK(anchored->schedule_set_at_ns == anchored->first_season_start_ns);
  f.Restart();
  board = kBoard;
  CHECK(Resolve(f, &board).span.id == 2);
  CHECK(*f.service->Count(board, {}) == 1);

  Change hourly;
  hourly.reset_schedule = "@every 1h";
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, hourly)).ok());
  board = kBoard;
  auto same = Resolve(f, &board);
  CHECK(same.span.id == 2);  // the live season goes on, ending at the new schedule's next time
  CHECK(same.span.end == f.clock.Now() + std::chrono::seconds(3600 - 30));
  CHECK(*f.service->Count(board, {}) == 1);
  f.clock.Advance(std::chrono::hours(1));
  board = kBoard;
  CHECK(Resolve(f, &board).span.id == 3);

  Change none;
  none.reset_schedule = "";
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, none)).ok());
  f.clock.Advance(std::chrono::hours(1000));
  board = kBoard;
  auto forever = Resolve(f, &board);
  CHECK(forever.span.id == 3);  // no schedule: no more resets
  CHECK_FALSE(forever.span.end);
  CHECK(forever.has_seasons);

  auto refused = [&](Change change) {
    return Fixture::Await(f.service->UpdateSettings(kBoard, change)).status().code() ==
           StatusCode::kInvalidArgument;
  };
  Change bad;
  bad.reset_schedule = "0 0 30 2 *";  // never fires
  CHECK(refused(bad));
  bad.reset_schedule = "@every 0s";
  CHECK(refused(bad));
  bad.reset_schedule.reset();
  bad.archive_seasons = 101;  // Limits::max_archive_seasons
  CHECK(refused(bad));
  CHECK(f.service->Settings(kBoard)->reset_schedule.empty());
}

TEST_CASE("One transaction lands in one season, and a write naming an ended season is refused",
          "[leaderboard]") {
  Fixture f;
  Change change;
  change.reset_schedule = "@every 60s";
  change.archive_seasons = 5;
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, change)).ok());
  // Two staged increments in one mutation, the clock passing a reset between them (found by a
  // breaker: a 100-operation :commit split 65/35 across two seasons).
  auto first = f.service->StageIncrement(kBoard, "a", 1);
  auto second = f.service->StageIncrement(kBoard, "a", 1);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  std::vector<uint64_t> seasons;
  std::function<core::Result<int>(store::WriteView&)> both =
      [&](store::WriteView& view) -> core::Result<int> {
    SB_ASSIGN_OR_RETURN(OrderedEntry one, (*first)(view));
    f.clock.Advance(std::chrono::seconds(60));
    SB_ASSIGN_OR_RETURN(OrderedEntry two, (*second)(view));
    seasons = {one.season->id, two.season->id};
    return two.value;
  };
  auto committed = Fixture::Await(f.pipeline->Commit<int>(std::move(both)));
  REQUIRE(committed.ok());
  CHECK(*committed == 2);
  CHECK(seasons == std::vector<uint64_t>{0, 0});

  // Season 0 has ended now (the clock moved on): naming it is SEASON_ENDED, naming the live one
  // works, naming one not begun is 404.
  EntryExtras ended;
  ended.season = 0;
  auto refused = Fixture::Await(f.service->Update(kBoard, "a", 5, true, {}, ended));
  CHECK(refused.status().reason() == "SEASON_ENDED");
  CHECK(Fixture::Await(f.service->Delete(kBoard, "a", true, {}, ended)).status().reason() ==
        "SEASON_ENDED");
  EntryExtras live;
  live.season = 1;
  CHECK(Fixture::Await(f.service->Update(kBoard, "a", 5, true, {}, live))->season->id == 1);
  EntryExtras later;
  later.season = 2;
  CHECK(Fixture::Await(f.service->Update(kBoard, "a", 5, true, {}, later)).status().code() ==
        StatusCode::kNotFound);
  BoardName archived = kBoard;
  REQUIRE(f.service->ResolveSeason(&archived, 0).ok());
  CHECK(f.service->Get(archived, "a")->value == 2);

  // A season that left retention never comes back, even when archiveSeasons grows again (its
  // rows may be half reclaimed).
  Change none;
  none.archive_seasons = 0;
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, none)).ok());
  Change more;
  more.archive_seasons = 5;
  REQUIRE(Fixture::Await(f.service->UpdateSettings(kBoard, more)).ok());
  archived = kBoard;
  CHECK(f.service->ResolveSeason(&archived, 0).status().code() == StatusCode::kNotFound);
  f.clock.Advance(std::chrono::seconds(60));  // season 1 ends now, within the new retention
  archived = kBoard;
  CHECK(f.service->ResolveSeason(&archived, 1).ok());
}

TEST_CASE("SeasonClock answers an instant just before its cursor's reset without a walk",
          "[leaderboard]") {
  core::ManualClock clock(core::FromUnixNanos(int64_t{1'796'083'230} * 1'000'000'000));
  SeasonClock seasons(&clock);
  BoardSettings settings;
  settings.reset_schedule = "* * * * *";  // every minute, set 10 days ago
  settings.schedule_set_at_ns = core::ToUnixNanos(clock.Now() - std::chrono::hours(240));
  auto now = seasons.Live("b", settings);
  REQUIRE(now.ok());
  CHECK(now->id == 14'400);  // 10 days of minutes
  // A write's pinned instant from before the reset the cursor passed (WriteView::Now).
  auto before = seasons.Live("b", settings, now->start - std::chrono::seconds(1));
  REQUIRE(before.ok());
  CHECK(before->id == now->id - 1);
  CHECK(before->end == now->start);
  auto walked = LiveSeasonAt(settings, now->start - std::chrono::seconds(1));
  CHECK(walked->id == before->id);
  CHECK(walked->start == before->start);
}

TEST_CASE("The season before an interval reset keeps its own start, even the first season",
          "[leaderboard]") {
  // 2026-12-01T10:30:00Z; an hourly schedule resets on the hour (aligned to the epoch).
  const core::Timestamp ten_thirty = core::FromUnixNanos(int64_t{1'796'121'000} * 1'000'000'000);
  core::ManualClock clock(ten_thirty);
  SeasonClock seasons(&clock);
  BoardSettings settings;
  settings.reset_schedule = "@every 1h";
  settings.first_season = 3;
  // Season 3 began at 09:05; the schedule was set at 09:20, so season 3 ran to 10:00.
  settings.first_season_start_ns = core::ToUnixNanos(ten_thirty - std::chrono::minutes(85));
  settings.schedule_set_at_ns = core::ToUnixNanos(ten_thirty - std::chrono::minutes(70));
  auto now = seasons.Live("b", settings);
  REQUIRE(now.ok());
  CHECK(now->id == 4);
  CHECK(now->start == ten_thirty - std::chrono::minutes(30));
  // A write pinned at 09:59:59 is answered from the cursor's previous season: season 3 as it
  // was, from 09:05 (not one interval before its end, 09:00).
  auto before = seasons.Live("b", settings, now->start - std::chrono::seconds(1));
  REQUIRE(before.ok());
  CHECK(before->id == 3);
  CHECK(before->start == core::FromUnixNanos(settings.first_season_start_ns));
  CHECK(before->end == now->start);
  auto walked = LiveSeasonAt(settings, now->start - std::chrono::seconds(1));
  REQUIRE(walked.ok());
  CHECK(walked->start == before->start);
  // Two whole intervals on, the season before is a full hour.
  clock.Advance(std::chrono::hours(2));
  auto later = seasons.Live("b", settings);
  REQUIRE(later.ok());
  CHECK(later->id == 6);
  auto full = seasons.Live("b", settings, later->start - std::chrono::seconds(1));
  REQUIRE(full.ok());
  CHECK(full->id == 5);
  CHECK(full->start == later->start - std::chrono::hours(1));
}

}  // namespace
}  // namespace strongbox::leaderboard
