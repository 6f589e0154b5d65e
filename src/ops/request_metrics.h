#pragma once

// RequestMetrics: a latency histogram per (route, HTTP status), created on first use without
// a lock, so recording a request is a few atomic operations.
// Ownership: app/. Thread safety: Observe and Render from any thread once constructed.

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/histogram.h"
#include "ops/metrics_text.h"

namespace strongbox::ops {

class RequestMetrics {
 public:
  struct Route {
    std::string method;
    std::string pattern;
  };
  explicit RequestMetrics(std::vector<Route> routes);
  ~RequestMetrics();
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  // REQUIRES: route < routes.size(). A status outside 100-599 counts as 599.
  void Observe(size_t route, unsigned status, double seconds);

  // strongbox_http_requests_total and strongbox_http_request_duration_seconds.
  void Render(MetricsText& out) const;

 private:
  static constexpr size_t kStatuses = 600;
  struct PerRoute {
    Route route;
    std::array<std::atomic<core::Histogram*>, kStatuses> by_status{};
  };
  std::vector<std::unique_ptr<PerRoute>> routes_;
};

}  // namespace strongbox::ops
