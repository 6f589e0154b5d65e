#include "changes/webhook_deliverer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

namespace strongbox::changes {

namespace asio = boost::asio;
using core::Result;
using core::Status;

// One subscription's delivery. `retired` is set (under mu_) when the subscription is gone or
// was replaced: the worker ends at its next step.
struct WebhookDeliverer::Worker {
  int64_t universe = 0;
  std::string id;
  std::string url_text;
  WebhookUrl url;
  std::string secret;
  std::atomic<bool> retired{false};
  DeliveryState state;  // guarded by the deliverer's mu_
};

namespace {
// A sleep is cut into steps this long at most, so Stop and a retirement take effect quickly
// without a timer per worker to cancel across threads.
constexpr std::chrono::milliseconds kSleepStep{100};
}  // namespace

WebhookDeliverer::WebhookDeliverer(Subscriptions* subscriptions, ChangeFeed* feed,
                                   const core::Clock* clock, WebhookOptions options,
                                   WebhookPost post, WebhookBody body)
    : subscriptions_(subscriptions),
      feed_(feed),
      clock_(clock),
      options_(options),
      post_(std::move(post)),
      body_(std::move(body)) {}

void WebhookDeliverer::Start(asio::any_io_executor executor) {
  executor_ = executor;
  ++running_;
  asio::co_spawn(executor_, Scan(), asio::detached);
}

void WebhookDeliverer::Stop() {
  if (stopping_.exchange(true)) return;
  if (!executor_) return;
  // Waiters for a concurrency slot live on the executor's thread: wake them there.
  asio::post(executor_, [this] {
    for (asio::steady_timer* waiter : slot_waiters_) waiter->cancel();
    slot_waiters_.clear();
  });
}

std::optional<DeliveryState> WebhookDeliverer::StateOf(int64_t universe,
                                                       const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(Key{universe, id});
  if (it == workers_.end()) return std::nullopt;
  return it->second->state;
}

WebhookDeliverer::Stats WebhookDeliverer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats stats = totals_;
  stats.subscriptions = workers_.size();
  stats.retrying =
      static_cast<size_t>(std::count_if(workers_.begin(), workers_.end(), [](const auto& entry) {
        return entry.second->state.state == "retrying";
      }));
  stats.stalled =
      static_cast<size_t>(std::count_if(workers_.begin(), workers_.end(), [](const auto& entry) {
        return entry.second->state.state == "stalled" || entry.second->state.state == "notAllowed";
      }));
  return stats;
}

