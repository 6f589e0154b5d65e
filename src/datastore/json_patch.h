#pragma once

// `:patch` operations (api.md §3): RFC 6902 JSON Patch (add, remove, replace, move, copy, test)
// plus {"op":"increment","path":…,"value":n,"min"?:…,"max"?:…}. Standard operations are
// nlohmann's implementation; this file validates their shape, applies them one at a time so a
// failure can name its operation, and adds the bounded increment. Pure functions, no I/O.

#include "core/json_util.h"
#include "core/status.h"

namespace strongbox::datastore {

// Every operation well-formed: kInvalidArgument naming the operation index otherwise.
core::Status ValidatePatchOperations(const core::Json& operations);

// Applies the operations in order, all or none. A failed `test` or bound, a missing path or a
// non-integer under `increment` → kFailedPrecondition with reason TEST_FAILED, BELOW_MIN,
// ABOVE_MAX, PATH_NOT_FOUND or NOT_A_NUMBER and metadata `operationIndex`.
// REQUIRES: ValidatePatchOperations(operations).ok()
core::Result<core::Json> ApplyPatch(core::Json value, const core::Json& operations);

}  // namespace strongbox::datastore
