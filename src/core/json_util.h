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

// The default of MaxJsonDepth(): arrays and objects nested at most this deep in any document
// Strongbox parses. Game data nests a handful of levels; Roblox's own serializer refuses deep
// tables. A limit keeps every recursive walk of a value (serialization, comparison, JSON Patch)
// far inside a thread's stack.
inline constexpr size_t kDefaultMaxJsonDepth = 100;

// The process-wide nesting limit (config `max_json_depth`), set once by app/ at start before
// serving; tests may change it. Thread safety: an atomic; reads are relaxed.
void SetMaxJsonDepth(size_t depth);
size_t MaxJsonDepth();

// Parses a whole document (invalid UTF-8 in strings is rejected). A document nested deeper than
// MaxJsonDepth() arrays/objects is refused before it is parsed: kInvalidArgument, reason
// LIMIT_EXCEEDED, metadata limit=max_json_depth (api.md §1 "Nesting"). Every parse of untrusted
// input (request bodies, stored values re-read, the config file) goes through here.
Result<Json> ParseJson(std::string_view text);

// kInvalidArgument (as ParseJson's) when `text` nests arrays/objects deeper than `max_depth`.
// One pass over the bytes that skips string contents; it does not otherwise validate the JSON.
Status CheckJsonDepth(std::string_view text, size_t max_depth);

// The size and depth of a parsed value, measured without recursion and stopping early once
// either passes its bound (so a value that grew without limit costs no more than the bounds).
// `bytes` is a lower bound of the compact serialization (strings, keys and one byte per other
// token); `depth` counts nested arrays/objects (a scalar is 0, `[]` is 1).
struct JsonExtent {
  size_t depth = 0;
  size_t bytes = 0;
};
JsonExtent MeasureJson(const Json& value, size_t max_depth, size_t max_bytes);

// Compact serialization, the canonical stored and returned form of a value.
std::string DumpCompact(const Json& j);

// Appends `s` as a JSON string literal (quoted, escaped). REQUIRES: `s` is valid UTF-8.
// For responses built by hand around already-serialized values, without a DOM round trip.
void AppendJsonString(std::string* out, std::string_view s);

// A number as JSON text: whole numbers without a fraction ("7", not "7.0"), as clients sent them.
std::string FormatJsonNumber(double v);

// Finds a member by exact name, or case-insensitively when `ignore_case` (memory-store clients
// send `Value`, `Ttl`); the exact spelling wins over another case of it. nullptr when absent or
// when `obj` is not an object.
const Json* FindMember(const Json& obj, std::string_view name, bool ignore_case = false);

// Typed member readers: nullopt when absent (or JSON null); an error when of the wrong type.
Result<std::optional<std::string>> GetOptionalString(const Json& obj, std::string_view name,
                                                     bool ignore_case = false);
Result<std::optional<bool>> GetOptionalBool(const Json& obj, std::string_view name,
                                            bool ignore_case = false);
// A 64-bit integer member, however a client's JSON writer spelled it: 5, 5.0, 5e0, -0.0, and
// the proto3 decimal string form "5" (api.md §1 "Numbers"). A true fraction → kInvalidArgument
// "must be a whole number"; outside int64 or not a number → kInvalidArgument naming the range.
Result<std::optional<int64_t>> GetOptionalInt64(const Json& obj, std::string_view name,
                                                bool ignore_case = false);

// The same rule for a JSON value already in hand (an array element, a patch operand, a stored
// value): `what` names it in the error ("Field 'amount'", "The entry's value").
Result<int64_t> JsonToInt64(const Json& value, std::string_view what);

// True when JsonToInt64 would accept `value` (no error built).
bool IsWholeInt64(const Json& value);

// An unsigned 64-bit value (a fencing token, a change sequence), however a client spelled it:
// its decimal string ("17", as the server answers them), a JSON integer, or a whole number
// written as a float (17.0, 1.7e1; api.md §1 "Numbers"). nullopt for anything else, negative
// numbers included; the caller words the error.
std::optional<uint64_t> JsonToUint64(const Json& value);

}  // namespace strongbox::core
