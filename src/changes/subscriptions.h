#pragma once

// Durable subscriptions to the change feed (api.md §11, proto-docs/changes.md): a named filter
// and a cursor the server keeps, so a game server that restarts resumes where it acknowledged
// and misses nothing. `Read` returns the changes after the cursor (it moves nothing); `Ack`
// moves the cursor forward, never back, so a repeated or late ack changes nothing.
//
// Shapes (proto-docs/storage-format.md, family `changes`): universe(int64) 02 id(string) →
// byte 01, then compact JSON {"f": filter text, "c": cursor, "t": create time, "a": last ack
// time (ns since the epoch)}. An id is 1–128 characters of A–Z a–z 0–9 . _ - @ (no ':', which
// would read as a custom method in a path).
//
// Errors: kNotFound (no such subscription), kAlreadyExists (create), kInvalidArgument (a bad id,
// filter or sequence; a sequence past the log's end), kFailedPrecondition CHANGES_EXPIRED (a
// start or cursor below retention), kResourceExhausted (more than max_per_universe), the
// pipeline's and engine's errors as they are.
// Thread safety: any method from any thread; writes go through the CommitPipeline. Owned by the
// composition root; borrows the engine, pipeline, feed and clock, which outlive it.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "changes/change_feed.h"
#include "changes/change_filter.h"
#include "core/clock.h"
#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"
#include "store/write_context.h"

namespace strongbox::changes {

struct Subscription {
  std::string id;
  ChangeFilter filter;
  uint64_t cursor = 0;  // every change up to this sequence is acknowledged
  core::Timestamp create_time{};
  core::Timestamp ack_time{};  // the last ack that moved the cursor; the create time before one
  // Webhooks (webhook_deliverer.h): where changes are POSTed, empty for none, and the secret
  // they are signed with (answered once, by Create).
  std::string delivery_url;
  std::string secret;
};

// A subscription with a delivery URL and its universe (WebhookDeliverer's work list).
struct Delivery {
  int64_t universe = 0;
  Subscription subscription;
};

struct SubscriptionPage {
  std::vector<Subscription> subscriptions;
  std::optional<std::string> next_after;  // the last id of a full page
};

struct SubscriptionLimits {
  size_t max_per_universe = 100;  // changes_max_subscriptions
  // Hosts a delivery URL may name (webhook.h ParseAllowedHosts); empty: none.
  std::vector<std::string> webhook_allowed_hosts;
};

class Subscriptions {
 public:
  Subscriptions(const store::Engine* engine, store::CommitPipeline* pipeline, ChangeFeed* feed,
                const core::Clock* clock, SubscriptionLimits limits)
      : engine_(engine), pipeline_(pipeline), feed_(feed), clock_(clock), limits_(limits) {}

  // `start_after`: the cursor to start from; nullopt: the log's end now (only new changes).
  // `delivery_url`: empty for none; else it must pass CheckDeliveryUrl against the allow-list
  // (kInvalidArgument), and the answer holds the new signing secret.
  boost::asio::awaitable<core::Result<Subscription>> Create(
      int64_t universe, std::string id, ChangeFilter filter, std::optional<uint64_t> start_after,
      std::string delivery_url = {}, store::WriteContext<Subscription> context = {});
  core::Result<Subscription> Get(int64_t universe, const std::string& id) const;
  // In id order, after `after` (a previous page's next_after).
  core::Result<SubscriptionPage> List(int64_t universe, const std::optional<std::string>& after,
                                      size_t max) const;
  // The subscriptions with a delivery URL across universes, in key order, the first `max`.
  core::Result<std::vector<Delivery>> ListDeliveries(size_t max) const;
  // Answers the subscription as it was.
  boost::asio::awaitable<core::Result<Subscription>> Delete(
      int64_t universe, std::string id, store::WriteContext<Subscription> context = {});
  // Moves the cursor to `sequence` (nullopt: the log's end) when that is forward. With
  // `secret`, only the subscription signed with it (kNotFound otherwise): a webhook worker's ack
  // must not move the cursor of a subscription deleted and created again under the same id.
  boost::asio::awaitable<core::Result<Subscription>> Ack(
      int64_t universe, std::string id, std::optional<uint64_t> sequence,
      store::WriteContext<Subscription> context = {},
      std::optional<std::string> secret = std::nullopt);
  // The changes after the cursor that match the filter (ChangeFeed::Read: may wait).
  boost::asio::awaitable<core::Result<FeedPage>> Read(int64_t universe, std::string id,
                                                      size_t max_page,
                                                      std::chrono::nanoseconds wait);

 private:
  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  ChangeFeed* feed_;
  const core::Clock* clock_;
  const SubscriptionLimits limits_;
};

core::Status ValidateSubscriptionId(std::string_view id);
std::string SubscriptionKey(int64_t universe, std::string_view id);
std::string EncodeSubscription(const Subscription& s);
core::Result<Subscription> DecodeSubscription(std::string_view id, std::string_view bytes);

}  // namespace strongbox::changes
