#include "ops/metrics_text.h"

#include <catch2/catch.hpp>

#include "ops/request_metrics.h"

namespace strongbox::ops {
namespace {

TEST_CASE("metrics text: families, escaped labels, cumulative histogram buckets", "[ops]") {
  MetricsText out;
  out.Family("sb_things", "gauge", "Things.");
  out.Sample("sb_things", {{"name", "a\"b\\c\nd"}}, 3);
  core::Histogram histogram({1, 2});
  histogram.Observe(0.5);
  histogram.Observe(1.5);
  histogram.Observe(7);
  out.Family("sb_h", "histogram", "H.");
  out.HistogramSeries("sb_h", {{"x", "y"}}, histogram.Read());
  const std::string& text = out.text();
  CHECK(text.find("# HELP sb_things Things.\n# TYPE sb_things gauge\n") == 0);
  CHECK(text.find("sb_things{name=\"a\\\"b\\\\c\\nd\"} 3\n") != std::string::npos);
  CHECK(text.find("sb_h_bucket{x=\"y\",le=\"1\"} 1\n") != std::string::npos);
  CHECK(text.find("sb_h_bucket{x=\"y\",le=\"2\"} 2\n") != std::string::npos);
  CHECK(text.find("sb_h_bucket{x=\"y\",le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("sb_h_sum{x=\"y\"} 9\n") != std::string::npos);
  CHECK(text.find("sb_h_count{x=\"y\"} 3\n") != std::string::npos);
}

TEST_CASE("request metrics count by route and status", "[ops]") {
  RequestMetrics metrics({{"GET", "/a/{id}"}, {"POST", "/b"}});
  metrics.Observe(0, 200, 0.001);
  metrics.Observe(0, 200, 0.002);
  metrics.Observe(0, 404, 0.001);
  metrics.Observe(1, 9999, 0.001);  // out of range: counted as 599
  MetricsText out;
  metrics.Render(out);
  const std::string& text = out.text();
  CHECK(text.find("strongbox_http_requests_total{method=\"GET\",route=\"/a/{id}\",status=\"200\"} "
                  "2\n") != std::string::npos);
  CHECK(text.find("strongbox_http_requests_total{method=\"GET\",route=\"/a/{id}\",status=\"404\"} "
                  "1\n") != std::string::npos);
  CHECK(text.find("status=\"599\"} 1\n") != std::string::npos);
  CHECK(text.find("status=\"201\"") == std::string::npos);
}

}  // namespace
}  // namespace strongbox::ops
