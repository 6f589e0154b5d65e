#include "datastore/revision_purger.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "datastore/entry_keys.h"
#include "datastore/entry_service.h"
#include "datastore/revision_id.h"
#include "support/store_fixture.h"

namespace strongbox::datastore {
namespace {

namespace asio = boost::asio;
using std::chrono::hours;

constexpr auto kDay = hours(24);

struct Fixture : testing::StoreFixture {
  explicit Fixture(RetentionPolicy policy, size_t max_revisions_on_write = 1000)
      : clock(core::FromUnixNanos(1'700'000'000'000'000'000)) {
    EntryLimits limits;
    limits.max_revisions_per_entry = max_revisions_on_write;
    service = std::make_unique<EntryService>(engine.get(), pipeline.get(), &clock, limits);
    purger = std::make_unique<RevisionPurger>(engine.get(), pipeline.get(), &clock, policy);
  }

  // Revision values of the entry, newest first.
  std::vector<std::string> Revisions(const EntryName& name) {
    EntryService::RevisionQuery q;
    q.page_size = 1000;
    auto page = service->ListRevisions(name, q);
    REQUIRE(page.ok());
    std::vector<std::string> values;
    for (const auto& r : page->revisions) values.push_back(r.deleted ? "<deleted>" : r.value);
    return values;
  }

  void Write(const EntryName& name, const std::string& value) {
    EntryWrite w;
    w.value = value;
    REQUIRE(Await(service->Update(name, w, std::nullopt, true)).ok());
  }

  core::ManualClock clock;
  std::unique_ptr<EntryService> service;
  std::unique_ptr<RevisionPurger> purger;
};

EntryName Name(const std::string& key) {
  EntryName n;
  n.universe = 1;
  n.data_store = "D";
  n.key = key;
  return n;
}

TEST_CASE("revisions older than retention after being replaced are purged, current is kept",
          "[datastore]") {
  RetentionPolicy policy;
  policy.retention = 10 * kDay;
  Fixture f(policy);
  f.Write(Name("a"), "1");  // replaced at day 5: purged at day 15+
  f.clock.Advance(5 * kDay);
  f.Write(Name("a"), "2");  // replaced at day 12
  f.clock.Advance(7 * kDay);
  f.Write(Name("a"), "3");    // current
  f.clock.Advance(4 * kDay);  // day 16
  auto stats = f.Await(f.purger->RunOnce());
  REQUIRE(stats.ok());
  CHECK(stats->revisions_deleted == 1);
  CHECK(stats->wrapped);
  CHECK(f.Revisions(Name("a")) == std::vector<std::string>{"3", "2"});
  f.clock.Advance(100 * kDay);  // the current revision stays forever
  REQUIRE(f.Await(f.purger->RunOnce()).ok());
  CHECK(f.Revisions(Name("a")) == std::vector<std::string>{"3"});
  CHECK(f.service->Get(Name("a"))->value == "3");
}

TEST_CASE("only the newest max_revisions are kept", "[datastore]") {
  RetentionPolicy policy;
  policy.max_revisions = 3;
  Fixture f(policy);
  for (int i = 1; i <= 6; ++i) f.Write(Name("c"), std::to_string(i));
  REQUIRE(f.Await(f.purger->RunOnce()).ok());
  CHECK(f.Revisions(Name("c")) == std::vector<std::string>{"6", "5", "4"});
}

TEST_CASE("the write path drops the revision that falls out of the window", "[datastore]") {
  Fixture f(RetentionPolicy{}, /*max_revisions_on_write=*/2);
  for (int i = 1; i <= 5; ++i) f.Write(Name("w"), std::to_string(i));
  CHECK(f.Revisions(Name("w")) == std::vector<std::string>{"5", "4"});
}

TEST_CASE("tombstones are purged with their revisions after retention", "[datastore]") {
  RetentionPolicy policy;
  policy.retention = 10 * kDay;
  Fixture f(policy);
  f.Write(Name("gone"), "1");
  f.Write(Name("back"), "1");
  REQUIRE(f.Await(f.service->Delete(Name("gone"), std::nullopt)).ok());
  REQUIRE(f.Await(f.service->Delete(Name("back"), std::nullopt)).ok());
  f.clock.Advance(5 * kDay);
  REQUIRE(f.Await(f.purger->RunOnce()).ok());
  CHECK(f.Revisions(Name("gone")).size() == 2);  // not yet
  f.Write(Name("back"), "2");                    // re-created: no longer a tombstone
  f.clock.Advance(6 * kDay);
  auto stats = f.Await(f.purger->RunOnce());
  REQUIRE(stats.ok());
  CHECK(stats->entries_purged == 1);
  CHECK(f.Revisions(Name("gone")).empty());
  CHECK_FALSE(f.engine->Get(store::ColumnFamily::kEntries, EntryKey(Name("gone")))->has_value());
  CHECK(f.service->Get(Name("back"))->value == "2");
}

TEST_CASE("work is bounded per call and resumes where it stopped", "[datastore]") {
  RetentionPolicy policy;
  policy.max_revisions = 1;
  policy.scan_budget = 5;
  Fixture f(policy);
  for (int e = 0; e < 6; ++e) {
    for (int i = 0; i < 3; ++i) f.Write(Name("e" + std::to_string(e)), std::to_string(i));
  }
  int calls = 0;
  size_t deleted = 0;
  for (; calls < 20; ++calls) {
    auto stats = f.Await(f.purger->RunOnce());
    REQUIRE(stats.ok());
    CHECK(stats->revisions_scanned <= 5 + 2);  // finishes the entry it is in
    deleted += stats->revisions_deleted;
    if (stats->wrapped) break;
  }
  CHECK(calls >= 2);
  CHECK(deleted == 12);
  for (int e = 0; e < 6; ++e) CHECK(f.Revisions(Name("e" + std::to_string(e))).size() == 1);
}

}  // namespace
}  // namespace strongbox::datastore
