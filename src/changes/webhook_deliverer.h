#pragma once

// WebhookDeliverer: POSTs the changes of every subscription that has a delivery URL to that
// URL (api.md §11, proto-docs/changes.md "Webhooks").
//
// Per subscription one worker: it reads the changes after the subscription's cursor (a long
// poll woken by the commit, as `:read`), POSTs them as one batch — at most max_batch_changes
// records and max_batch_bytes of body, always at least one record — signed with the
// subscription's secret (webhook.h WebhookSignature), and moves the cursor (`:ack`) once the
// receiver answered 2xx. Anything else (a refused connection, a timeout, a 3xx/4xx/5xx) is a
// failed attempt: the same batch is sent again after RetryDelay, for as long as the
// subscription exists, so delivery is at least once and in order (a batch is never sent while
// the one before it is unacknowledged); a receiver de-duplicates by each change's sequence.
// Redirects are not followed. Records the filter skips move the cursor without a POST.
//
// A worker's batch is sent only while this node serves the universe (ChangeFeed::Serving): in
// a cluster the partition's owner delivers; a hand-off may deliver a batch twice, never skip
// one. The cursor is durable; the delivery state (DeliveryState) is this process's, reset by a
// restart. Workers are found by a scan of the subscriptions every scan_interval, so a
// subscription created or deleted through any node is picked up (or dropped) within it.
//
// Errors: none thrown or returned; failures land in DeliveryState and the log.
// Ownership: the composition root owns it (and the post and body functions' targets), which
// must outlive the executor's context. Thread safety: Start, Stop from any thread; StateOf and
// stats from any thread; the workers run on the one executor Start is given (its context must be
// run by one thread: the concurrency bound's waiters are not synchronised otherwise).

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "changes/change_feed.h"
#include "changes/subscriptions.h"
#include "changes/webhook.h"
#include "core/clock.h"
#include "core/status.h"
#include "store/change_log.h"

