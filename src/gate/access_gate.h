#pragma once

// AccessGate: the Router's interceptor (design.md §1 "auth, rate limit"). For every routed
// request, in order: a request id (x-request-id echoed when sane, else generated), the API key
// (x-api-key or Authorization: Bearer; 401 in the contract's shape), the route's scopes (403),
// the rate limit (429 with retry-after and x-ratelimit-*), the handler, then the request's
// metrics and, when configured, an access log line. A rejection costs a hash or a bucket
// lookup and nothing else.
//
// Each route's rule is its RouteSpec (route_spec.h): the gate owns the table, adds every route
// to the router (a mutating one through the WriteGate) and answers a handler's error in the
// route's surface shape (surface.h).
//
// Ownership: app/ owns it, with the key store, limiter and write gate it borrows.
// Thread safety: Intercept from any IO thread once installed.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "gate/placement.h"
#include "gate/route_spec.h"
#include "gate/write_gate.h"
#include "http/router.h"
#include "ops/key_store.h"
#include "ops/rate_limiter.h"
#include "ops/request_metrics.h"

namespace strongbox::gate {

// What `request`, routed to `spec`, needs of a key (api.md §7): the route's scopes, the path's
// universe, and the data store the route names. kInvalidArgument for a bad universe id.
core::Result<ops::AccessNeed> NeedOf(const RouteSpec& spec, const http::Request& request);

// The partition key a request is placed by (placement.h): its universe, the system partition
// for a write without one, nullopt for a request any node serves (or a bad universe id, which
// the handler refuses wherever it lands).
std::optional<Placement::Key> PlacementKeyOf(const RouteSpec& spec, const http::Request& request);

class AccessGate {
 public:
  struct Options {
    bool auth_required = true;
    enum class Metrics { kLoopback, kOpen, kKey } metrics_access = Metrics::kLoopback;
    bool access_log = false;
  };

  // Validates `table` (kInternal naming the first incomplete declaration: the server must not
  // start), adds its routes to `router`, which must have none yet, and becomes its interceptor.
  static core::Result<std::unique_ptr<AccessGate>> Install(RouteTable table, http::Router& router,
                                                           WriteGate* writes,
                                                           const ops::KeyStore* keys,
                                                           ops::RateLimiter* limiter,
                                                           Options options);

  boost::asio::awaitable<http::Response> Intercept(http::Request& request,
                                                   const http::RouteInfo& route,
                                                   const http::Handler& next);

  // Cluster mode: where each request is served (placement.h). Set before serving; null (one
  // node) serves everything here.
  void SetPlacement(Placement* placement) { placement_ = placement; }

  // Request counts and latencies by route and status.
  const ops::RequestMetrics& metrics() const { return *metrics_; }
  // Every route's declaration, in the router's order (GET /admin/v1/routes).
  const std::vector<RouteSpec>& routes() const { return table_.specs(); }

 private:
  AccessGate(RouteTable table, const ops::KeyStore* keys, ops::RateLimiter* limiter,
             Options options);

  // The reason to refuse `request`, or nullopt to let it through (then principal is set).
  // `limit` receives the rate-limit decision, for the x-ratelimit-* headers.
  std::optional<http::Response> Check(http::Request& request, const RouteSpec& spec,
                                      ops::RateLimiter::Decision* limit);

  const ops::KeyStore* keys_;
  ops::RateLimiter* limiter_;
  const Options options_;
  const RouteTable table_;  // by RouteInfo::index; read-only
  std::unique_ptr<ops::RequestMetrics> metrics_;
  Placement* placement_ = nullptr;
};

}  // namespace strongbox::gate
