#pragma once

// CommitPipeline: the single writer of the database (design.md §1).
//
// A handler submits a Mutation: a function that reads what it needs through a WriteView
// (committed state plus the mutations already applied in the batch being built), checks its
// preconditions (etag match, must exist, must not exist, ...) and stages its writes. One
// sequencer thread applies queued mutations strictly in order, each inside a save point so a
// failed precondition leaves nothing behind, groups everything queued into one WriteBatch
// (written with only the last operation on each key: a group's mutations rewrite the same
// count and usage rows), makes one durable write, runs the mutations' OnCommitted hooks, and only
// then completes every waiter. Because evaluation is sequential against committed + staged state,
// compare-and-swap needs no locks and two conflicting mutations can never both succeed.
//
// Durability promise: a mutation completes OK only after its batch is durable at the Engine's
// level (fsynced in `sync`, in the WAL in `wal`), or, with a DurableStep (storage mode
// `postgres`), once that step committed it: the engine is then a cache, written afterwards
// without fsync (durable_step.h). Readers using Engine never see a batch in flight.
//
// With a DurableStep, a group it could not commit because the database is unreachable, or
// whose outcome it cannot know (the connection died during COMMIT), fails with kUnavailable
// (reason STORAGE_UNAVAILABLE) and stops writes as a storage fault does; every
// `recovery_interval` the sequencer asks the step to Recover, which settles the unknown
// outcome: a group that had committed is then written to the engine and its hooks run, so
// in-memory state matches; one that had not is dropped. Its clients were told 503 either way;
// their retry with the same Idempotency-Key gets the right answer.
//
// Storage faults: when the durable write of a group fails (ENOSPC, EIO), or before it when the
// data directory's filesystem has less free space than `min_free_bytes` (so RocksDB still has
// room to flush and compact), the group's mutations fail with kUnavailable (reason STORAGE_FULL
// or STORAGE_ERROR, retryAfterSeconds) and the pipeline stops writing: every mutation queued
// or submitted later fails at once with that status, without touching RocksDB, while reads go
// on. Every `recovery_interval` the sequencer checks the free space again and, once it is back
// above the reserve, reopens the Engine if a write had failed (engine.h says why) and resumes.
// A write that failed as the disk filled was never acknowledged, so nothing acknowledged is
// lost; if the device failed after taking a whole WAL record (a failed fsync), the reopened
// database replays it, and the mutations' OnCommitted hooks then run so in-memory state matches.
//
// Ownership: the composition root owns it; it must be stopped before the Engine closes, and
// before the execution contexts of its waiters are destroyed (completions hold their executors).
// Thread safety: Commit/AsyncCommit/CommitAndWait may be called from any thread. Mutations and
// hooks run on the sequencer thread and must not block on other commits.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/histogram.h"
#include "core/status.h"
#include "store/change_log.h"
#include "store/column_families.h"
#include "store/durable_step.h"
#include "store/engine.h"
#include "store/write_context.h"

