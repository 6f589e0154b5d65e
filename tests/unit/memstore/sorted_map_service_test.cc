#include "memstore/sorted_map_service.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <tuple>

#include "memstore/expiry_sweeper.h"
#include "support/store_fixture.h"

namespace strongbox::memstore {
namespace {

using core::StatusCode;
using std::chrono::seconds;

const SortedMapName kMap{9, "Servers"};

struct Fixture : testing::StoreFixture {
  explicit Fixture(MemoryStoreLimits memstore_limits = {}, MapLayout map_layout = kSortedMapLayout)
      : clock(core::FromUnixNanos(1'700'000'000'000'000'000)),
        limits(memstore_limits),
        layout(map_layout) {
    MakeService();
  }
  void MakeService() {
    service =
        std::make_unique<SortedMapService>(engine.get(), pipeline.get(), &clock, limits, layout);
    sweeper = std::make_unique<ExpirySweeper>(engine.get(), pipeline.get(), &clock);
  }
  void Restart() {
    service.reset();
    Reopen();
    MakeService();
  }

  core::Result<SortedMapItem> Create(const std::string& id, SortKey key = SortKey::None(),
                                     seconds ttl = seconds(60), std::string value = "1") {
    return Await(service->Create(kMap, id, {std::move(value), std::move(key), ttl}));
  }
  std::vector<std::string> ListIds(SortedMapService::ListQuery q) {
    q.name = kMap;
    std::vector<std::string> ids;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = service->List(q);
      REQUIRE(page.ok());
      for (const auto& item : page->items) ids.push_back(item.id);
      if (!page->next_after) return ids;
      q.resume_after = page->next_after;
    }
    FAIL("paging did not end");
    return ids;
  }

  core::ManualClock clock;
  MemoryStoreLimits limits;
  MapLayout layout;
  std::unique_ptr<ExpirySweeper> sweeper;
  std::unique_ptr<SortedMapService> service;
};

TEST_CASE("Sorted map listing matches a brute-force sort, both orders, with bounds", "[memstore]") {
  Fixture f;
  std::mt19937 rng(5);
  // (kind, number, text, id) sorts exactly as the contract orders items.
  using Row = std::tuple<int, double, std::string, std::string>;
  std::vector<Row> rows;
  for (int i = 0; i < 300; ++i) {
    const std::string id = "i" + std::to_string(rng() % 1000);
    if (std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return std::get<3>(r) == id; })) {
      continue;
    }
    SortKey key;
    switch (rng() % 3) {
      case 0:
        key = SortKey::Number(static_cast<double>(static_cast<int>(rng() % 21) - 10) / 2);
        break;
      case 1:
        key = SortKey::String(std::string(1, static_cast<char>('a' + rng() % 5)));
        break;
      default:
        break;
    }
    REQUIRE(f.Create(id, key).ok());
    rows.emplace_back(static_cast<int>(key.kind), key.number, key.text, id);
  }
  std::sort(rows.begin(), rows.end());
  auto expected = [&](auto keep) {
    std::vector<std::string> ids;
    for (const auto& r : rows) {
      if (keep(r)) ids.push_back(std::get<3>(r));
    }
    return ids;
  };
  SortedMapService::ListQuery q;
  q.page_size = 7;
  auto all = expected([](const Row&) { return true; });
  REQUIRE(f.ListIds(q) == all);
  q.descending = true;
  std::reverse(all.begin(), all.end());
  REQUIRE(f.ListIds(q) == all);

  // sortKey > -1 && sortKey < "c" && id > "i3": exclusive bounds in the total order.
  q.descending = false;
  q.sort_key_above = SortKey::Number(-1);
  q.sort_key_below = SortKey::String("c");
  q.id_above = "i3";
  const auto bounded = expected([](const Row& r) {
    const auto& [kind, number, text, id] = r;
    const bool above = kind > 1 || number > -1;
    const bool below = kind == 1 || (kind == 2 && text < "c");
    return above && below && id > "i3";
  });
  REQUIRE_FALSE(bounded.empty());
  REQUIRE(f.ListIds(q) == bounded);
}

