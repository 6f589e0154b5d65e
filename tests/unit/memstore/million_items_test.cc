// A million items in one sorted map and one queue (issue #20: Roblox's limit is the default):
// filled to the limit, one more refused, then drained, with the item counts, the queue's size and
// invisible size, and the universe's usage exact at every step.
//
// Hidden tag [.large]: about a minute in the -Werror build, far more under sanitizers, so
// scripts/test.sh runs it once, in the -Werror pass (`unit_tests "[.large]"`).

#include <catch2/catch.hpp>

#include "memstore/queue_service.h"
#include "memstore/sorted_map_service.h"
#include "memstore/usage.h"
#include "support/store_fixture.h"

namespace strongbox::memstore {
namespace {

using std::chrono::seconds;

constexpr size_t kItems = 1'000'000;
constexpr size_t kChunk = 20'000;  // items staged in one mutation while filling

struct Fixture : testing::StoreFixture {
  Fixture()
      : testing::StoreFixture(64 << 20),
        clock(core::FromUnixNanos(1'700'000'000'000'000'000)),
        maps(engine.get(), pipeline.get(), &clock, {}),
        queues(engine.get(), pipeline.get(), &clock, {}, seconds(0)) {}

  // Runs `stage(i)` for i in [from, to) in one mutation.
  template <class Stage>
  void InOneCommit(size_t from, size_t to, Stage stage) {
    REQUIRE(pipeline
                ->CommitAndWait([&](store::WriteView& view) -> core::Status {
                  for (size_t i = from; i < to; ++i) {
                    auto staged = stage(i);
                    SB_RETURN_IF_ERROR(staged.status());
                    SB_RETURN_IF_ERROR((*staged)(view).status());
                  }
                  return core::Status::Ok();
                })
                .ok());
  }

  uint64_t MapCount() {
    auto depths = maps.Depths(10);
    REQUIRE(depths.ok());
    return depths->empty() ? 0 : (*depths)[0].items;
  }

  core::ManualClock clock;
  SortedMapService maps;
  QueueService queues;
};

std::string Id(size_t i) { return "item-" + std::to_string(i); }

TEST_CASE("a million-item sorted map and queue fill to the limit and drain, counts exact",
          "[.large]") {
  Fixture f;
  const SortedMapName map{7, "Big"};
  const QueueName queue{7, "Big"};
  // Map items: id "item-N" and value "1" → charged id bytes + 1; queue items: data "1" → 1.
  uint64_t usage = 0;

  for (size_t from = 0; from < kItems; from += kChunk) {
    f.InOneCommit(from, from + kChunk, [&](size_t i) {
      return f.maps.StageCreate(map, Id(i), {"1", SortKey::Number(double(i % 1000)), seconds(600)});
    });
    f.InOneCommit(from, from + kChunk,
                  [&](size_t) { return f.queues.StageAdd(queue, "1", 0, seconds(600)); });
    for (size_t i = from; i < from + kChunk; ++i) usage += Id(i).size() + 1 + 1;
    REQUIRE(f.MapCount() == from + kChunk);
    auto info = f.queues.Info(queue);
    REQUIRE(info.ok());
    REQUIRE(info->size == from + kChunk);
    REQUIRE(info->invisible_size == 0);
    REQUIRE(ReadUsage(*f.engine, 7).value() == usage);
  }
  // The limit is a million: one more of either is refused, nothing changes.
  auto extra = Fixture::Await(f.maps.Create(map, "one-more", {"1", {}, seconds(600)}));
  REQUIRE(extra.status().MetadataValue("limit") == "memstore_max_items_per_structure");
  auto extra_item = Fixture::Await(f.queues.Add(queue, "1", 0, seconds(600)));
  REQUIRE(extra_item.status().MetadataValue("limit") == "memstore_max_items_per_structure");
  REQUIRE(f.MapCount() == kItems);
  REQUIRE(ReadUsage(*f.engine, 7).value() == usage);

  // Listing the first page and reading one id stay direct.
  SortedMapService::ListQuery first;
  first.name = map;
  first.page_size = 10;
  REQUIRE(f.maps.List(first)->items.size() == 10);
  REQUIRE(f.maps.Get(map, Id(kItems - 1)).ok());

  // Drain the queue by reads and discards: a read's items are invisible until discarded.
  size_t left = kItems;
  while (left > 0) {
    QueueService::ReadRequest read;
    read.count = 200;
    auto got = Fixture::Await(f.queues.Read(queue, read));
    REQUIRE(got.ok());
    REQUIRE(got->items.size() == std::min<size_t>(200, left));
    if (left % 100'000 == 0) {
      auto info = f.queues.Info(queue);
      REQUIRE(info->size == left);
      REQUIRE(info->invisible_size == got->items.size());
    }
    REQUIRE(Fixture::Await(f.queues.Discard(queue, got->read_id)).ok());
    left -= got->items.size();
    usage -= got->items.size();
    if (left % 100'000 == 0) {
      auto info = f.queues.Info(queue);
      REQUIRE(info->size == left);
      REQUIRE(info->invisible_size == 0);
      REQUIRE(ReadUsage(*f.engine, 7).value() == usage);
    }
  }
  // Drain the map by deletes.
  for (size_t from = 0; from < kItems; from += kChunk) {
    f.InOneCommit(from, from + kChunk,
                  [&](size_t i) { return f.maps.StageDelete(map, Id(i), std::nullopt); });
    for (size_t i = from; i < from + kChunk; ++i) usage -= Id(i).size() + 1;
    REQUIRE(f.MapCount() == kItems - from - kChunk);
    REQUIRE(ReadUsage(*f.engine, 7).value() == usage);
  }
  REQUIRE(usage == 0);
  REQUIRE(f.queues.Info(queue)->size == 0);
}

}  // namespace
}  // namespace strongbox::memstore
