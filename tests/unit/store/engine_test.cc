#include "store/engine.h"

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "store/commit_pipeline.h"
#include "store/rocks_status.h"
#include "support/temp_dir.h"

namespace strongbox::store {
namespace {

Engine::Options SmallOptions(const std::string& path) {
  Engine::Options o;
  o.path = path;
  o.write_buffer_size = 64 * 1024;  // flush often, so flush and SST read paths run
  return o;
}

TEST_CASE("engine opens every column family and keeps data across reopen", "[store]") {
  testing::TempDir dir;
  {
    auto engine = Engine::Open(SmallOptions(dir.path()));
    REQUIRE(engine.ok());
    CommitPipeline pipeline(engine->get(), {});
    for (size_t i = 0; i < static_cast<size_t>(ColumnFamily::kCount); ++i) {
      auto cf = static_cast<ColumnFamily>(i);
      REQUIRE((*engine)->handle(cf) != nullptr);
      REQUIRE(pipeline
                  .CommitAndWait([cf](WriteView& v) {
                    v.Put(cf, "key", std::string(ColumnFamilyName(cf)));
                    return core::Status::Ok();
                  })
                  .ok());
    }
    // Enough data to force memtable flushes into SST files.
    REQUIRE(pipeline
                .CommitAndWait([](WriteView& v) {
                  for (int i = 0; i < 2000; ++i) {
                    v.Put(ColumnFamily::kEntries, "bulk" + std::to_string(i),
                          std::string(100, 'x'));
                  }
                  return core::Status::Ok();
                })
                .ok());
    pipeline.Stop();
    REQUIRE((*engine)->Close().ok());
  }
  auto engine = Engine::Open(SmallOptions(dir.path()));
  REQUIRE(engine.ok());
  for (size_t i = 0; i < static_cast<size_t>(ColumnFamily::kCount); ++i) {
    auto cf = static_cast<ColumnFamily>(i);
    auto v = (*engine)->Get(cf, "key");
    REQUIRE(v.ok());
    REQUIRE(v->has_value());
    CHECK(**v == ColumnFamilyName(cf));  // each family keeps its own data
  }
  CHECK((*engine)->Get(ColumnFamily::kEntries, "bulk1999")->has_value());
  CHECK_FALSE((*engine)->Get(ColumnFamily::kEntries, "absent")->has_value());
}

TEST_CASE("bounded iterators scan exactly their range both ways", "[store]") {
  testing::TempDir dir;
  auto engine = Engine::Open(SmallOptions(dir.path()));
  REQUIRE(engine.ok());
  CommitPipeline pipeline(engine->get(), {});
  REQUIRE(pipeline
              .CommitAndWait([](WriteView& v) {
                for (const char* k : {"a", "b1", "b2", "b3", "c"}) {
                  v.Put(ColumnFamily::kCatalog, k, k);
                }
                return core::Status::Ok();
              })
              .ok());
  auto it = (*engine)->NewIterator(ColumnFamily::kCatalog, "b", "c");
  std::vector<std::string> forward, backward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) forward.emplace_back(it->key());
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward.emplace_back(it->key());
  CHECK(forward == std::vector<std::string>{"b1", "b2", "b3"});
  CHECK(backward == std::vector<std::string>{"b3", "b2", "b1"});
  CHECK(it->status().ok());
}

TEST_CASE("a read snapshot sees one instant: later writes stay out of its gets and iterators",
          "[store]") {
  testing::TempDir dir;
  auto engine = Engine::Open(SmallOptions(dir.path()));
  REQUIRE(engine.ok());
  CommitPipeline pipeline(engine->get(), {});
  auto write = [&pipeline](std::vector<std::pair<std::string, std::string>> puts,
                           std::vector<std::string> deletes) {
    REQUIRE(pipeline
                .CommitAndWait([&](WriteView& v) {
                  for (const auto& [k, value] : puts) v.Put(ColumnFamily::kQueues, k, value);
                  for (const auto& k : deletes) v.Delete(ColumnFamily::kQueues, k);
                  return core::Status::Ok();
                })
                .ok());
  };
  write({{"count", "2"}, {"i1", "a"}, {"i2", "b"}}, {});
  auto snapshot = (*engine)->Snapshot();
  write({{"count", "3"}, {"i3", "c"}}, {"i1"});
  // The engine sees the latest state...
  CHECK(**(*engine)->Get(ColumnFamily::kQueues, "count") == "3");
  // ...the snapshot the state when it was taken, for gets and for iterators made after the
  // write alike.
  CHECK(**snapshot->Get(ColumnFamily::kQueues, "count") == "2");
  CHECK(**snapshot->Get(ColumnFamily::kQueues, "i1") == "a");
  CHECK_FALSE(snapshot->Get(ColumnFamily::kQueues, "i3")->has_value());
  std::vector<std::string> keys;
  {
    auto it = snapshot->NewIterator(ColumnFamily::kQueues, "i", "j");
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
    CHECK(it->status().ok());
  }
  CHECK(keys == std::vector<std::string>{"i1", "i2"});
  snapshot.reset();
  CHECK(**(*engine)->Snapshot()->Get(ColumnFamily::kQueues, "count") == "3");
}

TEST_CASE("opening a path that cannot hold a database fails cleanly", "[store]") {
  testing::TempDir dir;
  std::ofstream(dir.Child("file")) << "not a directory";
  Engine::Options o = SmallOptions(dir.Child("file"));
  auto engine = Engine::Open(o);
  CHECK_FALSE(engine.ok());
}

TEST_CASE("rocksdb statuses map to core statuses", "[store]") {
  CHECK(ToStatus(rocksdb::Status::OK()).ok());
  CHECK(ToStatus(rocksdb::Status::NotFound()).code() == core::StatusCode::kNotFound);
  CHECK(ToStatus(rocksdb::Status::Busy()).code() == core::StatusCode::kUnavailable);
  CHECK(ToStatus(rocksdb::Status::Corruption("bad block")).code() == core::StatusCode::kInternal);
  // A failing or full disk is a 503 the client may retry, with the reason (issue #13).
  CHECK(ToStatus(rocksdb::Status::IOError("disk")).code() == core::StatusCode::kUnavailable);
  CHECK(ToStatus(rocksdb::Status::IOError("disk")).reason() == "STORAGE_ERROR");
  CHECK(ToStatus(rocksdb::Status::NoSpace("full")).reason() == "STORAGE_FULL");
  CHECK(ToStatus(rocksdb::Status::NoSpace("full")).message().find("full") != std::string::npos);
  CHECK(ToStatus(rocksdb::Status::IOError("/secret/path")).message().find("/secret") ==
        std::string::npos);
}

}  // namespace
}  // namespace strongbox::store
