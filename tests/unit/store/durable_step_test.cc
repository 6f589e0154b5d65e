// The CommitPipeline's handling of a DurableStep (storage mode postgres) by outcome: what the
// waiters are told, what reaches the local engine, when hooks run, and how an unknown outcome
// is settled. The step here is scripted (the real one, PostgresCommit, is exercised against a
// real PostgreSQL by tests/integration/postgres_storage_test.cc).

#include <rocksdb/write_batch.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <deque>
#include <future>
#include <mutex>

#include "store/commit_pipeline.h"
#include "support/temp_dir.h"

namespace strongbox::store {
namespace {

using core::Status;
using Outcome = DurableStep::Outcome;

class ScriptedStep final : public DurableStep {
 public:
  Result Commit(const rocksdb::WriteBatch& batch, rocksdb::WriteBatch*) override {
    std::lock_guard<std::mutex> lock(mu);
    ++commits;
    last_count = batch.Count();
    if (outcomes.empty()) return {Outcome::kCommitted, {}};
    Result r = outcomes.front();
    outcomes.pop_front();
    return r;
  }
  // Refuses writes of keys starting with "foreign" (a partition this node does not own).
  Status Admit(ColumnFamily, std::string_view key) const override {
    if (key.substr(0, 7) == "foreign")
      return Status::Unavailable("not mine").WithReason("PARTITION_MOVING");
    return Status::Ok();
  }
  Status AdmitRead(ColumnFamily cf, std::string_view key) const override { return Admit(cf, key); }
  Status Recover(rocksdb::WriteBatch*, bool* unknown_committed) override {
    std::lock_guard<std::mutex> lock(mu);
    ++recoveries;
    if (!recovered.ok()) return recovered;
    *unknown_committed = settle_committed;
    return Status::Ok();
  }

  std::mutex mu;
  std::deque<Result> outcomes;
  Status recovered;  // what Recover answers (OK: writes may resume)
  bool settle_committed = false;
  int commits = 0;
  int recoveries = 0;
  uint32_t last_count = 0;
};

Status Unavailable() {
  return Status::Unavailable("down")
      .WithReason("STORAGE_UNAVAILABLE")
      .WithMetadata("retryAfterSeconds", "1");
}

struct Fixture {
  Fixture() {
    Engine::Options o;
    o.path = dir.path();
    o.sync_writes = false;
    auto opened = Engine::Open(o);
    REQUIRE(opened.ok());
    engine = std::move(opened).value();
    CommitPipeline::Options options;
    options.recovery_interval = std::chrono::milliseconds(10);
    pipeline = std::make_unique<CommitPipeline>(engine.get(), options, &step);
  }
  ~Fixture() { pipeline->Stop(); }

