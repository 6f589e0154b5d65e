#pragma once

// Non-throwing JSON helpers over nlohmann::json. Domain and API code parse and read fields only
// through these, so a malformed document becomes a Status, never an exception.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace strongbox::core {

using Json = nlohmann::json;

// Parses a whole document (invalid UTF-8 in strings is rejected).
Result<Json> ParseJson(std::string_view text);

// Compact serialization, the canonical stored and returned form of a value.
std::string DumpCompact(const Json& j);

// Appends `s` as a JSON string literal (quoted, escaped). REQUIRES: `s` is valid UTF-8.
// For responses built by hand around already-serialized values, without a DOM round trip.
void AppendJsonString(std::string* out, std::string_view s);

// A number as JSON text: whole numbers without a fraction ("7", not "7.0"), as clients sent them.
std::string FormatJsonNumber(double v);

// Finds a member by exact name, or case-insensitively when `ignore_case` (memory-store clients
// send `Value`, `Ttl`). nullptr when absent or when `obj` is not an object.
const Json* FindMember(const Json& obj, std::string_view name, bool ignore_case = false);

// Typed member readers: nullopt when absent (or JSON null); an error when of the wrong type.
Result<std::optional<std::string>> GetOptionalString(const Json& obj, std::string_view name,
                                                     bool ignore_case = false);
Result<std::optional<bool>> GetOptionalBool(const Json& obj, std::string_view name,
                                            bool ignore_case = false);
Result<std::optional<int64_t>> GetOptionalInt64(const Json& obj, std::string_view name,
                                                bool ignore_case = false);

}  // namespace strongbox::core
