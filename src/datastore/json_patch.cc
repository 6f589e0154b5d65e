#include "datastore/json_patch.h"

#include <string>

namespace strongbox::datastore {

using core::Json;
using core::Status;

namespace {

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

bool IsInt64(const Json& j) {
  return j.is_number_integer() && !(j.is_number_unsigned() && j.get<uint64_t>() > INT64_MAX);
}

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
    current = target.get<int64_t>();
  } else if (!ptr.empty() && !value.contains(ptr.parent_pointer())) {
    return Failed(index, "PATH_NOT_FOUND", "no parent for " + ptr.to_string());
  }
  const int64_t amount = op["value"].get<int64_t>();
  int64_t next = 0;
  if (__builtin_add_overflow(current, amount, &next)) {
    return Failed(index, amount < 0 ? "BELOW_MIN" : "ABOVE_MAX",
                  "the result leaves the 64-bit integer range");
  }
  if (op.contains("min") && next < op["min"].get<int64_t>()) {
    return Failed(index, "BELOW_MIN", std::to_string(next) + " is below min " + op["min"].dump());
  }
  if (op.contains("max") && next > op["max"].get<int64_t>()) {
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

}  // namespace

Status ValidatePatchOperations(const Json& operations) {
  if (!operations.is_array() || operations.empty()) {
    return Status::InvalidArgument("Field 'operations' must be a non-empty array.");
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

core::Result<Json> ApplyPatch(Json value, const Json& operations) {
  for (size_t i = 0; i < operations.size(); ++i) {
    const Json& op = operations[i];
    if (op["op"] == "increment") {
      SB_RETURN_IF_ERROR(ApplyIncrement(value, op, i));
      continue;
    }
    // nlohmann's RFC 6902 implementation throws; each failure becomes this operation's Status.
    try {
      value = value.patch(Json::array({op}));
    } catch (const Json::other_error& e) {
      if (op["op"] == "test")
        return Failed(i, "TEST_FAILED", "test failed at " + op["path"].get<std::string>());
      return Failed(i, "PATH_NOT_FOUND", e.what());
    } catch (const Json::exception& e) {
      return Failed(i, "PATH_NOT_FOUND", std::string("path not found: ") + e.what());
    }
  }
  return value;
}

}  // namespace strongbox::datastore