  // Puts `key` and counts its hook runs in `hooks`.
  Status Put(const std::string& key, std::atomic<int>* hooks) {
    return pipeline->CommitAndWait([key, hooks](WriteView& view) {
      view.Put(ColumnFamily::kEntries, key, "v");
      view.OnCommitted([hooks] { ++*hooks; });
      return Status::Ok();
    });
  }
  bool Stored(const std::string& key) {
    auto v = engine->Get(ColumnFamily::kEntries, key);
    return v.ok() && v->has_value();
  }
  void WaitWritable() {
    for (int i = 0; i < 500 && !pipeline->health().writable; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(pipeline->health().writable);
  }

  testing::TempDir dir;
  ScriptedStep step;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<CommitPipeline> pipeline;
};

TEST_CASE("a committed group reaches the cache and runs its hooks", "[store][durable]") {
  Fixture f;
  std::atomic<int> hooks{0};
  CHECK(f.Put("a", &hooks).ok());
  CHECK(f.Stored("a"));
  CHECK(hooks == 1);
  CHECK(f.step.last_count == 1);
}

TEST_CASE("a rejected group fails alone and writes go on", "[store][durable]") {
  Fixture f;
  f.step.outcomes.push_back({Outcome::kRejected, Status::Internal("bad row")});
  std::atomic<int> hooks{0};
  CHECK(f.Put("a", &hooks).code() == core::StatusCode::kInternal);
  CHECK_FALSE(f.Stored("a"));
  CHECK(hooks == 0);
  CHECK(f.pipeline->health().writable);
  CHECK(f.Put("b", &hooks).ok());
  CHECK(f.Stored("b"));
}

TEST_CASE("a write the step does not admit fails that mutation alone, not its group",
          "[store][durable]") {
  Fixture f;
  std::atomic<int> hooks{0};
  // Queued together: the refused one must not take the others' group down with it.
  std::vector<std::future<Status>> results;
  for (const char* key : {"mine-1", "foreign-1", "mine-2"}) {
    results.push_back(
        std::async(std::launch::async, [&f, &hooks, key] { return f.Put(key, &hooks); }));
  }
  CHECK(results[0].get().ok());
  const Status refused = results[1].get();
  CHECK(refused.code() == core::StatusCode::kUnavailable);
  CHECK(refused.reason() == "PARTITION_MOVING");
  CHECK(results[2].get().ok());
  CHECK(f.Stored("mine-1"));
  CHECK(f.Stored("mine-2"));
  CHECK_FALSE(f.Stored("foreign-1"));
  CHECK(hooks == 2);
  CHECK(f.pipeline->health().writable);
}

TEST_CASE("a read the step does not admit fails its mutation, whatever the mutation answers",
          "[store][durable]") {
  Fixture f;
  // A mutation that reads a key of a partition this node no longer owns and would answer "not
  // found" from a half-deleted cache: it must fail with the step's status instead.
  Status s = f.pipeline->CommitAndWait([](WriteView& view) {
    auto got = view.Get(ColumnFamily::kEntries, "foreign-2");
    if (got.ok() && !got->has_value()) return Status::NotFound("Entry not found.");
    return Status::NotFound("swallowed: " + got.status().message());
  });
  CHECK(s.code() == core::StatusCode::kUnavailable);
  CHECK(s.reason() == "PARTITION_MOVING");
  std::atomic<int> hooks{0};
  CHECK(f.Put("mine-3", &hooks).ok());  // reads of admitted partitions go on
}

TEST_CASE("an unreachable store stops writes until Recover succeeds", "[store][durable]") {
  Fixture f;
  f.step.recovered = Unavailable();
  f.step.outcomes.push_back({Outcome::kNotCommitted, Unavailable()});
  std::atomic<int> hooks{0};
  CHECK(f.Put("a", &hooks).reason() == "STORAGE_UNAVAILABLE");
  CHECK_FALSE(f.pipeline->health().writable);
  // Refused at once while stopped, without reaching the step.
  const int commits = f.step.commits;
  CHECK(f.Put("b", &hooks).reason() == "STORAGE_UNAVAILABLE");
  CHECK(f.step.commits == commits);
  {
    std::lock_guard<std::mutex> lock(f.step.mu);
    f.step.recovered = Status::Ok();
  }
  f.WaitWritable();
  CHECK(f.Put("c", &hooks).ok());
  CHECK_FALSE(f.Stored("a"));
  CHECK(f.Stored("c"));
  CHECK(hooks == 1);
}

TEST_CASE("an unknown outcome that had committed is applied, hooks and all, on recovery",
          "[store][durable]") {
  Fixture f;
  f.step.settle_committed = true;
  f.step.outcomes.push_back({Outcome::kUnknown, Unavailable()});
  std::atomic<int> hooks{0};
  CHECK(f.Put("a", &hooks).code() == core::StatusCode::kUnavailable);  // the client was told 503
  f.WaitWritable();
  CHECK(f.Stored("a"));  // but it had committed: the cache and memory follow the database
  CHECK(hooks == 1);
}

TEST_CASE("an unknown outcome that had not committed is dropped", "[store][durable]") {
  Fixture f;
  f.step.settle_committed = false;
  f.step.outcomes.push_back({Outcome::kUnknown, Unavailable()});
  std::atomic<int> hooks{0};
  CHECK(f.Put("a", &hooks).code() == core::StatusCode::kUnavailable);
  f.WaitWritable();
  CHECK_FALSE(f.Stored("a"));
  CHECK(hooks == 0);
  CHECK(f.Put("b", &hooks).ok());
  CHECK(hooks == 1);
}

TEST_CASE("a fenced group stops writes for as long as Recover refuses", "[store][durable]") {
  Fixture f;
  const Status lost = Status::Unavailable("partition 3 is owned by node b")
                          .WithReason("PARTITION_LOST")
                          .WithMetadata("retryAfterSeconds", "5");
  f.step.recovered = lost;
  f.step.outcomes.push_back({Outcome::kFenced, lost});
  std::atomic<int> hooks{0};
  CHECK(f.Put("a", &hooks).reason() == "PARTITION_LOST");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(f.pipeline->health().writable);
  CHECK(f.pipeline->health().fault.reason() == "PARTITION_LOST");
  CHECK(f.Put("b", &hooks).reason() == "PARTITION_LOST");
  CHECK(hooks == 0);
}

}  // namespace
}  // namespace strongbox::store
