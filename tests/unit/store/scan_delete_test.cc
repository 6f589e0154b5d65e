#include "store/scan_delete.h"

#include <catch2/catch.hpp>

#include "support/store_fixture.h"

namespace strongbox::store {
namespace {

struct Fixture : testing::StoreFixture {
  void Put(const std::string& key, const std::string& value) {
    REQUIRE(pipeline
                ->CommitAndWait([&](WriteView& view) {
                  view.Put(ColumnFamily::kEntries, key, value);
                  return core::Status::Ok();
                })
                .ok());
  }
  size_t Count() {
    size_t n = 0;
    auto it = engine->NewIterator(ColumnFamily::kEntries);
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }
};

TEST_CASE("scan-and-delete walks its range in bounded passes and re-checks in the commit",
          "[store]") {
  Fixture f;
  for (int i = 0; i < 10; ++i) f.Put("k" + std::to_string(i), i % 2 == 0 ? "old" : "new");
  f.Put("z-outside", "old");
  std::string cursor;
  ScanDelete pass;
  pass.cf = ColumnFamily::kEntries;
  pass.lower = "k";
  pass.upper = "l";
  pass.cursor = &cursor;
  pass.budget = 3;
  // k6 is rewritten by a request between the scan and the commit: selected from the stale read,
  // kept by the re-check.
  pass.select = [&f](std::string_view key, std::string_view value) {
    if (key == "k6") f.Put("k6", "new");
    return value == "old";
  };
  pass.remove = [](WriteView& view, const std::string& key) -> core::Result<bool> {
    SB_ASSIGN_OR_RETURN(auto value, view.Get(ColumnFamily::kEntries, key));
    if (!value || *value != "old") return false;  // rewritten since the scan: kept
    view.Delete(ColumnFamily::kEntries, key);
    return true;
  };
  // The first pass reads k0 k1 k2 and stops at k3.
  auto first = Fixture::Await(ScanAndDelete(*f.engine, *f.pipeline, pass));
  REQUIRE(first.ok());
  CHECK(*first == 2);  // k0 and k2
  CHECK(cursor == "k3");
  size_t removed = *first;
  int passes = 1;
  while (!cursor.empty()) {
    auto n = Fixture::Await(ScanAndDelete(*f.engine, *f.pipeline, pass));
    REQUIRE(n.ok());
    CHECK(*n <= 3);
    removed += *n;
    ++passes;
  }
  CHECK(passes == 4);   // 10 keys, 3 a pass
  CHECK(removed == 4);  // k0 k2 k4 k8 (k6 was rewritten)
  CHECK(f.engine->Get(ColumnFamily::kEntries, "k6")->value_or("") == "new");
  CHECK(f.Count() == 7);  // five "new", k6, and the key outside the range
  CHECK(f.engine->Get(ColumnFamily::kEntries, "z-outside")->has_value());
}

}  // namespace
}  // namespace strongbox::store
