#pragma once

// AccessGate: the Router's interceptor (design.md §1 "auth, rate limit"). For every routed
// request, in order: a request id (x-request-id echoed when sane, else generated), the API key
// (x-api-key or Authorization: Bearer; 401 in the contract's shape), the route's scopes (403),
// the rate limit (429 with retry-after and x-ratelimit-*), the handler, then the request's
// metrics and, when configured, an access log line. A rejection costs a hash or a bucket
// lookup and nothing else.
//
// Ownership: app/ owns it, with the key store, limiter and metrics it borrows.
// Thread safety: Intercept from any IO thread once constructed.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "api/route_access.h"
#include "http/router.h"
#include "ops/key_store.h"
#include "ops/rate_limiter.h"
#include "ops/request_metrics.h"

namespace strongbox::api {

class AccessGate {
 public:
  struct Options {
    bool auth_required = true;
    enum class Metrics { kLoopback, kOpen, kKey } metrics_access = Metrics::kLoopback;
    bool access_log = false;
  };

  // Fails naming the first route without an access rule (route_access.cc).
  static core::Result<std::unique_ptr<AccessGate>> Create(
      const std::vector<http::RouteInfo>& routes, const ops::KeyStore* keys,
      ops::RateLimiter* limiter, Options options);

  boost::asio::awaitable<http::Response> Intercept(http::Request& request,
                                                   const http::RouteInfo& route,
                                                   const http::Handler& next);

  // Request counts and latencies by route and status.
  const ops::RequestMetrics& metrics() const { return *metrics_; }

 private:
  struct Entry {
    const RouteAccess* access;
    size_t metrics_index;
  };
  AccessGate(const ops::KeyStore* keys, ops::RateLimiter* limiter, Options options);

  // The reason to refuse `request`, or nullopt to let it through (then principal is set).
  // `limit` receives the rate-limit decision, for the x-ratelimit-* headers.
  std::optional<http::Response> Check(http::Request& request, const http::RouteInfo& route,
                                      const RouteAccess& access, ops::RateLimiter::Decision* limit);

  const ops::KeyStore* keys_;
  ops::RateLimiter* limiter_;
  const Options options_;
  std::vector<Entry> routes_;  // by RouteInfo::index; read-only
  std::unique_ptr<ops::RequestMetrics> metrics_;
};

}  // namespace strongbox::api
