#include "store/commit_pipeline.h"

#include <rocksdb/comparator.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>

#include "store/rocks_status.h"

namespace strongbox::store {

core::Result<std::optional<std::string>> WriteView::Get(ColumnFamily cf,
                                                        std::string_view key) const {
  if (durable_ != nullptr) {
    // A partition this node no longer owns: its cache may be half deleted, so no answer (not
    // even "not found") may come from it.
    if (core::Status admitted = durable_->AdmitRead(cf, key); !admitted.ok()) {
      if (refused_.ok()) refused_ = admitted;
      return admitted;
    }
  }
  std::string value;
  rocksdb::Status s =
      batch_->GetFromBatchAndDB(engine_->db(), rocksdb::ReadOptions(), engine_->handle(cf),
                                rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return ToStatus(s);
  return std::optional<std::string>(std::move(value));
}

void WriteView::Admit(ColumnFamily cf, std::string_view key) {
  if (durable_ != nullptr && refused_.ok()) refused_ = durable_->Admit(cf, key);
}

void WriteView::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  Admit(cf, key);
  (void)batch_->Put(engine_->handle(cf), rocksdb::Slice(key.data(), key.size()),
                    rocksdb::Slice(value.data(), value.size()));
}

std::unique_ptr<Iterator> WriteView::NewIterator(ColumnFamily cf, std::string_view lower,
                                                 std::string_view upper) const {
  return engine_->NewIteratorOverBatch(batch_, cf, lower, upper);
}

void WriteView::Delete(ColumnFamily cf, std::string_view key) {
  Admit(cf, key);
  (void)batch_->Delete(engine_->handle(cf), rocksdb::Slice(key.data(), key.size()));
}

void CommitPipeline::RunHooks(std::vector<std::function<void()>>& hooks) {
  if (hooks.empty()) return;
  // Odd while they run: ReadSettled retries a read that overlapped them, or reads under the lock.
  std::unique_lock<std::shared_mutex> lock(hooks_mu_);
  hooks_epoch_.fetch_add(1, std::memory_order_acq_rel);
  for (auto& hook : hooks) hook();
  hooks_epoch_.fetch_add(1, std::memory_order_release);
}

bool CommitPipeline::AwaitHooksAfter(uint64_t epoch,
                                     std::chrono::steady_clock::time_point deadline) const {
  // Writes stopped: no group commits, so no hooks run until recovery (which runs none).
  if (!health().writable) return hooks_epoch() != epoch;
  for (unsigned spins = 0;; ++spins) {
    if (hooks_epoch() != epoch) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // The hooks follow the write within microseconds unless the sequencer lost its core.
    if (spins < 64) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
}

size_t WriteView::StagedBytes() const { return batch_->GetWriteBatch()->GetDataSize(); }

void WriteView::OnCommitted(std::function<void()> hook) {
  on_committed_.push_back(std::move(hook));
}

core::Timestamp WriteView::Now(const core::Clock& clock) const {
  if (!now_) now_ = clock.Now();
  return *now_;
}

CommitPipeline::CommitPipeline(Engine* engine, Options options, DurableStep* durable,
                               const ChangeLog* changes)
    : engine_(engine), options_(options), durable_(durable), changes_(changes) {
  sequencer_ = std::thread([this] { RunSequencer(); });
}

CommitPipeline::~CommitPipeline() { Stop(); }

void CommitPipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !sequencer_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (sequencer_.joinable()) sequencer_.join();
}

void CommitPipeline::Enqueue(Mutation mutation, Completion done) {
  core::Status rejected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      rejected = core::Status::Unavailable("The server is shutting down.");
    } else if (!fault_.ok()) {
      rejected = fault_;  // writes are stopped (storage fault): refused at once
    } else if (queue_.size() >= options_.queue_limit) {
      rejected = core::Status::ResourceExhausted("Too many writes are waiting to commit.")
                     .WithReason("LIMIT_EXCEEDED")
                     .WithMetadata("limit", "commit_queue_limit")
                     .WithMetadata("value", std::to_string(options_.queue_limit))
                     .WithMetadata("retryAfterSeconds", "1");
    } else {
      queue_.push_back(Pending{std::move(mutation), std::move(done)});
    }
  }
  if (!rejected.ok()) {
    Deliver(std::move(done), std::move(rejected));
    return;
  }
  cv_.notify_one();
}