TEST_CASE("Sorted map etags are compare-and-swap and change on every write", "[memstore]") {
  Fixture f;
  auto created = f.Create("a");
  REQUIRE(created.ok());
  const std::string etag = FormatEtag(created->record);
  auto stale = Fixture::Await(
      f.service->Update(kMap, "a", {"2", SortKey::None(), std::nullopt}, "nope", false));
  REQUIRE(stale.status().code() == StatusCode::kAborted);
  REQUIRE(stale.status().reason() == "ETAG_MISMATCH");
  auto updated = Fixture::Await(
      f.service->Update(kMap, "a", {"2", SortKey::Number(1), std::nullopt}, etag, false));
  REQUIRE(updated.ok());
  REQUIRE(FormatEtag(updated->record) != etag);
  // No ttl on update keeps the expiry.
  REQUIRE(updated->record.expire_time == created->record.expire_time);
  REQUIRE(Fixture::Await(f.service->Delete(kMap, "a", etag)).status().code() ==
          StatusCode::kAborted);
  REQUIRE(Fixture::Await(f.service->Delete(kMap, "a", FormatEtag(updated->record))).ok());
  REQUIRE(f.service->Get(kMap, "a").status().code() == StatusCode::kNotFound);
  // Delete of a missing item is fine; update of one is not, unless allowMissing (with a ttl).
  REQUIRE(Fixture::Await(f.service->Delete(kMap, "a", std::nullopt)).ok());
  REQUIRE(Fixture::Await(f.service->Update(kMap, "a", {"3", {}, std::nullopt}, std::nullopt, false))
              .status()
              .code() == StatusCode::kNotFound);
  REQUIRE(Fixture::Await(f.service->Update(kMap, "a", {"3", {}, std::nullopt}, std::nullopt, true))
              .status()
              .code() == StatusCode::kInvalidArgument);
  REQUIRE(
      Fixture::Await(f.service->Update(kMap, "a", {"3", {}, seconds(5)}, std::nullopt, true)).ok());
}

TEST_CASE("Expired sorted map items vanish at once and the sweeper reclaims them", "[memstore]") {
  Fixture f;
  REQUIRE(f.Create("short", SortKey::Number(1), seconds(10)).ok());
  REQUIRE(f.Create("long", SortKey::Number(2), seconds(100)).ok());
  f.clock.Advance(seconds(9));
  REQUIRE(f.service->Get(kMap, "short").ok());
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(100)).value() == 0);
  f.clock.Advance(seconds(1));
  // Invisible at once, before any sweep: get, list, and create over it.
  REQUIRE(f.service->Get(kMap, "short").status().code() == StatusCode::kNotFound);
  REQUIRE(f.ListIds({}) == std::vector<std::string>{"long"});
  REQUIRE(
      Fixture::Await(f.service->Update(kMap, "short", {"1", {}, std::nullopt}, std::nullopt, false))
          .status()
          .code() == StatusCode::kNotFound);
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(100)).value() == 1);
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(100)).value() == 0);
  // An item whose ttl was extended is not swept at its old time.
  REQUIRE(
      Fixture::Await(f.service->Update(kMap, "long", {"1", {}, seconds(1000)}, std::nullopt, false))
          .ok());
  f.clock.Advance(seconds(200));
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(100)).value() == 0);
  REQUIRE(f.service->Get(kMap, "long").ok());
  // A restart keeps items and their expiry.
  f.Restart();
  REQUIRE(f.service->Get(kMap, "long").ok());
  f.clock.Advance(seconds(1000));
  REQUIRE(f.service->Get(kMap, "long").status().code() == StatusCode::kNotFound);
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(100)).value() == 1);
}

TEST_CASE("Sorted map limits are 400s that name the limit", "[memstore]") {
  MemoryStoreLimits limits;
  limits.max_item_bytes = 10;
  limits.max_items_per_structure = 2;
  Fixture f(limits);
  auto big = f.Create("a", {}, seconds(1), std::string(11, '1'));
  REQUIRE(big.status().code() == StatusCode::kInvalidArgument);
  REQUIRE(big.status().MetadataValue("limit") == "memstore_max_item_bytes");
  auto ttl = f.Create("a", {}, seconds(3'888'001));
  REQUIRE(ttl.status().MetadataValue("limit") == "memstore_max_ttl_seconds");
  REQUIRE(f.Create("a", {}, seconds(1)).ok());
  REQUIRE(f.Create("b", {}, seconds(5)).ok());
  auto full = f.Create("c");
  REQUIRE(full.status().code() == StatusCode::kInvalidArgument);
  REQUIRE(full.status().MetadataValue("limit") == "memstore_max_items_per_structure");
  // Replacing an existing item is not a new one; once one expires and is swept, room is back.
  REQUIRE(Fixture::Await(f.service->Update(kMap, "b", {"2", {}, seconds(5)}, std::nullopt, false))
              .ok());
  f.clock.Advance(seconds(2));
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(10)).value() == 1);
  REQUIRE(f.Create("c").ok());
  REQUIRE(Fixture::Await(f.service->Delete(kMap, "c", std::nullopt)).ok());
  REQUIRE(f.Create("d").ok());
}

