#pragma once

// Clock: the one source of "now" for TTLs, leases, revision times and invisibility windows.
// Production uses SystemClock; tests inject ManualClock so time-based behaviour never sleeps.
// Thread safety: both implementations may be read from any thread; ManualClock may be advanced
// from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace strongbox::core {

// Wall-clock time with nanosecond resolution (int64 nanoseconds since the Unix epoch).
using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

inline int64_t ToUnixNanos(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromUnixNanos(int64_t nanos) { return Timestamp(std::chrono::nanoseconds(nanos)); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : nanos_(ToUnixNanos(start)) {}
  Timestamp Now() const override { return FromUnixNanos(nanos_.load()); }
  void Advance(std::chrono::nanoseconds d) { nanos_.fetch_add(d.count()); }
  void Set(Timestamp t) { nanos_.store(ToUnixNanos(t)); }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace strongbox::core
