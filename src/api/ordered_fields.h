#pragma once

// Request fields of the ordered data store calls (api.md §4): sort order, value filter and
// int64 values. Each error is a 400 that says what is accepted.

#include <cstdint>
#include <string_view>

#include "core/json_util.h"
#include "core/status.h"
#include "leaderboard/leaderboard_service.h"

namespace strongbox::api {

// "", "asc", "desc", "value", "value asc", "value desc" (any case; v1 clients send the short
// forms, v2 clients the long ones). Empty is ascending.
core::Result<leaderboard::SortOrder> ParseSortOrder(std::string_view text);

// `entry >= N`, `entry <= N`, or one of each joined by `&&` in either order (api.md §4), with
// any spaces or tabs (or none) between tokens and N a whole number in int64 (5, 5.0, 1e3); ""
// is no filter. Anything else → 400 listing the accepted forms. No recursion: two clauses at
// most are read, left to right.
core::Result<leaderboard::ValueRange> ParseValueFilter(std::string_view text);

// A required int64 field: a JSON integer, or a decimal string (proto3 JSON writes int64 so).
// Fractions, other types and values outside int64 → 400, never a rounded or wrapped value.
core::Result<int64_t> RequiredInt64(const core::Json& body, std::string_view name);

}  // namespace strongbox::api