core::Status CommitPipeline::CommitAndWait(Mutation mutation) {
  auto promise = std::make_shared<std::promise<core::Status>>();
  auto future = promise->get_future();
  Enqueue(std::move(mutation),
          Completion{{}, [promise](core::Status s) { promise->set_value(std::move(s)); }});
  return future.get();
}

CommitPipeline::Stats CommitPipeline::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{batches_, mutations_, queue_.size()};
}

CommitPipeline::Health CommitPipeline::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Health{fault_.ok(), fault_, faults_, free_bytes_};
}

void CommitPipeline::RunSequencer() {
  std::vector<Pending> group;
  for (;;) {
    std::deque<Pending> rejected;
    core::Status fault;
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto ready = [this] { return stopping_ || !queue_.empty(); };
      if (fault_.ok()) {
        cv_.wait(lock, ready);
      } else {
        cv_.wait_for(lock, options_.recovery_interval, ready);  // then try to recover
      }
      fault = fault_;
      stopping = stopping_;
      if (!fault.ok()) {
        rejected.swap(queue_);  // queued before the fault: refused like everything after it
      } else if (queue_.empty()) {
        if (stopping) return;  // everything queued has committed
        continue;
      } else {
        // Everything that queued while the previous write was on disk goes into this one.
        while (!queue_.empty() && group.size() < options_.batch_limit) {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    if (!fault.ok()) {
      FailAll(rejected, fault);
      if (stopping) return;
      TryRecover();
      continue;
    }
    CommitGroup(group);
    group.clear();
  }
}

void CommitPipeline::FailAll(std::deque<Pending>& pending, const core::Status& status) {
  for (auto& p : pending) {
    p.mutation = nullptr;
    Deliver(std::move(p.done), status);
  }
  pending.clear();
}

void CommitPipeline::Deliver(Completion done, core::Status status) {
  if (!done.executor) {
    done.run(std::move(status));
    return;
  }
  boost::asio::post(done.executor, [run = std::move(done.run), s = std::move(status)]() mutable {
    run(std::move(s));
  });
}

void CommitPipeline::DeliverGroup(std::vector<Pending>& group, std::vector<core::Status>& results) {
  using Run = std::pair<std::function<void(core::Status)>, core::Status>;
  std::vector<std::pair<boost::asio::any_io_executor, std::vector<Run>>> by_executor;
  for (size_t i = 0; i < group.size(); ++i) {
    // Dropped as soon as it is handed on: a completion holds its waiter's executor, which must
    // not outlive the waiter's execution context.
    Completion done = std::move(group[i].done);
    group[i].mutation = nullptr;
    if (!done.executor) {
      done.run(std::move(results[i]));
      continue;
    }
    auto share = std::find_if(by_executor.begin(), by_executor.end(),
                              [&](const auto& e) { return e.first == done.executor; });
    if (share == by_executor.end()) {
      by_executor.emplace_back(std::move(done.executor), std::vector<Run>());
      share = std::prev(by_executor.end());
    }
    share->second.emplace_back(std::move(done.run), std::move(results[i]));
  }
  for (auto& [executor, runs] : by_executor) {
    boost::asio::post(executor, [runs = std::move(runs)]() mutable {
      for (auto& [run, status] : runs) run(std::move(status));
    });
  }
}

namespace {

// Below this much free space recovery is not tried even without a configured reserve: it
// writes the memtables out, a new WAL, a MANIFEST and an OPTIONS file.
constexpr uint64_t kMinFreeBytesToReopen = 16ull << 20;

// The group's batch with only the last operation on each key, in key order per column family.
// Mutations of a group rewrite the same rows again and again (an item count, a universe's
// memory-store usage, a queue's read state): every record of a WriteBatch is a memtable insert
// and WAL bytes, and for a DurableStep a statement, so they go out once. The index of a
// WriteBatchWithIndex built with overwrite_key holds exactly that last operation per key.
// nullopt when nothing repeats (the batch is written as it is) or a record is of a kind only
// the batch itself can carry.
std::optional<rocksdb::WriteBatch> Coalesced(const Engine& engine,
                                             rocksdb::WriteBatchWithIndex& batch) {
  rocksdb::WriteBatch out;
  uint32_t keys = 0;
  for (size_t i = 0; i < static_cast<size_t>(ColumnFamily::kCount); ++i) {
    rocksdb::ColumnFamilyHandle* handle = engine.handle(static_cast<ColumnFamily>(i));
    if (handle == nullptr) continue;
    std::unique_ptr<rocksdb::WBWIIterator> it(batch.NewIterator(handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::WriteEntry entry = it->Entry();
      if (entry.type == rocksdb::kPutRecord) {
        (void)out.Put(handle, entry.key, entry.value);
      } else if (entry.type == rocksdb::kDeleteRecord) {
        (void)out.Delete(handle, entry.key);
      } else {
        return std::nullopt;
      }
      ++keys;
    }
  }
  if (keys == batch.GetWriteBatch()->Count()) return std::nullopt;
  return out;
}

core::Status BelowReserve(uint64_t free_bytes, uint64_t reserve) {
  return core::Status::Unavailable(
             "Storage is nearly full: " + std::to_string(free_bytes) +
             " bytes free on the data directory's disk, below the reserve of " +
             std::to_string(reserve) +
             " (config storage_min_free_bytes). Writes are refused until space is freed; reads "
             "still work.")
      .WithReason("STORAGE_FULL")
      .WithMetadata("retryAfterSeconds", "5");
}

}  // namespace

core::Status CommitPipeline::CheckFreeSpace(size_t bytes_to_write) {
  if (options_.min_free_bytes == 0) return core::Status::Ok();
  const auto now = std::chrono::steady_clock::now();
  bytes_since_space_check_ += bytes_to_write;
  // statvfs costs a system call: ask every few milliseconds, or sooner once a quarter of the
  // reserve may have been written since the last answer.
  if (now < next_space_check_ && bytes_since_space_check_ < options_.min_free_bytes / 4) {
    return core::Status::Ok();
  }
  next_space_check_ = now + std::chrono::milliseconds(20);
  bytes_since_space_check_ = 0;
  const std::optional<uint64_t> free_bytes = engine_->FreeBytes();
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_bytes_ = free_bytes;
  }
  // The group itself must fit above the reserve too (its WAL record is about its data size).
  if (free_bytes && *free_bytes < options_.min_free_bytes + bytes_to_write) {
    return BelowReserve(*free_bytes, options_.min_free_bytes);
  }
  return core::Status::Ok();
}

void CommitPipeline::EnterFault(core::Status fault,
                                std::vector<std::function<void()>> unapplied_hooks) {
  // Only the storage statuses say what to do and when to come back (retry-after).
  if (fault.reason() != "STORAGE_FULL" && fault.reason() != "STORAGE_ERROR" &&
      fault.reason() != "STORAGE_UNAVAILABLE" && fault.reason() != "PARTITION_LOST") {
    fault = StorageErrorStatus();
  }
  // RocksDB advances its sequence only after a write is in the WAL and the memtable, so this
  // is the last write that surely happened; more after a reopen means the failed one did too.
  sequence_before_fault_ = engine_->write_failed() ? engine_->LatestSequence() : 0;
  unapplied_hooks_ = std::move(unapplied_hooks);
  {
    std::lock_guard<std::mutex> lock(mu_);
    fault_ = fault;
    ++faults_;
  }
  if (fault.reason() == "STORAGE_UNAVAILABLE" || fault.reason() == "PARTITION_LOST") {
    spdlog::error("storage: writes stopped ({}): {} Checked again every {} ms.", fault.reason(),
                  fault.message(), options_.recovery_interval.count());
  } else {
    spdlog::error(
        "storage: writes stopped ({}): {} Free space on the disk of the data directory (or fix "
        "the device); writes resume by themselves, checked every {} ms, once {} bytes are "
        "free.",
        fault.reason(), fault.message(), options_.recovery_interval.count(), ResumeThreshold());
  }
  next_recovery_log_ = std::chrono::steady_clock::now() + std::chrono::seconds(30);
}

uint64_t CommitPipeline::ResumeThreshold() const {
  // A quarter above the reserve, so that writes do not stop and start again with every
  // megabyte freed or written while the disk hovers at the reserve.
  const uint64_t resume_at = options_.min_free_bytes + options_.min_free_bytes / 4;
  return engine_->write_failed() ? std::max<uint64_t>(resume_at, kMinFreeBytesToReopen) : resume_at;
}

void CommitPipeline::TryRecover() {
  const std::optional<uint64_t> free_bytes = engine_->FreeBytes();
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_bytes_ = free_bytes;
  }
  const uint64_t needed = ResumeThreshold();
  auto log_still_stopped = [this](const std::string& why) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_recovery_log_) return;
    next_recovery_log_ = now + std::chrono::seconds(30);
    spdlog::warn("storage: writes still stopped: {}", why);
  };
  if (free_bytes && *free_bytes < needed) {
    log_still_stopped(std::to_string(*free_bytes) + " bytes free, " + std::to_string(needed) +
                      " needed (config storage_min_free_bytes)");
    return;
  }
  if (engine_->write_failed()) {
    core::Status recovered = engine_->Recover(options_.recovery_interval);
    if (!recovered.ok()) {
      log_still_stopped("recovering the database: " + recovered.ToString());
      return;
    }
    if (durable_ == nullptr && engine_->LatestSequence() > sequence_before_fault_) {
      spdlog::warn(
          "storage: the write that failed had reached the WAL whole and was replayed on reopen; "
          "its clients were told it failed (503), so a retry with the same Idempotency-Key is "
          "answered from its record");
      RunHooks(unapplied_hooks_);
    }
  }
  if (unwritten_) {
    // A committed group the cache could not take: it goes in before anything else.
    core::Status written = engine_->Write(unwritten_.get());
    if (!written.ok()) {
      log_still_stopped("writing the local cache: " + written.ToString());
      return;
    }
    unwritten_.reset();
  }
  if (durable_ != nullptr && !RecoverDurableStep(log_still_stopped)) return;
  unapplied_hooks_.clear();
  {
    std::lock_guard<std::mutex> lock(mu_);
    fault_ = core::Status::Ok();
  }
  spdlog::info("storage: writes resumed");
}

