#include "app/webhooks.h"

#include <charconv>

#include "api/change_routes.h"
#include "changes/webhook.h"

namespace strongbox::app {

namespace asio = boost::asio;

namespace {

http::ForwardClient::Options ClientOptionsOf(const config::Config& config,
                                             std::vector<std::string> allowed_hosts) {
  http::ForwardClient::Options options;
  options.timeout = std::chrono::milliseconds(config.webhook_timeout_ms);
  options.max_idle_per_peer = static_cast<size_t>(config.webhook_max_concurrency);
  options.body_limit_bytes = 64 * 1024;  // the answer is only looked at for its status
  options.status_only = true;
  options.unreachable = [](const std::string& url, const std::string& what) {
    return core::Status::Unavailable("the receiver " + url + " was not reached: " + what);
  };
  // What a name resolves to is judged too (changes/webhook.h): `*` admits public addresses only.
  options.admit = [allowed = std::move(allowed_hosts)](const std::string& host,
                                                       const std::string& port,
                                                       const std::string& address) {
    changes::WebhookUrl url;
    url.host = host;
    // The client resolved it as a number; 0 (matching no host:port entry) if it were not one.
    if (std::from_chars(port.data(), port.data() + port.size(), url.port).ec != std::errc()) {
      url.port = 0;
    }
    return changes::CheckResolvedAddress(url, address, allowed);
  };
  return options;
}

changes::WebhookOptions DelivererOptionsOf(const config::Config& config,
                                           std::vector<std::string> allowed_hosts) {
  changes::WebhookOptions options;
  options.retry.initial = std::chrono::milliseconds(config.webhook_retry_initial_ms);
  options.retry.max = std::chrono::milliseconds(config.webhook_retry_max_ms);
  options.max_concurrency = static_cast<size_t>(config.webhook_max_concurrency);
  options.max_batch_changes =
      static_cast<size_t>(std::min(config.webhook_max_batch_changes, config.changes_max_page_size));
  options.max_batch_bytes = static_cast<size_t>(config.webhook_max_batch_bytes);
  options.max_subscriptions = static_cast<size_t>(config.webhook_max_subscriptions);
  options.scan_interval = std::chrono::milliseconds(config.webhook_scan_interval_ms);
  options.allowed_hosts = std::move(allowed_hosts);
  options.long_poll =
      std::chrono::milliseconds(std::min<int64_t>(config.changes_max_wait_ms, 10'000));
  return options;
}

}  // namespace

core::Result<std::vector<std::string>> AllowedWebhookHostsOf(const config::Config& config) {
  return changes::ParseAllowedHosts(config.webhook_allowed_hosts);
}

Webhooks::Webhooks(const config::Config& config, std::vector<std::string> allowed_hosts,
                   changes::Subscriptions* subscriptions, changes::ChangeFeed* feed,
                   const core::Clock* clock)
    : client_(ClientOptionsOf(config, allowed_hosts)),
      deliverer_(
          subscriptions, feed, clock, DelivererOptionsOf(config, std::move(allowed_hosts)),
          [this](const changes::WebhookUrl& url, std::string body,
                 std::vector<std::pair<std::string, std::string>> headers)
              -> asio::awaitable<core::Result<int>> {
            http::Request request;
            request.method = "POST";
            request.target = url.target;
            request.body = std::move(body);
            auto answered = co_await client_.Send(url.Origin(), request, std::move(headers));
            if (!answered.ok()) co_return answered.status();
            co_return answered->status;
          },
          api::WebhookBody) {}

}  // namespace strongbox::app
