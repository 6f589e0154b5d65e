#include "core/status.h"

namespace strongbox::core {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kPayloadTooLarge:
      return "PAYLOAD_TOO_LARGE";
    case StatusCode::kMethodNotAllowed:
      return "METHOD_NOT_ALLOWED";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string_view Status::MetadataValue(std::string_view key) const {
  for (const auto& [k, v] : metadata_) {
    if (k == key) return v;
  }
  return {};
}

Status Status::WithReason(std::string reason) && {
  reason_ = std::move(reason);
  return std::move(*this);
}

Status Status::WithMetadata(std::string key, std::string value) && {
  metadata_.emplace_back(std::move(key), std::move(value));
  return std::move(*this);
}

Status Status::RenameMetadata(std::string_view from, std::string to) && {
  for (auto& [key, value] : metadata_) {
    if (key == from) key = to;
  }
  return std::move(*this);
}

Status Status::WithoutMetadata(std::string_view key) && {
  std::erase_if(metadata_, [key](const auto& entry) { return entry.first == key; });
  return std::move(*this);
}

std::string Status::ToString() const {
  std::string out(StatusCodeName(code_));
  if (!message_.empty()) out += ": " + message_;
  if (!reason_.empty()) out += " [" + reason_ + "]";
  return out;
}

}  // namespace strongbox::core