void WebhookDeliverer::Update(Worker& worker, const std::function<void(DeliveryState&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  change(worker.state);
}

asio::awaitable<void> WebhookDeliverer::Scan() {
  while (!stopping_) {
    Reconcile();
    co_await Sleep(options_.scan_interval, nullptr);
  }
  --running_;
}

void WebhookDeliverer::Reconcile() {
  auto deliveries = subscriptions_->ListDeliveries(options_.max_subscriptions);
  if (!deliveries.ok()) {
    // Keep the workers there are: a failed scan proves no subscription gone.
    spdlog::warn("webhooks: listing the subscriptions failed: {}", deliveries.status().ToString());
    return;
  }
  if (deliveries->size() >= options_.max_subscriptions && !warned_full_) {
    warned_full_ = true;
    spdlog::warn(
        "webhooks: {} subscriptions with a deliveryUrl, the most this node delivers "
        "(webhook_max_subscriptions); those past it wait",
        deliveries->size());
  }
  std::vector<std::shared_ptr<Worker>> started;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<Key> seen;
    for (Delivery& d : *deliveries) {
      Key key{d.universe, d.subscription.id};
      seen.insert(key);
      auto it = workers_.find(key);
      if (it != workers_.end() && it->second->secret == d.subscription.secret) continue;
      auto url = ParseWebhookUrl(d.subscription.delivery_url);
      if (!url.ok()) continue;  // was valid when created; a stored row is not re-judged
      if (it != workers_.end()) it->second->retired = true;  // replaced: same id, new secret
      auto worker = std::make_shared<Worker>();
      worker->universe = d.universe;
      worker->id = d.subscription.id;
      worker->url_text = d.subscription.delivery_url;
      worker->url = std::move(*url);
      worker->secret = d.subscription.secret;
      workers_[key] = worker;
      started.push_back(std::move(worker));
    }
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (seen.count(it->first) == 0) {
        it->second->retired = true;
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& worker : started) {
    ++running_;
    asio::co_spawn(executor_, Run(std::move(worker)), asio::detached);
  }
}

asio::awaitable<void> WebhookDeliverer::Run(std::shared_ptr<Worker> worker) {
  Worker& w = *worker;
  while (!stopping_ && !w.retired) {
    // The allow-list is judged again here, not only at create: an operator who narrows it
    // (after an incident, or on one node of a cluster) stops the deliveries it no longer allows.
    if (Status allowed = CheckDeliveryUrl(w.url_text, options_.allowed_hosts); !allowed.ok()) {
      Update(w, [&](DeliveryState& s) {
        s.state = "notAllowed";
        s.last_error = allowed.message();
      });
      co_await Sleep(options_.scan_interval, &w);
      continue;
    }
    auto subscription = subscriptions_->Get(w.universe, w.id);
    if (!subscription.ok() && subscription.status().code() == core::StatusCode::kNotFound) break;
    if (subscription.ok() && subscription->secret != w.secret) break;  // replaced
    if (Status serving = subscription.ok() ? feed_->Serving(w.universe) : subscription.status();
        !serving.ok()) {
      co_await Pause(w, serving);
      continue;
    }
    Update(w, [](DeliveryState& s) {
      if (s.state != "retrying") s.state = "waiting";
    });
    auto page = co_await feed_->Read(w.universe, subscription->cursor, subscription->filter,
                                     options_.max_batch_changes, options_.long_poll);
    if (!page.ok()) {
      co_await Pause(w, page.status());
      continue;
    }
    if (stopping_ || w.retired) break;
    uint64_t cursor = page->next;
    size_t count = page->changes.size();
    if (count > 0) {
      // Halve the batch until its body fits (one record always goes: records are small).
      std::string body = body_(w.universe, w.id, std::span(page->changes.data(), count), cursor);
      while (count > 1 && body.size() > options_.max_batch_bytes) {
        count = (count + 1) / 2;
        cursor = page->changes[count - 1].sequence;
        body = body_(w.universe, w.id, std::span(page->changes.data(), count), cursor);
      }
      const Delivered delivered = co_await Deliver(w, body, count, cursor);
      if (delivered == Delivered::kEnd) break;
      if (delivered == Delivered::kNotServed) continue;  // paused at the top of the loop
      if (delivered == Delivered::kSkipped) {            // an :ack moved the cursor past it
        Update(w, [](DeliveryState& s) {
          s.state = "waiting";
          s.consecutive_failures = 0;
          s.next_attempt_time.reset();
        });
        continue;
      }
    } else if (options_.long_poll.count() == 0 && cursor == subscription->cursor) {
      co_await Sleep(options_.scan_interval, &w);  // no long poll to wait in (max_wait 0)
    }
    if (cursor > subscription->cursor) {
      auto acked = co_await subscriptions_->Ack(w.universe, w.id, cursor, {}, w.secret);
      if (!acked.ok() && acked.status().code() != core::StatusCode::kNotFound) {
        // Delivered but not recorded: the batch goes again (at least once), after a pause.
        Update(w, [&](DeliveryState& s) { s.last_error = acked.status().message(); });
        co_await Sleep(options_.scan_interval, &w);
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = workers_.find(Key{w.universe, w.id});
    if (it != workers_.end() && it->second == worker) workers_.erase(it);
  }
  --running_;
}

asio::awaitable<void> WebhookDeliverer::Pause(Worker& w, const Status& why) {
  // Unavailable: another node serves the universe (PARTITION_MOVING); anything else stops this
  // subscription's delivery until it clears (CHANGES_EXPIRED, a storage error).
  const bool moved = why.code() == core::StatusCode::kUnavailable;
  Update(w, [&](DeliveryState& s) {
    s.state = moved ? "notServed" : "stalled";
    if (!moved) s.last_error = why.message();
  });
  co_await Sleep(options_.scan_interval, &w);
}

asio::awaitable<WebhookDeliverer::Delivered> WebhookDeliverer::Deliver(Worker& w,
                                                                       const std::string& body,
                                                                       size_t count,
                                                                       uint64_t cursor) {
  uint32_t failures = 0;
  for (;;) {
    if (stopping_ || w.retired) co_return Delivered::kEnd;
    {
      // Before every attempt, the first too (the long poll that found the batch may have
      // waited through a DELETE): the subscription may be gone or replaced — nothing is sent
      // for it after its DELETE answered — or a `:ack` may have moved its cursor past this
      // batch (skipping a batch the receiver refuses). A point read; a POST costs far more.
      auto subscription = subscriptions_->Get(w.universe, w.id);
      if (!subscription.ok() || subscription->secret != w.secret) co_return Delivered::kEnd;
      if (subscription->cursor >= cursor) co_return Delivered::kSkipped;
      // The owner sends it; this worker waits (a lapsed lease may come back) with its state.
      if (!feed_->Serving(w.universe).ok()) co_return Delivered::kNotServed;
    }
    if (!co_await AcquireSlot(w)) co_return Delivered::kEnd;
    const core::Timestamp now = clock_->Now();
    const int64_t unix_seconds = core::ToUnixNanos(now) / 1'000'000'000;
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"},
        {"User-Agent", "Strongbox-Webhooks/1"},
        {"Strongbox-Signature", WebhookSignature(w.secret, unix_seconds, body)},
        {"Strongbox-Subscription", w.id},
        {"Strongbox-Universe", std::to_string(w.universe)},
        {"Strongbox-Attempt", std::to_string(failures + 1)}};
    Update(w, [&](DeliveryState& s) {
      s.state = "delivering";
      s.last_attempt_time = now;
      s.next_attempt_time.reset();
    });
    auto answered = co_await post_(w.url, body, std::move(headers));
    ReleaseSlot();
    if (answered.ok() && *answered >= 200 && *answered < 300) {
      std::lock_guard<std::mutex> lock(mu_);
      w.state.state = "waiting";
      w.state.delivered_batches++;
      w.state.delivered_changes += count;
      w.state.consecutive_failures = 0;
      w.state.last_status_code = *answered;
      w.state.last_success_time = clock_->Now();
      totals_.delivered_batches++;
      totals_.delivered_changes += count;
      co_return Delivered::kDelivered;
    }
    ++failures;
    const std::chrono::milliseconds delay = RetryDelay(failures, options_.retry, random_());
    const std::string error = answered.ok()
                                  ? "the receiver answered HTTP " + std::to_string(*answered)
                                  : answered.status().message();
    {
      std::lock_guard<std::mutex> lock(mu_);
      w.state.state = "retrying";
      w.state.failed_attempts++;
      w.state.consecutive_failures = failures;
      w.state.last_status_code = answered.ok() ? *answered : 0;
      w.state.last_error = error;
      w.state.next_attempt_time = clock_->Now() + delay;
      totals_.failed_attempts++;
    }
    if (failures == 1 || failures % 10 == 0) {
      spdlog::warn("webhooks: universe {} subscription {}: attempt {} failed ({}); next in {} ms",
                   w.universe, w.id, failures, error, delay.count());
    }
    if (!co_await Sleep(delay, &w)) co_return Delivered::kEnd;
  }
}

asio::awaitable<bool> WebhookDeliverer::Sleep(std::chrono::milliseconds delay,
                                              const Worker* worker) {
  asio::steady_timer timer(executor_);
  const auto until = std::chrono::steady_clock::now() + delay;
  for (;;) {
    if (stopping_ || (worker != nullptr && worker->retired)) co_return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) co_return true;
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(until - now, kSleepStep));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<bool> WebhookDeliverer::AcquireSlot(Worker& worker) {
  if (stopping_) co_return false;
  if (in_flight_ < options_.max_concurrency) {
    ++in_flight_;
    co_return true;
  }
  // Not "waiting" (caught up) nor "retrying": an operator must see it has changes to send.
  Update(worker, [](DeliveryState& s) { s.state = "queued"; });
  // Wait for ReleaseSlot to hand this waiter its slot (it cancels the timer).
  asio::steady_timer waiter(executor_, asio::steady_timer::time_point::max());
  slot_waiters_.push_back(&waiter);
  co_await waiter.async_wait(asio::as_tuple(asio::use_awaitable));
  if (stopping_) co_return false;  // Stop cleared the waiters; no slot was handed over
  co_return true;
}

void WebhookDeliverer::ReleaseSlot() {
  if (!slot_waiters_.empty() && !stopping_) {
    asio::steady_timer* next = slot_waiters_.front();
    slot_waiters_.pop_front();
    next->cancel();  // the slot passes to it; in_flight_ stays
    return;
  }
  if (in_flight_ > 0) --in_flight_;
}

}  // namespace strongbox::changes
