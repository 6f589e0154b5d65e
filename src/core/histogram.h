#pragma once

// Histogram: a fixed-bucket distribution (Prometheus style: cumulative upper bounds plus sum
// and count) that any thread may Observe into without a lock. Read() is a near-consistent view:
// good enough for metrics, where a scrape racing an observation may miss it by one sample.
// Thread safety: Observe and Read from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace strongbox::core {

class Histogram {
 public:
  // REQUIRES: `upper_bounds` ascending. A last +Inf bucket is implied.
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then the +Inf bucket (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

  // Latency buckets in seconds, from 100 µs to 30 s (long polls wait that long).
  static std::vector<double> LatencyBuckets();

 private:
  const std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; +Inf last
  std::atomic<double> sum_{0};
};

}  // namespace strongbox::core
