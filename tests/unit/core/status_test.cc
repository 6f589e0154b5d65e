#include "core/status.h"

#include <catch2/catch.hpp>

namespace strongbox::core {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Status::InvalidArgument("odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  SB_ASSIGN_OR_RETURN(int h, Half(v));
  SB_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int v) {
  SB_RETURN_IF_ERROR(Half(v).status());
  return Status::Ok();
}

TEST_CASE("status codes have canonical names", "[core]") {
  CHECK(StatusCodeName(StatusCode::kOk) == "OK");
  CHECK(StatusCodeName(StatusCode::kInvalidArgument) == "INVALID_ARGUMENT");
  CHECK(StatusCodeName(StatusCode::kFailedPrecondition) == "FAILED_PRECONDITION");
  CHECK(StatusCodeName(StatusCode::kResourceExhausted) == "RESOURCE_EXHAUSTED");
  CHECK(StatusCodeName(StatusCode::kPayloadTooLarge) == "PAYLOAD_TOO_LARGE");
}

TEST_CASE("status carries reason and metadata", "[core]") {
  Status s = Status::Aborted("etag").WithReason("ETAG_MISMATCH").WithMetadata("k", "v");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kAborted);
  CHECK(s.reason() == "ETAG_MISMATCH");
  CHECK(s.MetadataValue("k") == "v");
  CHECK(s.MetadataValue("missing").empty());
  CHECK(s.ToString() == "ABORTED: etag [ETAG_MISMATCH]");
  CHECK(Status().ok());
}

TEST_CASE("result and the propagation macros", "[core]") {
  REQUIRE(Quarter(8).ok());
  CHECK(*Quarter(8) == 2);
  CHECK(Quarter(6).status().code() == StatusCode::kInvalidArgument);
  CHECK(Quarter(3).status().message() == "odd");
  CHECK(CheckEven(4).ok());
  CHECK_FALSE(CheckEven(5).ok());
  Result<std::string> moved = std::string("abc");
  CHECK(std::move(moved).value() == "abc");
}

}  // namespace
}  // namespace strongbox::core
