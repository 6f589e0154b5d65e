// Fuzz target: percent-decoding and path-segment encoding (core/strings), which every path
// capture and query parameter goes through.
//
// Checks, on any bytes:
//   - PercentEncodeSegment output is one path segment: unreserved characters, ':', '@' and
//     %XX escapes only (never '/', '?', '%' alone);
//   - PercentDecode(PercentEncodeSegment(x)) == x;
//   - PercentDecode(x) succeeds exactly when every '%' starts a two-hex-digit escape (an
//     independent scan), and its result has one byte per escape or plain byte.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "fuzz/fuzz_check.h"

namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsSegmentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == ':' || c == '@';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::string encoded = core::PercentEncodeSegment(input);
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%') {
      FUZZ_CHECK(i + 2 < encoded.size() && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]));
      i += 2;
    } else {
      FUZZ_CHECK(IsSegmentChar(encoded[i]));
    }
  }
  auto round_trip = core::PercentDecode(encoded);
  FUZZ_CHECK(round_trip.has_value());
  FUZZ_CHECK(*round_trip == input);

  bool well_formed = true;
  size_t decoded_size = 0;
  for (size_t i = 0; i < input.size(); ++decoded_size) {
    if (input[i] != '%') {
      ++i;
      continue;
    }
    if (i + 2 >= input.size() || !IsHex(input[i + 1]) || !IsHex(input[i + 2])) {
      well_formed = false;
      break;
    }
    i += 3;
  }
  auto decoded = core::PercentDecode(input);
  FUZZ_CHECK(decoded.has_value() == well_formed);
  if (decoded) {
    FUZZ_CHECK(decoded->size() == decoded_size);
    if (input.find('%') == std::string_view::npos) FUZZ_CHECK(*decoded == input);
  }
  return 0;
}
