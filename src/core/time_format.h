#pragma once

// Text forms of times and durations used by the API: RFC 3339 UTC timestamps and protobuf-style
// durations ("30s", "1.5s").

#include <chrono>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace strongbox::core {

// "2024-05-01T12:00:00.123456789Z": UTC, `Z`, fractional digits only as many as needed.
std::string FormatRfc3339(Timestamp t);

// Accepts `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` (`t`/`z` lower case too).
Result<Timestamp> ParseRfc3339(std::string_view text);

// Accepts decimal seconds with an `s` suffix, at most 9 fractional digits, not negative.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

}  // namespace strongbox::core