namespace rocksdb {
class WriteBatch;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace strongbox::store {

// What a mutation sees and writes while the sequencer applies it.
class WriteView {
 public:
  // Committed state overlaid with this batch's staged writes; nullopt when absent.
  // A Put or Delete the pipeline's DurableStep does not Admit (cluster mode: a partition this
  // node does not own) is staged all the same, and the mutation then fails with that status;
  // a Get it does not AdmitRead answers that status, and the mutation fails with it too.
  core::Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const;
  void Put(ColumnFamily cf, std::string_view key, std::string_view value);
  void Delete(ColumnFamily cf, std::string_view key);
  // Committed state overlaid with this batch's staged writes, over [lower, upper). Stage no
  // writes while it lives (collect, then write).
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, std::string_view lower,
                                        std::string_view upper) const;
  // Bytes staged in the batch being built so far (this mutation's and the earlier ones' of the
  // group): a mutation that may stage a lot compares it before and after (a :commit's limit).
  size_t StagedBytes() const;
  // Runs once the batch holding this mutation is durable, on the sequencer thread, before any
  // waiter completes (e.g. to update an in-memory index). Dropped if the mutation fails.
  void OnCommitted(std::function<void()> hook);
  // "Now" for decisions a mutation takes from the clock (a leaderboard's season): read from
  // `clock` at the first call, then the same instant for every later call while this view
  // lives, so all the operations of one transaction (api.md §8) see one time and land in one
  // season. A view serves one mutation; the next reads the clock again.
  core::Timestamp Now(const core::Clock& clock) const;
  // Reports one operation for the change log (change_log.h, api.md §11): staged by the pipeline
  // with its sequence number once the mutation succeeds, in the same batch; dropped with the
  // mutation if it fails, and ignored when the log is off.
  void RecordChange(Change change) {
    if (recording_) changes_.push_back(std::move(change));
  }
  // Who the records of this mutation name (a request's WriteContext::writer); null: the server.
  void SetWriter(const ChangeWriter* writer) { writer_ = writer; }

 private:
  friend class CommitPipeline;
  WriteView(const Engine* engine, rocksdb::WriteBatchWithIndex* batch,
            const DurableStep* durable = nullptr)
      : engine_(engine), batch_(batch), durable_(durable) {}
  void Admit(ColumnFamily cf, std::string_view key);

  const Engine* engine_;
  rocksdb::WriteBatchWithIndex* batch_;
  const DurableStep* durable_;
  mutable core::Status refused_;                // the first read or write the durable step refused
  mutable std::optional<core::Timestamp> now_;  // Now()'s instant, once read
  std::vector<std::function<void()>> on_committed_;
  bool recording_ = false;  // the pipeline has a change log
  std::vector<Change> changes_;
  const ChangeWriter* writer_ = nullptr;
};

// Reads, checks, stages. A non-OK return rolls back everything it staged.
using Mutation = std::function<core::Status(WriteView&)>;

// One domain write, prepared but not committed: run inside a mutation it reads, checks and
// stages like a Mutation and returns what the single call answers. The services hand these out
// (Stage* methods) so that one commit can run several in order (a transaction, api.md §8):
// each sees what the earlier ones staged, and any failure rolls back all of them. Its
// OnCommitted hooks run as for a single call, once the whole group is durable.
template <class T>
using Staged = std::function<core::Result<T>(WriteView&)>;

class CommitPipeline {
 public:
  struct Options {
    size_t queue_limit = 100'000;  // queued mutations at most; past it kResourceExhausted
    size_t batch_limit = 4096;     // mutations in one durable write at most
    // Staged bytes after which a group stops taking mutations: the rest of what was queued
    // goes to the next durable write, in order. A single larger mutation commits alone.
    uint64_t batch_bytes_limit = 1 << 20;
    uint64_t min_free_bytes = 0;  // free bytes the data directory keeps; 0 = no reserve
    std::chrono::milliseconds recovery_interval{1000};  // between recovery attempts
  };
  struct Stats {
    uint64_t batches = 0;    // durable writes made
    uint64_t mutations = 0;  // mutations evaluated
    size_t queued = 0;       // waiting now
  };
  // Whether writes are being accepted, for /readyz, /metrics and logs.
  struct Health {
    bool writable = true;
    core::Status fault;                  // why writes stop (OK when writable)
    uint64_t faults = 0;                 // times writes have stopped since start
    std::optional<uint64_t> free_bytes;  // at the last check
  };

