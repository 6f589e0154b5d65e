// Fuzz target: RFC 3339 timestamps and protobuf durations (core/time_format), as clients send
// them in `ttl`, `visibilityTimeout`, `startTime` and the like.
//
// Checks:
//   - a timestamp that parses formats to the canonical text, which parses back to the same
//     instant (and formats the same again);
//   - a duration that parses is not negative nor past kLongestDuration, and its canonical text
//   ("<s>.<9 digits>s")
//     parses back to the same count;
//   - the first 8 bytes as a time in nanoseconds: FormatRfc3339 of any representable instant,
//     and for years the parser accepts (1678–2261) the text parses back to it.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "core/time_format.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox::core;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto t = ParseRfc3339(input); t.ok()) {
    const std::string canonical = FormatRfc3339(*t);
    auto again = ParseRfc3339(canonical);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == *t);
    FUZZ_CHECK(FormatRfc3339(*again) == canonical);
  } else {
    FUZZ_CHECK(t.status().code() == StatusCode::kInvalidArgument);
  }

  if (auto d = ParseDuration(input); d.ok()) {
    const int64_t nanos = d->count();
    FUZZ_CHECK(nanos >= 0);
    FUZZ_CHECK(nanos <= kLongestDuration.count());
    char text[48];
    std::snprintf(text, sizeof text, "%lld.%09llds", static_cast<long long>(nanos / 1'000'000'000),
                  static_cast<long long>(nanos % 1'000'000'000));
    auto again = ParseDuration(text);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->count() == nanos);
  } else {
    FUZZ_CHECK(d.status().code() == StatusCode::kInvalidArgument);
  }

  if (size >= 8) {
    int64_t nanos;
    std::memcpy(&nanos, data, sizeof nanos);
    const std::string text = FormatRfc3339(FromUnixNanos(nanos));
    const int year = std::atoi(text.substr(0, 4).c_str());
    if (year >= 1678 && year <= 2261) {
      auto back = ParseRfc3339(text);
      FUZZ_CHECK(back.ok());
      FUZZ_CHECK(ToUnixNanos(*back) == nanos);
    }
  }
  return 0;
}
