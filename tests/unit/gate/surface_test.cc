#include "gate/surface.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace strongbox::gate {
namespace {

using core::Status;

TEST_CASE("standard v1 error body, with Roblox's datastoreErrorCode", "[gate]") {
  http::Response r = ErrorResponse(Status::NotFound("Entry not found."), Surface::kStandardV1);
  CHECK(r.status == 404);
  auto j = nlohmann::json::parse(r.body);
  CHECK(j["error"] == "NOT_FOUND");
  CHECK(j["message"] == "Entry not found.");
  CHECK(j["errorDetails"][0]["errorDetailType"] == "DatastoreErrorInfo");
  CHECK(j["errorDetails"][0]["datastoreErrorCode"] == "KeyNotFound");
  auto limited = ErrorResponse(Status::ResourceExhausted("slow down"), Surface::kStandardV1);
  CHECK(nlohmann::json::parse(limited.body)["errorDetails"][0]["datastoreErrorCode"] ==
        "TooManyRequests");
  CHECK(limited.status == 429);
}

TEST_CASE("memory-store errors carry the code twice, cloud v2 once", "[gate]") {
  auto ms = nlohmann::json::parse(
      ErrorResponse(Status::NotFound("no such item"), Surface::kMemoryStore).body);
  CHECK(ms["code"] == "NOT_FOUND");
  CHECK(ms["error"] == "NOT_FOUND");
  auto v2 = nlohmann::json::parse(
      ErrorResponse(Status::NotFound("no such item"), Surface::kCloudV2).body);
  CHECK(v2["code"] == "NOT_FOUND");
  CHECK_FALSE(v2.contains("error"));
}

TEST_CASE("every surface hides an internal error's detail", "[gate]") {
  for (Surface surface : {Surface::kCloudV2, Surface::kStandardV1, Surface::kMemoryStore}) {
    auto r = ErrorResponse(Status::Internal("storage: IO error: /secret/path"), surface);
    CHECK(r.status == 500);
    CHECK(r.body.find("secret") == std::string::npos);
  }
}

}  // namespace
}  // namespace strongbox::gate
