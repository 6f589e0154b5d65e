#include "ops/request_metrics.h"

namespace strongbox::ops {

RequestMetrics::RequestMetrics(std::vector<Route> routes) {
  for (auto& route : routes) {
    auto per_route = std::make_unique<PerRoute>();
    per_route->route = std::move(route);
    for (auto& slot : per_route->by_status) slot.store(nullptr);
    routes_.push_back(std::move(per_route));
  }
}

RequestMetrics::~RequestMetrics() {
  for (auto& route : routes_) {
    for (auto& slot : route->by_status) delete slot.load();
  }
}

void RequestMetrics::Observe(size_t route, unsigned status, double seconds) {
  if (status < 100 || status >= kStatuses) status = kStatuses - 1;
  auto& slot = routes_[route]->by_status[status];
  core::Histogram* histogram = slot.load(std::memory_order_acquire);
  if (histogram == nullptr) {
    auto fresh = std::make_unique<core::Histogram>(core::Histogram::LatencyBuckets());
    core::Histogram* expected = nullptr;
    if (slot.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel)) {
      histogram = fresh.release();
    } else {
      histogram = expected;  // another thread won; ours is dropped
    }
  }
  histogram->Observe(seconds);
}

void RequestMetrics::Render(MetricsText& out) const {
  struct Series {
    Labels labels;
    core::Histogram::Snapshot snapshot;
  };
  std::vector<Series> series;
  for (const auto& route : routes_) {
    for (size_t status = 0; status < kStatuses; ++status) {
      const core::Histogram* histogram = route->by_status[status].load(std::memory_order_acquire);
      if (histogram == nullptr) continue;
      series.push_back(Series{{{"method", route->route.method},
                               {"route", route->route.pattern},
                               {"status", std::to_string(status)}},
                              histogram->Read()});
    }
  }
  out.Family("strongbox_http_requests_total", "counter",
             "HTTP requests answered, by route pattern and status.");
  for (const auto& s : series) {
    out.Sample("strongbox_http_requests_total", s.labels, static_cast<double>(s.snapshot.count));
  }
  out.Family("strongbox_http_request_duration_seconds", "histogram",
             "Time from routing a request to its response, by route pattern and status.");
  for (const auto& s : series) {
    out.HistogramSeries("strongbox_http_request_duration_seconds", s.labels, s.snapshot);
  }
}

}  // namespace strongbox::ops
