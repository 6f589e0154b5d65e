#include "datastore/json_patch.h"

#include <algorithm>
#include <string>

namespace strongbox::datastore {

using core::Json;
using core::Status;

namespace {

// nlohmann's message without its "[json.exception.out_of_range.403] " prefix, which names the
// library's internals, not the client's mistake.
std::string LibraryReason(const Json::exception& e) {
  std::string_view text = e.what();
  if (text.starts_with("[json.exception.")) {
    const size_t end = text.find("] ");
    if (end != std::string_view::npos) text.remove_prefix(end + 2);
  }
  return std::string(text);
}

Status Invalid(size_t index, const std::string& why) {
  return Status::InvalidArgument("operations[" + std::to_string(index) + "]: " + why)
      .WithReason("INVALID_OPERATION")
      .WithMetadata("operationIndex", std::to_string(index));
}

Status Failed(size_t index, const char* reason, const std::string& why) {
  return Status::FailedPrecondition("operations[" + std::to_string(index) + "]: " + why)
      .WithReason(reason)
      .WithMetadata("operationIndex", std::to_string(index));
}

bool IsInt64(const Json& j) { return j.is_number() && core::IsWholeInt64(j); }

// REQUIRES: IsInt64(j) (checked by validation).
int64_t Int64Of(const Json& j) { return core::JsonToInt64(j, "operand").value(); }

// nlohmann reports bad pointers by exception; this is the edge where they become values.
bool ParsePointer(const std::string& text, Json::json_pointer* out) {
  try {
    *out = Json::json_pointer(text);
    return true;
  } catch (const Json::exception&) {
    return false;
  }
}

Status ApplyIncrement(Json& value, const Json& op, size_t index) {
  Json::json_pointer ptr;
  ParsePointer(op["path"].get<std::string>(), &ptr);
  int64_t current = 0;
  if (value.contains(ptr)) {
    const Json& target = value.at(ptr);
    if (!IsInt64(target)) {
      return Failed(index, "NOT_A_NUMBER",
                    "the value at " + ptr.to_string() + " is not a 64-bit integer");
    }
    current = Int64Of(target);
  } else if (!ptr.empty() && !value.contains(ptr.parent_pointer())) {
    return Failed(index, "PATH_NOT_FOUND", "no parent for " + ptr.to_string());
  }
  const int64_t amount = Int64Of(op["value"]);
  int64_t next = 0;
  if (__builtin_add_overflow(current, amount, &next)) {
    return Failed(index, amount < 0 ? "BELOW_MIN" : "ABOVE_MAX",
                  "the result leaves the 64-bit integer range");
  }
  if (op.contains("min") && next < Int64Of(op["min"])) {
    return Failed(index, "BELOW_MIN", std::to_string(next) + " is below min " + op["min"].dump());
  }
  if (op.contains("max") && next > Int64Of(op["max"])) {
    return Failed(index, "ABOVE_MAX", std::to_string(next) + " is above max " + op["max"].dump());
  }
  if (ptr.empty()) {
    value = next;
  } else if (value.at(ptr.parent_pointer()).is_array()) {
    // Arrays: only an existing element is incremented (a missing index is no member).
    if (!value.contains(ptr))
      return Failed(index, "PATH_NOT_FOUND", "no element " + ptr.to_string());
    value[ptr] = next;
  } else if (value.at(ptr.parent_pointer()).is_object()) {
    value[ptr] = next;
  } else {
    return Failed(index, "PATH_NOT_FOUND", "the parent of " + ptr.to_string() + " is a scalar");
  }
  return Status::Ok();
}

// Before an operation that inserts `inserted` at `path` (add, replace, copy, move): checks the
// value after it against the limits from running totals, measuring only the inserted part.
// Measured before applying, from the operand, so neither a destination that JSON Pointer cannot
// probe afterwards (`/-`, the end of an array) nor the copy itself can get past the bounds.
Status CheckGrowth(const Json& inserted, const std::string& path, size_t index,
                   const PatchLimits& limits, bool adds_bytes, size_t* depth, size_t* bytes) {
  size_t tokens = 0;
  for (char c : path) tokens += (c == '/');
  const core::JsonExtent extent =
      core::MeasureJson(inserted, limits.max_depth, limits.max_value_bytes);
  *depth = std::max(*depth, tokens + extent.depth);
  if (adds_bytes) *bytes += extent.bytes;
  if (*depth > limits.max_depth) {
    return Status::InvalidArgument("operations[" + std::to_string(index) +
                                   "]: the patched value would nest deeper than " +
                                   std::to_string(limits.max_depth) +
                                   " arrays/objects (config max_json_depth).")
        .WithReason("LIMIT_EXCEEDED")
        .WithMetadata("limit", "max_json_depth")
        .WithMetadata("value", std::to_string(limits.max_depth))
        .WithMetadata("operationIndex", std::to_string(index));
  }
  if (*bytes > limits.max_value_bytes) {
    return Status::PayloadTooLarge("operations[" + std::to_string(index) +
                                   "]: the patched value would exceed " +
                                   std::to_string(limits.max_value_bytes) + " bytes.")
        .WithReason("LIMIT_EXCEEDED")
        .WithMetadata("limit", "max_value_bytes")
        .WithMetadata("value", std::to_string(limits.max_value_bytes))
        .WithMetadata("operationIndex", std::to_string(index));
  }
  return Status::Ok();
}

}  // namespace

Status ValidatePatchOperations(const Json& operations, const PatchLimits& limits) {
  if (!operations.is_array() || operations.empty()) {
    return Status::InvalidArgument("Field 'operations' must be a non-empty array.");
  }
  if (operations.size() > limits.max_operations) {
    return Status::InvalidArgument("A patch takes at most " +
                                   std::to_string(limits.max_operations) +
                                   " operations (config max_patch_operations).")
        .WithReason("LIMIT_EXCEEDED")
        .WithMetadata("limit", "max_patch_operations")
        .WithMetadata("value", std::to_string(limits.max_operations));
  }
  for (size_t i = 0; i < operations.size(); ++i) {
    const Json& op = operations[i];
    if (!op.is_object() || !op.contains("op") || !op["op"].is_string()) {
      return Invalid(i, "each operation is an object with a string 'op'");
    }
    const std::string name = op["op"].get<std::string>();
    if (name != "add" && name != "remove" && name != "replace" && name != "move" &&
        name != "copy" && name != "test" && name != "increment") {
      return Invalid(
          i, "unknown op '" + name + "'; use add, remove, replace, move, copy, test or increment");
    }
    Json::json_pointer ptr;
    if (!op.contains("path") || !op["path"].is_string() ||
        !ParsePointer(op["path"].get<std::string>(), &ptr)) {
      return Invalid(i, "'path' must be a JSON Pointer such as /coins");
    }
    if ((name == "move" || name == "copy") &&
        (!op.contains("from") || !op["from"].is_string() ||
         !ParsePointer(op["from"].get<std::string>(), &ptr))) {
      return Invalid(i, "'from' must be a JSON Pointer");
    }
    if ((name == "add" || name == "replace" || name == "test") && !op.contains("value")) {
      return Invalid(i, "'value' is required");
    }
    if (name == "increment") {
      if (!op.contains("value") || !IsInt64(op["value"])) {
        return Invalid(i, "'value' of increment must be a 64-bit integer");
      }
      for (const char* bound : {"min", "max"}) {
        if (op.contains(bound) && !IsInt64(op[bound])) {
          return Invalid(i, std::string("'") + bound + "' must be a 64-bit integer");
        }
      }
    }
  }
  return Status::Ok();
}

// RFC 6902 §4.1: the target of add (and so of copy and move) must be the root, a member of an
// existing object or an element of an existing array. nlohmann asserts (and, built without
// assertions, silently does nothing) when the parent is a string, number or boolean, and turns
// a null parent into an object; found by fuzzing: add at "/stats/level/-" with level a number.
Status CheckTargetParent(const Json& value, const std::string& path, size_t i) {
  Json::json_pointer ptr;
  if (!ParsePointer(path, &ptr) || ptr.empty()) return Status::Ok();
  const Json::json_pointer parent = ptr.parent_pointer();
  if (!value.contains(parent)) return Status::Ok();  // missing: patch() reports PATH_NOT_FOUND
  const Json& container = value.at(parent);
  if (container.is_object() || container.is_array()) return Status::Ok();
  return Failed(i, "PATH_NOT_FOUND", "the parent of " + path + " is not an object or an array");
}

// One operation, applied in place. nlohmann's JSON Pointer and RFC 6902 code report failures
// by exception (a test that fails, a path that is missing, an array index that is empty or
// past size_t); ApplyPatch turns them into this operation's Status.
Status ApplyOne(Json& value, const Json& op, size_t i, const PatchLimits& limits, size_t* depth,
                size_t* bytes) {
  const std::string& name = op["op"].get_ref<const std::string&>();
  if (name == "increment") return ApplyIncrement(value, op, i);
  if (name == "add" || name == "copy" || name == "move") {
    SB_RETURN_IF_ERROR(CheckTargetParent(value, op["path"].get<std::string>(), i));
  }
  if (name == "add" || name == "replace") {
    if (name == "replace") {
      // What is replaced no longer counts towards the size.
      Json::json_pointer ptr;
      if (ParsePointer(op["path"].get<std::string>(), &ptr) && value.contains(ptr)) {
        *bytes -= std::min(
            *bytes,
            core::MeasureJson(value.at(ptr), limits.max_depth, limits.max_value_bytes).bytes);
      }
    }
    SB_RETURN_IF_ERROR(CheckGrowth(op["value"], op["path"].get<std::string>(), i, limits,
                                   /*adds_bytes=*/true, depth, bytes));
  } else if (name == "copy" || name == "move") {
    // A missing `from` fails in patch() below, as PATH_NOT_FOUND.
    Json::json_pointer from;
    if (ParsePointer(op["from"].get<std::string>(), &from) && value.contains(from)) {
      SB_RETURN_IF_ERROR(CheckGrowth(value.at(from), op["path"].get<std::string>(), i, limits,
                                     /*adds_bytes=*/name == "copy", depth, bytes));
    }
  }
  try {
    value = value.patch(Json::array({op}));
  } catch (const Json::other_error& e) {
    if (name == "test") {
      return Failed(i, "TEST_FAILED", "test failed at " + op["path"].get<std::string>());
    }
    return Failed(i, "PATH_NOT_FOUND", LibraryReason(e));
  }
  return Status::Ok();
}

core::Result<Json> ApplyPatch(Json value, const Json& operations, const PatchLimits& limits) {
  const core::JsonExtent start = core::MeasureJson(value, limits.max_depth, limits.max_value_bytes);
  size_t depth = start.depth;
  size_t bytes = start.bytes;
  for (size_t i = 0; i < operations.size(); ++i) {
    try {
      SB_RETURN_IF_ERROR(ApplyOne(value, operations[i], i, limits, &depth, &bytes));
    } catch (const Json::exception& e) {
      // A pointer nlohmann cannot resolve (found by fuzzing: "/slots/" and
      // "/slots/99999999999999999999" on an array threw out_of_range past every handler).
      return Failed(i, "PATH_NOT_FOUND", "path not found: " + LibraryReason(e));
    }
  }
  return value;
}

}  // namespace strongbox::datastore
