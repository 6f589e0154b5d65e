#include "gate/surface.h"

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