  // `durable` (may be null: the engine is the truth) and `changes` (may be null: no change
  // log) outlive the pipeline.
  CommitPipeline(Engine* engine, Options options, DurableStep* durable = nullptr,
                 const ChangeLog* changes = nullptr);
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
          boost::asio::any_io_executor executor = boost::asio::get_associated_executor(handler);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          Enqueue(std::move(m), Completion{std::move(executor), [shared](core::Status s) {
                                             std::move (*shared)(std::move(s));
                                           }});
        },
        token, std::move(mutation));
  }

  boost::asio::awaitable<core::Status> Commit(Mutation mutation) {
    return AsyncCommit(std::move(mutation), boost::asio::use_awaitable);
  }

  // The typed form most domain writes use: `mutation` reads, checks and stages, and returns
  // what the caller answers with; `context` adds the request's lock guard (checked before
  // `mutation` runs) and its Idempotency-Key record (staged after it, with its result). The
  // result is moved out once the batch is durable; any failure is returned as is.
  template <class T>
  boost::asio::awaitable<core::Result<T>> Commit(
      std::function<core::Result<T>(WriteView&)> mutation, WriteContext<T> context = {}) {
    // Lives in this coroutine's frame, which outlives the commit: the sequencer writes it before
    // the completion is posted, this coroutine reads it after.
    std::optional<T> result;
    Mutation typed = [&](WriteView& view) -> core::Status {
      view.SetWriter(context.writer.get());
      if (context.check) SB_RETURN_IF_ERROR(context.check(view));
      core::Result<T> value = mutation(view);
      if (!value.ok()) return value.status();
      if (context.record) context.record(view, *value);
      result = std::move(value).value();
      return core::Status::Ok();
    };
    // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
    core::Status s = co_await Commit(std::move(typed));
    if (!s.ok()) co_return s;
    co_return std::move(*result);
  }

  // For readers of in-memory state that OnCommitted hooks keep (the rank index): runs `read`
  // (which must only read, and may run more than once) until no group's hooks ran while it
  // did, so it never sees a group half applied — e.g. one side of a transaction's two
  // leaderboard writes (api.md §8). Hooks are in-memory and short, so a retry is rare; a read
  // that keeps overlapping them runs once under the lock the hooks take. Never call it from a
  // hook or a mutation (the sequencer thread).
  template <class Read>
  auto ReadSettled(Read&& read) const {
    for (unsigned attempt = 0; attempt < 32; ++attempt) {
      const uint64_t before = hooks_epoch_.load(std::memory_order_acquire);
      if ((before & 1) == 0) {
        auto result = read();
        if (hooks_epoch_.load(std::memory_order_acquire) == before) return result;
      }
      std::this_thread::yield();
    }
    // Groups keep overlapping this read (back-to-back commits, a long page): read once while
    // no group's hooks can run. Rare, and short, so the sequencer waits little.
    std::shared_lock<std::shared_mutex> settled(hooks_mu_);
    return read();
  }

  // What ReadSettled watches: odd while a group's hooks run, two more after each group that has
  // hooks. For a reader that pairs hook-kept state with a later engine read (the rank index
  // and the entries' records): the engine shows a group's writes a moment before its hooks run
  // — longer if the sequencer is descheduled in between — so such a reader that finds the
  // engine ahead waits for the epoch to move (AwaitHooksAfter) and reads again.
  uint64_t hooks_epoch() const { return hooks_epoch_.load(std::memory_order_acquire); }
  // Blocks the calling thread until hooks_epoch() differs from `epoch` (true) or until
  // `deadline` (false): yields first, then sleeps in 50 µs steps. Answers at once while writes
  // are stopped (a storage fault): no hooks run until recovery, so waiting would gain nothing.
  // Never call it from a hook or a mutation (the sequencer thread would wait for itself).
  bool AwaitHooksAfter(uint64_t epoch, std::chrono::steady_clock::time_point deadline) const;

  // A staged write (a service's Stage* method) committed alone, with the request's context;
  // the staging's own error (a bad argument) is returned as is, nothing committed.
  template <class T>
  boost::asio::awaitable<core::Result<T>> CommitStaged(core::Result<Staged<T>> staged,
                                                       WriteContext<T> context = {}) {
    if (!staged.ok()) co_return staged.status();
    // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
    auto result = co_await Commit<T>(std::move(staged).value(), std::move(context));
    co_return result;
  }

  // Blocking form for code that is not a coroutine (tools, tests).
  core::Status CommitAndWait(Mutation mutation);

  Stats stats() const;
  Health health() const;
  // Mutations per durable write, and the seconds each durable write (WAL write + fsync) took.
  const core::Histogram& group_sizes() const { return group_sizes_; }
  const core::Histogram& write_seconds() const { return write_seconds_; }

 private:
  // How a mutation's Status reaches its waiter: `run` on `executor` (the waiter's), or on the
  // sequencer thread when `executor` is empty (CommitAndWait). A group's completions are posted
  // one handler per executor, each running its share in group order: a post may wake an IO
  // thread with a system call, so one per IO thread per group rather than one per mutation.
  struct Completion {
    boost::asio::any_io_executor executor;
    std::function<void(core::Status)> run;
  };
  // Runs `done` with `status` as above, at once (a rejection, a fault).
  static void Deliver(Completion done, core::Status status);
  struct Pending {
    Mutation mutation;
    Completion done;
  };

  void Enqueue(Mutation mutation, Completion done);
  void RunSequencer();
  // Runs a group's completions as above; `results[i]` answers `group[i]`.
  static void DeliverGroup(std::vector<Pending>& group, std::vector<core::Status>& results);
  void CommitGroup(std::vector<Pending>& group);
  // Sequencer thread only. kUnavailable STORAGE_FULL when the free space is below the reserve
  // (checked at most every few ms or after a share of the reserve has been written).
  core::Status CheckFreeSpace(size_t bytes_to_write);
  void EnterFault(core::Status fault, std::vector<std::function<void()>> unapplied_hooks);
  void TryRecover();
  // The durable step of a group with a DurableStep; returns the status for the group's
  // successful mutations (OK when committed). Runs or keeps `hooks` as the outcome says.
  core::Status CommitDurably(rocksdb::WriteBatch* batch, std::vector<std::function<void()>>& hooks);
  bool RecoverDurableStep(const std::function<void(const std::string&)>& log_still_stopped);
  uint64_t ResumeThreshold() const;  // free bytes needed before writes resume
  void FailAll(std::deque<Pending>& pending, const core::Status& status);
  // Sequencer thread only: runs a group's hooks, with hooks_epoch_ odd while they run.
  void RunHooks(std::vector<std::function<void()>>& hooks);

  Engine* engine_;
  const Options options_;
  DurableStep* durable_;
  const ChangeLog* changes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;           // guarded by mu_
  bool stopping_ = false;               // guarded by mu_
  uint64_t batches_ = 0;                // guarded by mu_
  uint64_t mutations_ = 0;              // guarded by mu_
  core::Status fault_;                  // guarded by mu_; not OK while writes are stopped
  uint64_t faults_ = 0;                 // guarded by mu_
  std::optional<uint64_t> free_bytes_;  // guarded by mu_; the last reading
  // Sequencer thread only: the free-space probe's pacing, and what a failed write left.
  std::chrono::steady_clock::time_point next_space_check_{};
  uint64_t bytes_since_space_check_ = 0;
  uint64_t sequence_before_fault_ = 0;
  std::vector<std::function<void()>> unapplied_hooks_;
  // With a DurableStep: the batch of a group whose outcome is unknown, until Recover settles it.
  std::unique_ptr<rocksdb::WriteBatch> unresolved_;
  // With a DurableStep: a committed group the engine failed to take, written again on recovery.
  std::unique_ptr<rocksdb::WriteBatch> unwritten_;
  std::chrono::steady_clock::time_point next_recovery_log_{};
  core::Histogram group_sizes_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}};
  core::Histogram write_seconds_{core::Histogram::LatencyBuckets()};
  // Odd while a group's hooks run (ReadSettled); only the sequencer moves it.
  std::atomic<uint64_t> hooks_epoch_{0};
  // Held by the sequencer while a group's hooks run; ReadSettled's fallback reads under it.
  mutable std::shared_mutex hooks_mu_;
  std::thread sequencer_;
};

}  // namespace strongbox::store
