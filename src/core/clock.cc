#include "core/clock.h"

namespace strongbox::core {

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
}

}  // namespace strongbox::core
