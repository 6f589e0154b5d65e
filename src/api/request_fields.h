#pragma once

// Decoding of request pieces shared by every route group: path ids, boolean query parameters,
// JSON bodies. Each returns a Result whose error is a clear 400.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "core/json_util.h"
#include "core/names.h"
#include "core/status.h"
#include "http/message.h"

namespace strongbox::api {

using core::ParseUniverseId;

// "true" / "false" (any case); absent or empty → `fallback`.
core::Result<bool> QueryBool(const http::Request& request, std::string_view name, bool fallback);

// An integer query parameter, spelled as any JSON number whose value is whole (`5`, `5.0`,
// `1e3`; api.md §1 "Numbers"); nullopt when absent or empty. A fraction → 400 "must be a whole
// number"; anything else that is not an int64 → 400 naming the parameter.
core::Result<std::optional<int64_t>> QueryInt64(const http::Request& request,
                                                std::string_view name);

// A page size query parameter: absent, empty or 0 → `fallback`; over `max` → `max` (api.md §1);
// negative or not a number → 400.
core::Result<size_t> QueryPageSize(const http::Request& request, std::string_view name,
                                   size_t fallback, size_t max);

// A duration query parameter ("30s", "1.5s" or seconds); nullopt when absent, 400 when malformed.
core::Result<std::optional<std::chrono::nanoseconds>> QueryDuration(const http::Request& request,
                                                                    std::string_view name);

// Refuses (400) a member of JSON object `object` that is not one of `known`, or two members
// naming one of them (possible when `ignore_case`, as memory-store fields are read: "ttl" and
// "TTL" would leave one of them silently unused). `where` names the object in the message.
// For bodies that ignore no member (a :commit, api.md §8).
core::Status RefuseUnknownMembers(const core::Json& object, std::string_view where,
                                  std::span<const std::string_view> known,
                                  bool ignore_case = false);
inline core::Status RefuseUnknownMembers(const core::Json& object, std::string_view where,
                                         std::initializer_list<std::string_view> known,
                                         bool ignore_case = false) {
  return RefuseUnknownMembers(
      object, where, std::span<const std::string_view>(known.begin(), known.size()), ignore_case);
}

// `id.startsWith("prefix")` (a double-quoted string with \" and \\ escapes) → prefix; absent or
// empty → "". Anything else → 400 naming the accepted form.
core::Result<std::string> ParseIdStartsWithFilter(const http::Request& request);

// A duration field: protobuf style "30s" / "1.5s", or a number of seconds. nullopt when absent.
core::Result<std::optional<std::chrono::nanoseconds>> GetOptionalDuration(const core::Json& body,
                                                                          std::string_view name,
                                                                          bool ignore_case = false);

// The body as a JSON object; an empty body is `{}`.
core::Result<core::Json> JsonObjectBody(const http::Request& request);

}  // namespace strongbox::api
