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
    case StatusCode::kMethodNotAllowed:
      return 405;
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

unsigned HttpStatusFor(const core::Status& status) {
  if (status.code() == StatusCode::kFailedPrecondition &&
      (status.reason() == "STORAGE_MODE" || status.reason() == "CHANGES_EXPIRED" ||
       status.reason() == "NOT_CLUSTERED" || status.reason() == "CHANGE_LOG_OFF")) {
    return 400;
  }
  return HttpStatusFor(status.code());
}

std::string PublicMessage(const core::Status& status) {
  if (status.code() != StatusCode::kInternal) return status.message();
  spdlog::error("internal error: {}", status.ToString());
  return "Internal server error.";
}

core::Json CloudErrorBody(const core::Status& status) {
  core::Json body;
  body["code"] = core::StatusCodeName(status.code());
  body["message"] = PublicMessage(status);
  body["details"] = core::Json::array();
  if (!status.reason().empty() && status.code() != StatusCode::kInternal) {
    core::Json metadata = core::Json::object();
    for (const auto& [k, v] : status.metadata()) metadata[k] = v;
    body["details"].push_back({{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                               {"reason", status.reason()},
                               {"domain", "strongbox"},
                               {"metadata", metadata}});
  }
  return body;
}

Response ErrorResponseWithBody(const core::Status& status, const core::Json& body) {
  Response r = JsonResponse(HttpStatusFor(status), core::DumpCompact(body));
  auto retry = status.MetadataValue("retryAfterSeconds");
  if (status.code() == StatusCode::kResourceExhausted ||
      (status.code() == StatusCode::kUnavailable && !retry.empty())) {
    r.SetHeader("retry-after", retry.empty() ? "1" : std::string(retry));
  }
  // A rate limit refused inside a handler (a :commit's or :batchGet's per-operation charge):
  // the same headers as the gate's own 429 (api.md §7).
  if (auto limit = status.MetadataValue("rateLimit"); !limit.empty()) {
    r.SetHeader("x-ratelimit-limit", std::string(limit));
    r.SetHeader("x-ratelimit-remaining", std::string(status.MetadataValue("rateLimitRemaining")));
    r.SetHeader("x-ratelimit-reset", std::string(status.MetadataValue("rateLimitResetSeconds")));
  }
  return r;
}

Response ErrorResponse(const core::Status& status) {
  return ErrorResponseWithBody(status, CloudErrorBody(status));
}

}  // namespace strongbox::http
