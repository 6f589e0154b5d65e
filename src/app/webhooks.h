#pragma once

// Webhooks: the composition of webhook delivery (proto-docs/changes.md "Webhooks") — the
// domain's WebhookDeliverer, given an HTTP client of its own (a ForwardClient: keep-alive pools
// per receiver and IO context, a timeout per POST, no redirects followed) and the api layer's
// body renderer. Exists when the change log is on.
//
// Errors: none; AllowedWebhookHostsOf answers kInvalidArgument for a malformed
// webhook_allowed_hosts (Run checks it before anything is built).
// Ownership: app/ owns it; it must outlive the IO contexts, and CloseIdle must run after they
// stop and before they are destroyed. Thread safety: as WebhookDeliverer.

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>
#include <vector>

#include "changes/change_feed.h"
#include "changes/subscriptions.h"
#include "changes/webhook_deliverer.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/status.h"
#include "http/forward_client.h"

namespace strongbox::app {

// The allow-list of config `webhook_allowed_hosts` (changes/webhook.h ParseAllowedHosts).
core::Result<std::vector<std::string>> AllowedWebhookHostsOf(const config::Config& config);

class Webhooks {
 public:
  // `allowed_hosts`: AllowedWebhookHostsOf(config), parsed once by the caller.
  Webhooks(const config::Config& config, std::vector<std::string> allowed_hosts,
           changes::Subscriptions* subscriptions, changes::ChangeFeed* feed,
           const core::Clock* clock);

  changes::WebhookDeliverer& deliverer() { return deliverer_; }
  const changes::WebhookDeliverer& deliverer() const { return deliverer_; }

  void Start(boost::asio::any_io_executor executor) { deliverer_.Start(std::move(executor)); }
  void Stop() { deliverer_.Stop(); }
  void CloseIdle() { client_.CloseIdle(); }

 private:
  http::ForwardClient client_;
  changes::WebhookDeliverer deliverer_;
};

}  // namespace strongbox::app
