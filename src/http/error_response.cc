#include "http/error_response.h"

#include <spdlog/spdlog.h>

#include "core/json_util.h"

namespace strongbox::http {

using core::StatusCode;

unsigned HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

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

Response ErrorResponse(const core::Status& status, ErrorStyle style) {
  const unsigned http_status = HttpStatusFor(status.code());
  std::string message = status.message();
  if (status.code() == StatusCode::kInternal) {
    spdlog::error("internal error: {}", status.ToString());
    message = "Internal server error.";
  }
  core::Json body;
  if (style == ErrorStyle::kStandardV1) {
    body["error"] = core::StatusCodeName(status.code());
    body["message"] = message;
    core::Json detail = {{"errorDetailType", "DatastoreErrorInfo"},
                         {"datastoreErrorCode", DatastoreErrorCode(status)}};
    if (!status.reason().empty()) detail["reason"] = status.reason();
    body["errorDetails"] = core::Json::array({detail});
  } else {
    body["code"] = core::StatusCodeName(status.code());
    if (style == ErrorStyle::kMemoryStore) body["error"] = core::StatusCodeName(status.code());
    body["message"] = message;
    body["details"] = core::Json::array();
    if (!status.reason().empty() && status.code() != StatusCode::kInternal) {
      core::Json metadata = core::Json::object();
      for (const auto& [k, v] : status.metadata()) metadata[k] = v;
      body["details"].push_back({{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                                 {"reason", status.reason()},
                                 {"domain", "strongbox"},
                                 {"metadata", metadata}});
    }
  }
  Response r = JsonResponse(http_status, core::DumpCompact(body));
  // Rate limits and full queues always say when to come back; a storage fault does too.
  auto retry = status.MetadataValue("retryAfterSeconds");
  if (status.code() == StatusCode::kResourceExhausted ||
      (status.code() == StatusCode::kUnavailable && !retry.empty())) {
    r.SetHeader("retry-after", retry.empty() ? "1" : std::string(retry));
  }
  return r;
}

}  // namespace strongbox::http
