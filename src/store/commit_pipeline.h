#pragma once

// CommitPipeline: the single writer of the database (design.md §1).
//
// A handler submits a Mutation: a function that reads what it needs through a WriteView
// (committed state plus the mutations already applied in the batch being built), checks its
// preconditions (etag match, must exist, must not exist, ...) and stages its writes. One
// sequencer thread applies queued mutations strictly in order, each inside a save point so a
// failed precondition leaves nothing behind, groups everything queued into one WriteBatch,
// makes one durable write, runs the mutations' OnCommitted hooks, and only then completes every
// waiter. Because evaluation is sequential against committed + staged state, compare-and-swap
// needs no locks and two conflicting mutations can never both succeed.
//
// Durability promise: a mutation completes OK only after its batch is durable at the Engine's
// level (fsynced in `sync`, in the WAL in `wal`). Readers using Engine never see a batch in
// flight.
//
// Ownership: the composition root owns it; it must be stopped before the Engine closes, and
// before the execution contexts of its waiters are destroyed (completions hold their executors).
// Thread safety: Commit/AsyncCommit/CommitAndWait may be called from any thread. Mutations and
// hooks run on the sequencer thread and must not block on other commits.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/histogram.h"
#include "core/status.h"
#include "store/column_families.h"
#include "store/engine.h"

namespace rocksdb {
class WriteBatchWithIndex;
}

namespace strongbox::store {

// What a mutation sees and writes while the sequencer applies it.
class WriteView {
 public:
  // Committed state overlaid with this batch's staged writes; nullopt when absent.
  core::Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const;
  void Put(ColumnFamily cf, std::string_view key, std::string_view value);
  void Delete(ColumnFamily cf, std::string_view key);
  // Committed state overlaid with this batch's staged writes, over [lower, upper). Stage no
  // writes while it lives (collect, then write).
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, std::string_view lower,
                                        std::string_view upper) const;
  // Runs once the batch holding this mutation is durable, on the sequencer thread, before any
  // waiter completes (e.g. to update an in-memory index). Dropped if the mutation fails.
  void OnCommitted(std::function<void()> hook);

 private:
  friend class CommitPipeline;
  WriteView(const Engine* engine, rocksdb::WriteBatchWithIndex* batch)
      : engine_(engine), batch_(batch) {}

  const Engine* engine_;
  rocksdb::WriteBatchWithIndex* batch_;
  std::vector<std::function<void()>> on_committed_;
};

// Reads, checks, stages. A non-OK return rolls back everything it staged.
using Mutation = std::function<core::Status(WriteView&)>;

class CommitPipeline {
 public:
  struct Options {
    size_t queue_limit = 100'000;  // queued mutations at most; past it kResourceExhausted
    size_t batch_limit = 4096;     // mutations in one durable write at most
  };
  struct Stats {
    uint64_t batches = 0;    // durable writes made
    uint64_t mutations = 0;  // mutations evaluated
    size_t queued = 0;       // waiting now
  };

  CommitPipeline(Engine* engine, Options options);
  ~CommitPipeline();
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  // Commits everything already queued, then rejects new mutations with kUnavailable and joins
  // the sequencer. Idempotent.
  void Stop();

  // Completes (on the token's associated executor) with the mutation's Status once durable,
  // or at once with kResourceExhausted (queue full) or kUnavailable (stopped).
  template <class Token>
  auto AsyncCommit(Mutation mutation, Token&& token) {
    return boost::asio::async_initiate<Token, void(core::Status)>(
        [this](auto handler, Mutation m) {
          auto executor = boost::asio::get_associated_executor(handler);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          Enqueue(std::move(m), [executor, shared](core::Status s) {
            boost::asio::post(executor, [shared, s = std::move(s)]() mutable {
              std::move (*shared)(std::move(s));
            });
          });
        },
        token, std::move(mutation));
  }

  boost::asio::awaitable<core::Status> Commit(Mutation mutation) {
    return AsyncCommit(std::move(mutation), boost::asio::use_awaitable);
  }

  // Blocking form for code that is not a coroutine (tools, tests).
  core::Status CommitAndWait(Mutation mutation);

  Stats stats() const;
  // Mutations per durable write, and the seconds each durable write (WAL write + fsync) took.
  const core::Histogram& group_sizes() const { return group_sizes_; }
  const core::Histogram& write_seconds() const { return write_seconds_; }

 private:
  using Completion = std::function<void(core::Status)>;
  struct Pending {
    Mutation mutation;
    Completion done;
  };

  void Enqueue(Mutation mutation, Completion done);
  void RunSequencer();
  void CommitGroup(std::vector<Pending>& group);

  Engine* engine_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  uint64_t batches_ = 0;       // guarded by mu_
  uint64_t mutations_ = 0;     // guarded by mu_
  core::Histogram group_sizes_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}};
  core::Histogram write_seconds_{core::Histogram::LatencyBuckets()};
  std::thread sequencer_;
};

}  // namespace strongbox::store
