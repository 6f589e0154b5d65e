#include "store/commit_pipeline.h"

#include <rocksdb/comparator.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <chrono>
#include <future>

#include "store/rocks_status.h"

namespace strongbox::store {

core::Result<std::optional<std::string>> WriteView::Get(ColumnFamily cf,
                                                        std::string_view key) const {
  std::string value;
  rocksdb::Status s =
      batch_->GetFromBatchAndDB(engine_->db(), rocksdb::ReadOptions(), engine_->handle(cf),
                                rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return ToStatus(s);
  return std::optional<std::string>(std::move(value));
}

void WriteView::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  (void)batch_->Put(engine_->handle(cf), rocksdb::Slice(key.data(), key.size()),
                    rocksdb::Slice(value.data(), value.size()));
}

std::unique_ptr<Iterator> WriteView::NewIterator(ColumnFamily cf, std::string_view lower,
                                                 std::string_view upper) const {
  return engine_->NewIteratorOverBatch(batch_, cf, lower, upper);
}

void WriteView::Delete(ColumnFamily cf, std::string_view key) {
  (void)batch_->Delete(engine_->handle(cf), rocksdb::Slice(key.data(), key.size()));
}

void WriteView::OnCommitted(std::function<void()> hook) {
  on_committed_.push_back(std::move(hook));
}

CommitPipeline::CommitPipeline(Engine* engine, Options options)
    : engine_(engine), options_(options) {
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
    done(std::move(rejected));
    return;
  }
  cv_.notify_one();
}

core::Status CommitPipeline::CommitAndWait(Mutation mutation) {
  auto promise = std::make_shared<std::promise<core::Status>>();
  auto future = promise->get_future();
  Enqueue(std::move(mutation), [promise](core::Status s) { promise->set_value(std::move(s)); });
  return future.get();
}

CommitPipeline::Stats CommitPipeline::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{batches_, mutations_, queue_.size()};
}

void CommitPipeline::RunSequencer() {
  std::vector<Pending> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has committed
      // Everything that queued while the previous write was on disk goes into this one.
      while (!queue_.empty() && group.size() < options_.batch_limit) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(group);
    group.clear();
  }
}

void CommitPipeline::CommitGroup(std::vector<Pending>& group) {
  // overwrite_key: a later mutation in the batch reading a key sees the last staged value.
  rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
  std::vector<core::Status> results;
  results.reserve(group.size());
  std::vector<std::function<void()>> hooks;
  bool any_staged = false;
  for (auto& p : group) {
    batch.SetSavePoint();
    WriteView view(engine_, &batch);
    core::Status s;
    try {
      s = p.mutation(view);
    } catch (const std::exception& e) {
      // Domain code does not throw; if it does, fail this mutation only.
      s = core::Status::Internal(std::string("mutation threw: ") + e.what());
    }
    if (s.ok()) {
      (void)batch.PopSavePoint();
      any_staged = true;
      for (auto& h : view.on_committed_) hooks.push_back(std::move(h));
    } else {
      (void)batch.RollbackToSavePoint();
    }
    results.push_back(std::move(s));
  }

  if (any_staged && batch.GetWriteBatch()->Count() > 0) {
    const auto write_started = std::chrono::steady_clock::now();
    core::Status written = engine_->Write(batch.GetWriteBatch());
    write_seconds_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - write_started).count());
    group_sizes_.Observe(static_cast<double>(group.size()));
    if (!written.ok()) {
      hooks.clear();
      for (auto& r : results) {
        if (r.ok()) r = written;
      }
    }
  }
  for (auto& h : hooks) h();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++batches_;
    mutations_ += group.size();
  }
  for (size_t i = 0; i < group.size(); ++i) {
    // Dropped as soon as it has run: a completion holds its waiter's executor, which must not
    // outlive the waiter's execution context.
    Completion done = std::move(group[i].done);
    group[i].mutation = nullptr;
    done(std::move(results[i]));
  }
}

}  // namespace strongbox::store