bool CommitPipeline::RecoverDurableStep(
    const std::function<void(const std::string&)>& log_still_stopped) {
  rocksdb::WriteBatch scratch;
  rocksdb::WriteBatch* local = unresolved_ ? unresolved_.get() : &scratch;
  bool committed = false;
  core::Status recovered = durable_->Recover(local, &committed);
  if (!recovered.ok()) {
    log_still_stopped(recovered.message());
    return false;
  }
  if (unresolved_ && committed) {
    core::Status written = engine_->Write(unresolved_.get());
    if (!written.ok()) {
      // Durable all the same: the cache takes it at a later recovery, before any other write.
      unwritten_ = std::move(unresolved_);
      RunHooks(unapplied_hooks_);
      unapplied_hooks_.clear();
      log_still_stopped("writing the local cache: " + written.ToString());
      return false;
    }
    RunHooks(unapplied_hooks_);
  }
  unresolved_.reset();
  return true;
}

core::Status CommitPipeline::CommitDurably(rocksdb::WriteBatch* batch,
                                           std::vector<std::function<void()>>& hooks) {
  const DurableStep::Result result = durable_->Commit(*batch, batch);
  switch (result.outcome) {
    case DurableStep::Outcome::kCommitted: {
      core::Status cached = engine_->Write(batch);
      if (!cached.ok()) {
        // The group is durable, so it is answered OK and its hooks run; the cache misses it
        // until recovery writes it again, and writes stop until then.
        unwritten_ = std::make_unique<rocksdb::WriteBatch>(*batch);
        EnterFault(cached, {});
      }
      return core::Status::Ok();
    }
    case DurableStep::Outcome::kRejected:
      hooks.clear();
      return result.status;
    case DurableStep::Outcome::kUnknown:
      unresolved_ = std::make_unique<rocksdb::WriteBatch>(*batch);
      EnterFault(result.status, std::move(hooks));
      hooks.clear();
      return result.status;
    case DurableStep::Outcome::kNotCommitted:
    case DurableStep::Outcome::kFenced:
      EnterFault(result.status, {});
      hooks.clear();
      return result.status;
  }
  return result.status;
}

