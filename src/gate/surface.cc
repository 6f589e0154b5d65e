#include "gate/surface.h"

#include <algorithm>
#include <vector>

#include "core/strings.h"
#include "http/error_response.h"

namespace strongbox::gate {

using core::StatusCode;

namespace {

// Standard v1 clients branch on datastoreErrorCode; these are Roblox's names.
std::string_view DatastoreErrorCode(const core::Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return "KeyNotFound";
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:
      return "PreconditionFailed";
    case StatusCode::kResourceExhausted:
      return "TooManyRequests";
    case StatusCode::kPayloadTooLarge:
      return "ContentTooBig";
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      return "Forbidden";
    case StatusCode::kAlreadyExists:
      return "KeyAlreadyExists";
    case StatusCode::kInternal:
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return "InternalError";
    default:
      return "InvalidArgument";
  }
}

}  // namespace

std::string_view SurfaceName(Surface surface) {
  switch (surface) {
    case Surface::kCloudV2:
      return "cloudV2";
    case Surface::kStandardV1:
      return "standardV1";
    case Surface::kMemoryStore:
      return "memoryStore";
  }
  return "cloudV2";
}

Surface SurfaceOfPath(std::string_view path) {
  // The segments after the leading '/', at most the first five.
  std::vector<std::string_view> segments;
  size_t at = path.empty() || path.front() != '/' ? 0 : 1;
  while (segments.size() < 5 && at <= path.size()) {
    const size_t slash = std::min(path.find('/', at), path.size());
    segments.push_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  auto is = [&segments](size_t i, std::string_view text) {
    if (i >= segments.size()) return false;
    std::string_view s = segments[i];
    // The last segment may carry a custom verb (":read"): it belongs to the item, not the family.
    if (const size_t colon = s.find(':'); colon != std::string_view::npos) s = s.substr(0, colon);
    return core::EqualsIgnoreCase(s, text);
  };
  if (is(0, "cloud") && is(1, "v2") && is(2, "universes") && is(4, "memory-store")) {
    return Surface::kMemoryStore;
  }
  if (is(0, "datastores") && is(1, "v1") && is(2, "universes") && is(4, "standard-datastores")) {
    return Surface::kStandardV1;
  }
  return Surface::kCloudV2;
}

http::Response ErrorResponse(const core::Status& status, Surface surface) {
  switch (surface) {
    case Surface::kCloudV2:
      break;
    case Surface::kMemoryStore: {
      core::Json body = http::CloudErrorBody(status);
      body["error"] = core::StatusCodeName(status.code());
      return http::ErrorResponseWithBody(status, body);
    }
    case Surface::kStandardV1: {
      core::Json detail = {{"errorDetailType", "DatastoreErrorInfo"},
                           {"datastoreErrorCode", DatastoreErrorCode(status)}};
      if (!status.reason().empty()) detail["reason"] = status.reason();
      core::Json body = {{"error", core::StatusCodeName(status.code())},
                         {"message", http::PublicMessage(status)},
                         {"errorDetails", core::Json::array({detail})}};
      return http::ErrorResponseWithBody(status, body);
    }
  }
  return http::ErrorResponse(status);
}

}  // namespace strongbox::gate
