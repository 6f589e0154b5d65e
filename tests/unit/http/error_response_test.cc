#include "http/error_response.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace strongbox::http {
namespace {

using core::Status;
using core::StatusCode;

TEST_CASE("status codes map to the HTTP statuses of the contract", "[http]") {
  CHECK(HttpStatusFor(StatusCode::kInvalidArgument) == 400);
  CHECK(HttpStatusFor(StatusCode::kUnauthenticated) == 401);
  CHECK(HttpStatusFor(StatusCode::kPermissionDenied) == 403);
  CHECK(HttpStatusFor(StatusCode::kNotFound) == 404);
  CHECK(HttpStatusFor(StatusCode::kAborted) == 409);
  CHECK(HttpStatusFor(StatusCode::kAlreadyExists) == 409);
  CHECK(HttpStatusFor(StatusCode::kFailedPrecondition) == 412);
  CHECK(HttpStatusFor(StatusCode::kPayloadTooLarge) == 413);
  CHECK(HttpStatusFor(StatusCode::kResourceExhausted) == 429);
  CHECK(HttpStatusFor(StatusCode::kInternal) == 500);
  CHECK(HttpStatusFor(StatusCode::kUnavailable) == 503);
}

TEST_CASE("a refusal by the server's state or mode is 400, a failed guard 412", "[http]") {
  CHECK(HttpStatusFor(core::Status::FailedPrecondition("x").WithReason("STORAGE_MODE")) == 400);
  CHECK(HttpStatusFor(core::Status::FailedPrecondition("x").WithReason("CHANGES_EXPIRED")) == 400);
  CHECK(HttpStatusFor(core::Status::FailedPrecondition("x").WithReason("CHANGE_LOG_OFF")) == 400);
  CHECK(HttpStatusFor(core::Status::FailedPrecondition("x").WithReason("TEST_FAILED")) == 412);
  CHECK(HttpStatusFor(core::Status::FailedPrecondition("x")) == 412);
  CHECK(HttpStatusFor(core::Status::InvalidArgument("x").WithReason("STORAGE_MODE")) == 400);
}

TEST_CASE("v2 error body carries code, message and reason details", "[http]") {
  Response r = ErrorResponse(Status::Aborted("etag differs")
                                 .WithReason("ETAG_MISMATCH")
                                 .WithMetadata("currentEtag", "E2"));
  CHECK(r.status == 409);
  auto j = nlohmann::json::parse(r.body);
  CHECK(j["code"] == "ABORTED");
  CHECK(j["message"] == "etag differs");
  REQUIRE(j["details"].size() == 1);
  CHECK(j["details"][0]["reason"] == "ETAG_MISMATCH");
  CHECK(j["details"][0]["metadata"]["currentEtag"] == "E2");
}

TEST_CASE("internal errors never leak their detail", "[http]") {
  Response r = ErrorResponse(Status::Internal("storage: IO error: /secret/path"));
  CHECK(r.status == 500);
  CHECK(r.body.find("secret") == std::string::npos);
  CHECK(nlohmann::json::parse(r.body)["code"] == "INTERNAL");
}

TEST_CASE("429 carries retry-after", "[http]") {
  Response r = ErrorResponse(Status::ResourceExhausted("slow down")
                                 .WithReason("LIMIT_EXCEEDED")
                                 .WithMetadata("retryAfterSeconds", "3"));
  CHECK(r.status == 429);
  bool found = false;
  for (const auto& [k, v] : r.headers) {
    if (k == "retry-after") {
      found = true;
      CHECK(v == "3");
    }
  }
  CHECK(found);
}

}  // namespace
}  // namespace strongbox::http
