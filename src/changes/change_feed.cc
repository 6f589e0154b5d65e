#include "changes/change_feed.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <limits>
#include <memory>

namespace strongbox::changes {

namespace asio = boost::asio;
using core::Result;
using core::Status;
using store::ColumnFamily;

Status ChangesExpired(uint64_t start_after, uint64_t floor) {
  return Status::FailedPrecondition(
             "Changes after sequence " + std::to_string(start_after) +
             " are no longer kept (retention); the oldest kept is " + std::to_string(floor) +
             ". Changes were missed: re-read the state you follow, then continue from the "
             "latest change (startAfter=latest; for a subscription, ack \"latest\").")
      .WithReason("CHANGES_EXPIRED")
      .WithMetadata("oldestSequence", std::to_string(floor));
}

Result<FeedBounds> ChangeFeed::Bounds(int64_t universe) const {
  FeedBounds bounds;
  SB_ASSIGN_OR_RETURN(auto floor,
                      engine_->Get(ColumnFamily::kChanges, store::ChangeFloorKey(universe)));
  SB_ASSIGN_OR_RETURN(bounds.floor, store::DecodeChangeCounter(floor, 1));
  SB_ASSIGN_OR_RETURN(auto head,
                      engine_->Get(ColumnFamily::kChanges, store::ChangeHeadKey(universe)));
  SB_ASSIGN_OR_RETURN(bounds.head, store::DecodeChangeCounter(head, 0));
  return bounds;
}

Result<FeedPage> ChangeFeed::ReadOnce(int64_t universe, uint64_t start_after,
                                      const ChangeFilter& filter, size_t max_page) const {
  if (max_page < 1 || max_page > limits_.max_page_size) {
    return Status::InvalidArgument("maxPageSize must be between 1 and " +
                                   std::to_string(limits_.max_page_size) + ".");
  }
  if (start_after == std::numeric_limits<uint64_t>::max()) {
    // No log reaches it, and start_after + 1 would wrap.
    return Status::InvalidArgument("startAfter " + std::to_string(start_after) +
                                   " is past the last change.");
  }
  FeedPage page;
  page.next = start_after;
  {
    auto it =
        engine_->NewIterator(ColumnFamily::kChanges, store::ChangeKey(universe, start_after + 1),
                             store::ChangeRecordsEnd(universe));
    it->Seek(store::ChangeKey(universe, start_after + 1));
    size_t examined = 0;
    for (; it->Valid() && examined < limits_.scan_budget && page.changes.size() < max_page;
         it->Next(), ++examined) {
      int64_t key_universe = 0;
      uint64_t sequence = 0;
      if (!store::ParseChangeKey(it->key(), &key_universe, &sequence)) {
        return Status::Internal("corrupt change log key");
      }
      SB_ASSIGN_OR_RETURN(store::ChangeRecord record,
                          store::DecodeChangeRecord(it->value(), sequence));
      if (record.kind == store::kGapKind && filter.start && record.time <= *filter.start) {
        // The log came back on by the filter's start time: every write it missed is older than
        // what this reader asked for, so it lost nothing (undo of a later window works on).
        page.next = sequence;
        continue;
      }
      if (record.kind == store::kGapKind) {
        // What came before it first; the next read from here is told.
        if (page.next != start_after) return page;
        return Status::FailedPrecondition(
                   "The change log was off on this server after sequence " +
                   std::to_string(sequence - 1) +
                   "; writes of that time were not recorded. Re-read the state you follow, "
                   "then continue from startAfter=" +
                   std::to_string(sequence) + " (or latest).")
            .WithReason("CHANGES_EXPIRED")
            .WithMetadata("oldestSequence", std::to_string(sequence + 1));
      }
      page.next = sequence;
      if (filter.Matches(record)) page.changes.push_back(std::move(record));
    }
    SB_RETURN_IF_ERROR(it->status());
    page.at_end = !it->Valid();
  }
  // Read after the scan (see the header): both only grow.
  SB_ASSIGN_OR_RETURN(FeedBounds bounds, Bounds(universe));
  if (start_after + 1 < bounds.floor) return ChangesExpired(start_after, bounds.floor);
  if (start_after > bounds.head) {
    return Status::InvalidArgument("startAfter " + std::to_string(start_after) +
                                   " is past the last change (" + std::to_string(bounds.head) +
                                   ").");
  }
  return page;
}

asio::awaitable<Result<FeedPage>> ChangeFeed::Read(int64_t universe, uint64_t start_after,
                                                   ChangeFilter filter, size_t max_page,
                                                   std::chrono::nanoseconds wait) {
  if (wait < std::chrono::nanoseconds::zero() || wait > limits_.max_wait) {
    co_return Status::InvalidArgument(
        "waitTime must be between 0s and " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(limits_.max_wait).count()) +
        "ms (changes_max_wait_ms).");
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const std::string key = store::ChangeLog::WaiterKey(universe);
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  auto woken = std::make_shared<std::atomic<bool>>(false);
  uint64_t cursor = start_after;
  for (;;) {
    // Registered before the read, so a commit after it cannot be missed: the flag is set, or
    // the posted cancel reaches the wait below (both run on this executor).
    auto executor = timer->get_executor();
    const uint64_t waiter = log_->committed().Add(key, [executor, timer, woken] {
      woken->store(true);
      asio::post(executor, [timer] { timer->cancel(); });
    });
    Result<FeedPage> page = ReadOnce(universe, cursor, filter, max_page);
    const auto remaining = deadline - std::chrono::steady_clock::now();
    // Done: an error, a match, a scan stopped by its budget (the reader moves on), the time is
    // up, or the server drains.
    if (!page.ok() || !page->changes.empty() || !page->at_end ||
        remaining <= std::chrono::nanoseconds::zero() || stop_waiting_.load()) {
      log_->committed().Remove(key, waiter);
      co_return page;
    }
    if (serving_) {
      if (Status serving = serving_(universe); !serving.ok()) {
        log_->committed().Remove(key, waiter);
        co_return serving;
      }
    }
    if (!woken->exchange(false)) {
      timer->expires_after(remaining);
      co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
      woken->store(false);
    }
    log_->committed().Remove(key, waiter);
    cursor = page->next;
  }
}

void ChangeFeed::StopWaiting() {
  stop_waiting_.store(true);
  log_->committed().WakeAll();
}

}  // namespace strongbox::changes
