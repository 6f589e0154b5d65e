#pragma once

// MetricsText: writes the Prometheus text exposition format (version 0.0.4): one HELP and TYPE
// line per family, then its samples; label values escaped. Not thread-safe: one per scrape.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/histogram.h"

namespace strongbox::ops {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

class MetricsText {
 public:
  // Starts a family; `type` is "counter", "gauge" or "histogram".
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);
  // The _bucket, _sum and _count samples of one histogram series.
  void HistogramSeries(std::string_view name, const Labels& labels,
                       const core::Histogram::Snapshot& snapshot);

  const std::string& text() const { return out_; }

 private:
  void WriteLabels(const Labels& labels, std::string_view extra_name = {},
                   std::string_view extra_value = {});
  std::string out_;
};

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace strongbox::ops
