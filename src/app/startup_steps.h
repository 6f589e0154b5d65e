#pragma once

// Small helpers of the startup steps in app/: how a failed step is explained and timed.
// Thread safety: pure functions.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace strongbox::app {

// `what`, then the status that explains it: "cannot open the database in D: INTERNAL: …".
inline core::Status Because(const std::string& what, const core::Status& cause) {
  return core::Status(cause.code(), what + ": " + cause.ToString());
}

inline int64_t MillisecondsSince(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started)
      .count();
}

}  // namespace strongbox::app
