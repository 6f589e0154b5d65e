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

std::string ToLowerAscii(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Upper-case hexadecimal, zero-padded to `width` digits.
std::string HexUpper(uint64_t v, int width);

// URL-safe base64 without padding (RFC 4648 §5); decoding rejects anything else.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// FNV-1a, 64 bit: a hash that is the same in every build and version (std::hash is not).
uint64_t StableHash64(std::string_view bytes);

}  // namespace strongbox::core