// Hash maps (api.md §10) are this service with kHashMapLayout: no sort keys, listed by id.

TEST_CASE("Hash map items: CRUD with etags, listed by id across pages, apart from sorted maps",
          "[memstore]") {
  Fixture f({}, kHashMapLayout);
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) ids.push_back("item-" + std::to_string(100 + (i * 37) % 100));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) REQUIRE(f.Create(*it).ok());
  SortedMapService::ListQuery q;
  q.page_size = 4;
  REQUIRE(f.ListIds(q) == ids);  // by id, stable across pages, the count row never listed
  // A sort key, an order or a filter has no meaning here.
  REQUIRE(f.Create("k", SortKey::Number(1)).status().code() == StatusCode::kInvalidArgument);
  q.descending = true;
  REQUIRE(f.service->List(q).status().code() == StatusCode::kInvalidArgument);
  // Etag compare-and-swap as for sorted maps.
  auto first = f.service->Get(kMap, ids[0]);
  REQUIRE(first.ok());
  const std::string etag = FormatEtag(first->record);
  REQUIRE(
      Fixture::Await(f.service->Update(kMap, ids[0], {"2", {}, std::nullopt}, etag, false)).ok());
  auto stale =
      Fixture::Await(f.service->Update(kMap, ids[0], {"3", {}, std::nullopt}, etag, false));
  REQUIRE(stale.status().reason() == "ETAG_MISMATCH");
  REQUIRE(f.service->Get(kMap, ids[0])->record.value == "2");
  REQUIRE(Fixture::Await(f.service->Delete(kMap, ids[0], etag)).status().code() ==
          StatusCode::kAborted);
  REQUIRE(Fixture::Await(f.service->Delete(kMap, ids[0], std::nullopt)).ok());
  // Nothing of it is in the sorted map families.
  REQUIRE(f.engine->NewIterator(store::ColumnFamily::kSortedMaps)->Valid() == false);
  auto depths = f.service->Depths(10);
  REQUIRE(depths.ok());
  REQUIRE(depths->size() == 1);
  CHECK((*depths)[0].items == ids.size() - 1);
}

TEST_CASE(
    "Hash map TTL: expired items vanish at once, the sweeper reclaims them, a restart "
    "keeps the rest",
    "[memstore]") {
  MemoryStoreLimits limits;
  limits.max_items_per_structure = 2;
  Fixture f(limits, kHashMapLayout);
  REQUIRE(f.Create("short", {}, seconds(10)).ok());
  REQUIRE(f.Create("long", {}, seconds(100)).ok());
  auto full = f.Create("third");
  REQUIRE(full.status().MetadataValue("limit") == "memstore_max_items_per_structure");
  REQUIRE(full.status().message().find("hash map") != std::string::npos);
  f.clock.Advance(seconds(10));
  REQUIRE(f.service->Get(kMap, "short").status().code() == StatusCode::kNotFound);
  REQUIRE(f.ListIds({}) == std::vector<std::string>{"long"});
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(100)).value() == 1);
  REQUIRE(f.Create("third").ok());  // the swept item's room is back
  f.Restart();
  REQUIRE(f.service->Get(kMap, "long").ok());
  REQUIRE(f.service->Get(kMap, "third").ok());
  f.clock.Advance(seconds(100));
  REQUIRE(f.ListIds({}).empty());
  REQUIRE(Fixture::Await(f.sweeper->SweepExpired(100)).value() == 2);
  auto depths = f.service->Depths(10);
  REQUIRE(depths.ok());
  CHECK(depths->empty());
}

}  // namespace
}  // namespace strongbox::memstore
