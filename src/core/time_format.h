#pragma once

// Text forms of times and durations used by the API: RFC 3339 UTC timestamps and protobuf-style
// durations ("30s", "1.5s").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace strongbox::core {

// "2024-05-01T12:00:00.123456789Z": UTC, `Z`, fractional digits only as many as needed.
std::string FormatRfc3339(Timestamp t);

// Accepts `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` (`t`/`z` lower case too).
Result<Timestamp> ParseRfc3339(std::string_view text);

// The longest duration the API represents: 200 years. A longer one, well formed, is taken as
// this, so the caller's own limit refuses it by name (ttl at most memstore_max_ttl_seconds,
// LIMIT_EXCEEDED) rather than as malformed, and `now + d` cannot overflow a Timestamp (int64
// ns since the epoch, good to 2262).
inline constexpr std::chrono::nanoseconds kLongestDuration = std::chrono::hours(24 * 365 * 200);

// Accepts decimal seconds with an `s` suffix, at most 9 fractional digits, not negative; past
// kLongestDuration the answer is kLongestDuration. kInvalidArgument for any other text.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// A count of seconds from a JSON number or an integer query parameter, capped at
// kLongestDuration (infinity included); nullopt when negative or NaN.
std::optional<std::chrono::nanoseconds> DurationFromSeconds(double seconds);

}  // namespace strongbox::core
