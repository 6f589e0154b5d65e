#pragma once

// `:patch` operations (api.md §3): RFC 6902 JSON Patch (add, remove, replace, move, copy, test)
// plus {"op":"increment","path":…,"value":n,"min"?:…,"max"?:…}. Standard operations are
// nlohmann's implementation; this file validates their shape, applies them one at a time so a
// failure can name its operation, and adds the bounded increment. Pure functions, no I/O.

#include "core/json_util.h"
#include "core/status.h"

namespace strongbox::datastore {

// What one patch may do. Both bounds keep a hostile patch from growing a value without end:
// `copy` of the whole document into itself doubles it and nests it one level deeper each time.
struct PatchLimits {
  size_t max_operations = 100;               // config max_patch_operations
  size_t max_depth = 100;                    // config max_json_depth
  size_t max_value_bytes = 4 * 1024 * 1024;  // config max_value_bytes
};

// Every operation well-formed and at most `limits.max_operations` of them: kInvalidArgument
// naming the operation index otherwise (LIMIT_EXCEEDED for too many). Integers (`increment`'s
// value, min and max) may be spelled 5, 5.0 or 5e0 (api.md §1 "Numbers").
core::Status ValidatePatchOperations(const core::Json& operations, const PatchLimits& limits);

// Applies the operations in order, all or none. A failed `test` or bound, a missing path or a
// non-integer under `increment` → kFailedPrecondition with reason TEST_FAILED, BELOW_MIN,
// ABOVE_MAX, PATH_NOT_FOUND or NOT_A_NUMBER and metadata `operationIndex`. An operation after
// which the value nests deeper than `limits.max_depth` → kInvalidArgument LIMIT_EXCEEDED; one
// after which it holds more than `limits.max_value_bytes` (strings and keys counted, a lower
// bound of its serialized size) → kPayloadTooLarge LIMIT_EXCEEDED. Each check measures only the
// part the operation inserted, so the work is bounded by the value's size limit. A stored whole
// number spelled 3.0 increments like 3.
// REQUIRES: ValidatePatchOperations(operations, limits).ok()
core::Result<core::Json> ApplyPatch(core::Json value, const core::Json& operations,
                                    const PatchLimits& limits);

}  // namespace strongbox::datastore
