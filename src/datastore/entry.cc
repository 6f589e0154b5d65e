#include "datastore/entry.h"

#include "core/names.h"

namespace strongbox::datastore {

namespace {

core::Status LimitExceeded(core::StatusCode code, std::string message, const char* limit,
                           size_t value) {
  return core::Status(code, std::move(message))
      .WithReason("LIMIT_EXCEEDED")
      .WithMetadata("limit", limit)
      .WithMetadata("value", std::to_string(value));
}

}  // namespace

core::Status ValidateName(const std::string& name, const char* what) {
  return core::ValidateName(name, what, 50);
}

core::Status ValidateEntryName(const EntryName& name) {
  if (name.universe <= 0) {
    return core::Status::InvalidArgument("Universe id must be a positive integer.");
  }
  SB_RETURN_IF_ERROR(ValidateName(name.data_store, "Data store name"));
  SB_RETURN_IF_ERROR(ValidateName(name.scope, "Scope"));
  if (name.scope == "-") {
    return core::Status::InvalidArgument("Scope '-' (all scopes) is only valid for listing.");
  }
  return ValidateName(name.key, "Entry key");
}

core::Status ValidateWrite(const EntryWrite& write, const EntryLimits& limits) {
  if (write.value.size() > limits.max_value_bytes) {
    return LimitExceeded(core::StatusCode::kPayloadTooLarge,
                         "Value is " + std::to_string(write.value.size()) +
                             " bytes; the limit is " + std::to_string(limits.max_value_bytes) + ".",
                         "max_value_bytes", limits.max_value_bytes);
  }
  if (write.users.size() > limits.max_users) {
    return LimitExceeded(core::StatusCode::kInvalidArgument,
                         "At most " + std::to_string(limits.max_users) + " user ids per entry.",
                         "max_users", limits.max_users);
  }
  // Here, not per surface: v1's roblox-entry-userids took 0 and negative ids that v2 refuses,
  // which :eraseUser (users/<positive id>) could then never find.
  for (size_t i = 0; i < write.users.size(); ++i) {
    if (write.users[i] <= 0) {
      return core::Status::InvalidArgument("User ids are positive; " +
                                           std::to_string(write.users[i]) + " is not.");
    }
    for (size_t j = 0; j < i; ++j) {
      if (write.users[j] == write.users[i]) {
        return core::Status::InvalidArgument("User id " + std::to_string(write.users[i]) +
                                             " is listed twice.");
      }
    }
  }
  if (write.attributes.size() > limits.max_attributes_bytes) {
    return LimitExceeded(core::StatusCode::kInvalidArgument,
                         "Attributes are " + std::to_string(write.attributes.size()) +
                             " bytes serialized; the limit is " +
                             std::to_string(limits.max_attributes_bytes) + ".",
                         "max_attributes_bytes", limits.max_attributes_bytes);
  }
  return core::Status::Ok();
}

}  // namespace strongbox::datastore
