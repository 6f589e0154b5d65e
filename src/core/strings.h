#pragma once

// Small string utilities shared by every module: percent-encoding, UTF-8 validation, number
// parsing without exceptions, ASCII case folding.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strongbox::core {

// Decodes %XX escapes; nullopt on a malformed escape. '+' is kept as is (paths, not forms).
std::optional<std::string> PercentDecode(std::string_view in);

// Escapes everything but RFC 3986 unreserved characters and ':' '@' (as Open Cloud paths show
// `users:7`), so the result is one path segment.
std::string PercentEncodeSegment(std::string_view in);

bool IsValidUtf8(std::string_view s);

// Whole-string decimal parses; nullopt on anything else (sign, spaces, overflow).
std::optional<int64_t> ParseInt64(std::string_view s);
std::optional<uint64_t> ParseUint64(std::string_view s);

// A whole number in the int64 range as a JSON writer may spell it: "5", "5.0", "1e3", "-0.0"
// (JSON number syntax, no spaces). Clients whose language has only doubles send those forms
// (api.md §1 "Numbers").
enum class WholeNumberError { kNotANumber, kFraction, kOutOfRange };
struct WholeNumber {
  int64_t value = 0;
  std::optional<WholeNumberError> error;  // set when the text is not an accepted whole number
};
WholeNumber ParseWholeNumber(std::string_view s);
// The same check for a double already parsed (a JSON number that was not an integer).
WholeNumber WholeNumberFromDouble(double d);
// "<what> must be …": the 400 message for each error, shared so every surface says the same.
std::string WholeNumberMessage(std::string_view what, WholeNumberError error);

std::string ToLowerAscii(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Orders ASCII case-insensitively: a map keyed by query parameter names with it finds
// `AllScopes` when asked for `allScopes` (api.md §1: parameter names match case-insensitively).
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// Upper-case hexadecimal, zero-padded to `width` digits.
std::string HexUpper(uint64_t v, int width);

// URL-safe base64 without padding (RFC 4648 §5); decoding rejects anything else.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// FNV-1a, 64 bit: a hash that is the same in every build and version (std::hash is not).
uint64_t StableHash64(std::string_view bytes);

}  // namespace strongbox::core