namespace strongbox::changes {

struct WebhookOptions {
  RetryPolicy retry;
  size_t max_concurrency = 16;          // webhook_max_concurrency: POSTs in flight, node-wide
  size_t max_batch_changes = 100;       // webhook_max_batch_changes: records per POST at most
  size_t max_batch_bytes = 256 * 1024;  // webhook_max_batch_bytes: body bytes per POST at most
  size_t max_subscriptions = 10'000;    // webhook_max_subscriptions: workers on a node at most
  std::chrono::milliseconds scan_interval{1'000};  // webhook_scan_interval_ms
  std::chrono::milliseconds long_poll{10'000};     // a worker's wait for new changes (≤ feed's)
  // webhook_allowed_hosts (ParseAllowedHosts): judged before each batch, not only at create.
  std::vector<std::string> allowed_hosts;
};

// Where one subscription's delivery stands, as this process saw it.
struct DeliveryState {
  // "starting"; "waiting" (caught up, waiting for a change); "queued" (a batch in hand, waiting
  // for one of the webhook_max_concurrency slots); "delivering" (a POST in flight);
  // "retrying" (the last attempt failed; next_attempt_time says when); "notServed" (another
  // node owns the universe, or this node's lease lapsed); "stalled" (reading the log failed, e.g.
  // CHANGES_EXPIRED: last_error says why; the worker tries again each scan interval); "notAllowed"
  // (the URL's host is no longer on webhook_allowed_hosts).
  std::string state = "starting";
  uint64_t delivered_batches = 0;
  uint64_t delivered_changes = 0;
  uint64_t failed_attempts = 0;
  uint32_t consecutive_failures = 0;  // of the batch in hand
  int last_status_code = 0;           // the last answer's HTTP status; 0 if none came
  std::string last_error;             // the last failure, kept after a success
  std::optional<core::Timestamp> last_attempt_time;
  std::optional<core::Timestamp> last_success_time;
  std::optional<core::Timestamp> next_attempt_time;  // while retrying
};

// Sends one POST; answers the HTTP status, or a non-OK status when none came.
using WebhookPost = std::function<boost::asio::awaitable<core::Result<int>>(
    const WebhookUrl& url, std::string body,
    std::vector<std::pair<std::string, std::string>> headers)>;
// The JSON body of one batch (the api layer renders records as the feed does). `cursor` is
// what the subscription's cursor moves to once the batch is delivered.
using WebhookBody =
    std::function<std::string(int64_t universe, const std::string& subscription,
                              std::span<const store::ChangeRecord> changes, uint64_t cursor)>;

class WebhookDeliverer {
 public:
  WebhookDeliverer(Subscriptions* subscriptions, ChangeFeed* feed, const core::Clock* clock,
                   WebhookOptions options, WebhookPost post, WebhookBody body);
  WebhookDeliverer(const WebhookDeliverer&) = delete;
  WebhookDeliverer& operator=(const WebhookDeliverer&) = delete;

  // Starts the scan and the workers on `executor`. REQUIRES: called at most once.
  void Start(boost::asio::any_io_executor executor);
  // No worker sends another attempt; each ends at its next step (a long poll ends with the
  // feed's StopWaiting). Idempotent.
  void Stop();
  // Workers and the scan not yet ended (0 once a Stop has taken effect).
  size_t Running() const { return running_.load(); }

  // nullopt when no worker of this process delivers that subscription.
  std::optional<DeliveryState> StateOf(int64_t universe, const std::string& id) const;

  struct Stats {
    uint64_t delivered_batches = 0;
    uint64_t delivered_changes = 0;
    uint64_t failed_attempts = 0;
    size_t subscriptions = 0;  // workers
    size_t retrying = 0;       // workers whose last attempt failed
    size_t stalled = 0;        // workers that cannot deliver until an operator acts
  };
  Stats stats() const;

 private:
  struct Worker;
  using Key = std::pair<int64_t, std::string>;

  boost::asio::awaitable<void> Scan();
  void Reconcile();
  boost::asio::awaitable<void> Run(std::shared_ptr<Worker> worker);
  enum class Delivered { kDelivered, kSkipped, kNotServed, kEnd };
  // Sends one batch (moving the cursor to `cursor` once taken) until a receiver takes it:
  // kSkipped when an `:ack` moved the cursor past it meanwhile; kNotServed when this node stops
  // serving the universe (its partition moved, or its lease lapsed for a while): the worker
  // pauses and keeps its state, as when it finds that before reading; kEnd when the worker
  // must end.
  boost::asio::awaitable<Delivered> Deliver(Worker& worker, const std::string& body, size_t count,
                                            uint64_t cursor);
  // Records why the worker cannot read or send (notServed or stalled) and waits a scan interval.
  boost::asio::awaitable<void> Pause(Worker& worker, const core::Status& why);
  // Waits `delay` in short steps; false when the deliverer stops or the worker retires.
  boost::asio::awaitable<bool> Sleep(std::chrono::milliseconds delay, const Worker* worker);
  boost::asio::awaitable<bool> AcquireSlot(Worker& worker);
  void ReleaseSlot();
  void Update(Worker& worker, const std::function<void(DeliveryState&)>& change);

  Subscriptions* const subscriptions_;
  ChangeFeed* const feed_;
  const core::Clock* const clock_;
  const WebhookOptions options_;
  const WebhookPost post_;
  const WebhookBody body_;

  boost::asio::any_io_executor executor_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> running_{0};
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<Worker>> workers_;  // guarded by mu_
  Stats totals_;                                    // guarded by mu_ (the counters only)
  // The executor's thread only.
  size_t in_flight_ = 0;
  std::deque<boost::asio::steady_timer*> slot_waiters_;
  std::mt19937_64 random_{std::random_device{}()};
  bool warned_full_ = false;  // the scan's: webhook_max_subscriptions reached was logged
};

}  // namespace strongbox::changes