void CommitPipeline::CommitGroup(std::vector<Pending>& group) {
  // overwrite_key: a later mutation in the batch reading a key sees the last staged value.
  rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
  std::vector<core::Status> results;
  results.reserve(group.size());
  std::vector<std::function<void()>> hooks;
  bool any_staged = false;
  size_t evaluated = 0;
  for (; evaluated < group.size(); ++evaluated) {
    // Past the group's byte cap the rest waits for the next durable write (see Options).
    if (evaluated > 0 && batch.GetWriteBatch()->GetDataSize() >= options_.batch_bytes_limit) {
      break;
    }
    Pending& p = group[evaluated];
    batch.SetSavePoint();
    WriteView view(engine_, &batch, durable_);
    view.recording_ = changes_ != nullptr;
    core::Status s;
    try {
      s = p.mutation(view);
      // Its change records join its own save point: they commit exactly when it does.
      if (s.ok() && !view.changes_.empty()) s = changes_->Stage(view, view.changes_, view.writer_);
    } catch (const std::exception& e) {
      // Domain code does not throw; if it does, fail this mutation only.
      s = core::Status::Internal(std::string("mutation threw: ") + e.what());
    }
    // A write the durable step does not admit (a partition this node does not own) fails
    // this mutation alone, not the group it would have joined.
    if (!view.refused_.ok()) s = view.refused_;
    if (s.ok()) {
      (void)batch.PopSavePoint();
      any_staged = true;
      for (auto& h : view.on_committed_) hooks.push_back(std::move(h));
    } else {
      (void)batch.RollbackToSavePoint();
    }
    results.push_back(std::move(s));
  }
  if (evaluated < group.size()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = group.size(); i > evaluated; --i) queue_.push_front(std::move(group[i - 1]));
    group.resize(evaluated);
  }

  if (any_staged && batch.GetWriteBatch()->Count() > 0) {
    std::optional<rocksdb::WriteBatch> coalesced = Coalesced(*engine_, batch);
    rocksdb::WriteBatch* to_write = coalesced ? &*coalesced : batch.GetWriteBatch();
    core::Status written = CheckFreeSpace(to_write->GetDataSize());
    if (written.ok()) {
      const auto write_started = std::chrono::steady_clock::now();
      if (durable_ != nullptr) {
        // Its faults stop writes inside; what is left is the group's own answer.
        const core::Status group_status = CommitDurably(to_write, hooks);
        for (auto& r : results) {
          if (r.ok()) r = group_status;
        }
      } else {
        written = engine_->Write(to_write);
      }
      write_seconds_.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - write_started).count());
      group_sizes_.Observe(static_cast<double>(group.size()));
    }
    if (!written.ok()) {
      // Kept only when RocksDB may have taken the write whole (TryRecover decides).
      EnterFault(written,
                 engine_->write_failed() ? std::move(hooks) : std::vector<std::function<void()>>());
      hooks.clear();
      const core::Status fault = health().fault;
      for (auto& r : results) {
        if (r.ok()) r = fault;
      }
    }
  }
  RunHooks(hooks);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++batches_;
    mutations_ += group.size();
  }
  DeliverGroup(group, results);
}

}  // namespace strongbox::store
