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
#include <random>
#include <thread>

#include "support/store_fixture.h"
#include "unit/leaderboard/board_model.h"

namespace strongbox::leaderboard {
namespace {

using core::StatusCode;

const BoardName kBoard{7, "Points", "global"};

struct Fixture : testing::StoreFixture {
  Fixture() { MakeService(); }

  void MakeService() {
    service = std::make_unique<LeaderboardService>(engine.get(), pipeline.get());
    REQUIRE(service->Rebuild().ok());
  }
  void Restart() {
    service.reset();
    Reopen();
    MakeService();
  }

  std::vector<RankedEntry> ListAll(SortOrder order, ValueRange range = {}, size_t page = 7) {
    std::vector<RankedEntry> all;
    LeaderboardService::ListQuery q{kBoard, order, range, page, std::nullopt};
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

  std::unique_ptr<LeaderboardService> service;
};

using Model = testing::BoardModel;

void CheckAgainstModel(Fixture& f, const Model& model, const std::string& id, std::mt19937& rng) {
  for (SortOrder order : {SortOrder::kAscending, SortOrder::kDescending}) {
    const auto sorted = model.Sorted(order);
    // Rank and neighbours of the entry just written.
    auto rank = f.service->Rank(kBoard, id, order);
    auto at = std::find_if(sorted.begin(), sorted.end(), [&](const auto& r) { return r.id == id; });
    if (at == sorted.end()) {
      REQUIRE(rank.status().code() == StatusCode::kNotFound);
    } else {
      const size_t p = static_cast<size_t>(at - sorted.begin());
      REQUIRE(rank.ok());
      REQUIRE(rank->entry.rank == p + 1);
      REQUIRE(rank->entry.value == at->value);
      REQUIRE(rank->total == sorted.size());
      auto around = f.service->Neighbors(kBoard, id, order, 2, 3);
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
    const auto listed = f.ListAll(order, ValueRange{lo, hi}, 1 + rng() % 4);
    REQUIRE(listed.size() == expected.size());
    for (size_t i = 0; i < listed.size(); ++i) {
      REQUIRE(listed[i].id == expected[i]->id);
      const size_t position = static_cast<size_t>(expected[i] - sorted.data());
      REQUIRE(listed[i].rank == position + 1);
    }
    auto count = f.service->Count(kBoard, ValueRange{lo, hi});
    REQUIRE(count.ok());
    REQUIRE(*count == expected.size());
  }
}

TEST_CASE("Leaderboard matches a brute-force model through random writes, and after a restart",
          "[leaderboard]") {
  Fixture f;
  Model model;
  std::mt19937 rng(20261124);
  // The board's write strategy (#18) changes now and then; the model applies the same rule
  // through board_settings.h's pure functions, checked on their own in the strategy test.
  BoardSettings settings;
  auto stored = [&](const std::string& key) {
    auto it = model.rows.find(key);
    return it == model.rows.end() ? std::nullopt : std::optional<int64_t>(it->second.value);
  };
  auto model_write = [&](const std::string& key, int64_t value) {
    // Under `latest` every write is a new arrival, the same value included.
    if (settings.strategy == WriteStrategy::kLatest) model.rows.erase(key);
    model.Set(key, value);
  };
  for (int step = 0; step < 1500; ++step) {
    const std::string id = "p" + std::to_string(rng() % 60);
    const int64_t value = static_cast<int64_t>(rng() % 10);  // few values: many ties
    const bool exists = model.rows.count(id) == 1;
    if (step % 97 == 96) {
      settings.strategy = static_cast<WriteStrategy>(rng() % 4);
      settings.best_order = rng() % 2 == 0 ? SortOrder::kAscending : SortOrder::kDescending;
      REQUIRE(Fixture::Await(
                  f.service->UpdateSettings(kBoard, {settings.strategy, settings.best_order}))
                  .ok());
    }
    switch (rng() % 5) {
      case 0: {
        auto r = Fixture::Await(f.service->Create(kBoard, id, value));
        REQUIRE(r.status().code() == (exists ? StatusCode::kAlreadyExists : StatusCode::kOk));
        if (!exists) model.Set(id, value);
        break;
      }
      case 1: {
        const int64_t amount = static_cast<int64_t>(rng() % 5) - 2;
        auto r = Fixture::Await(f.service->Increment(kBoard, id, amount));
        REQUIRE(r.ok());
        model_write(id, *IncrementBy(settings, stored(id), amount));
        REQUIRE(r->value == model.rows[id].value);
        break;
      }
      case 2: {
        const bool allow_missing = rng() % 2 == 0;
        auto r = Fixture::Await(f.service->Update(kBoard, id, value, allow_missing));
        const bool writes = exists || allow_missing;
        REQUIRE(r.status().code() == (writes ? StatusCode::kOk : StatusCode::kNotFound));
        if (writes) model_write(id, *Submit(settings, stored(id), value));
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
        auto r = f.service->Get(kBoard, id);
        REQUIRE(r.status().code() == (exists ? StatusCode::kOk : StatusCode::kNotFound));
        if (exists) REQUIRE(r->value == model.rows[id].value);
      }
    }
    CheckAgainstModel(f, model, id, rng);
  }

  // A restart rebuilds every rank from the sort index, ties included.
  const auto before_asc = f.ListAll(SortOrder::kAscending);
  const auto before_desc = f.ListAll(SortOrder::kDescending);
  f.Restart();
  for (auto [order, before] : {std::pair{SortOrder::kAscending, &before_asc},
                               std::pair{SortOrder::kDescending, &before_desc}}) {
    const auto after = f.ListAll(order);
    REQUIRE(after.size() == before->size());
    for (size_t i = 0; i < after.size(); ++i) {
      REQUIRE(after[i].id == (*before)[i].id);
      REQUIRE(after[i].value == (*before)[i].value);
      REQUIRE(after[i].rank == i + 1);
    }
  }
  // New arrivals after the restart still come after the old ones at the same value.
  const auto top = f.ListAll(SortOrder::kDescending).front();
  REQUIRE(Fixture::Await(f.service->Create(kBoard, "late", top.value)).ok());
  auto late = f.service->Rank(kBoard, "late", SortOrder::kDescending);
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

}  // namespace
}  // namespace strongbox::leaderboard
