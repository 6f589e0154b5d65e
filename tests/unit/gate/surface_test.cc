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

TEST_CASE("a path no route takes still belongs to its API family's error shape", "[gate]") {
  CHECK(SurfaceOfPath("/cloud/v2/universes/1/memory-store/queues/q/items:bogus") ==
        Surface::kMemoryStore);
  CHECK(SurfaceOfPath("/CLOUD/v2/universes/1/Memory-Store/hash-maps/h/items/x") ==
        Surface::kMemoryStore);
  CHECK(SurfaceOfPath("/cloud/v2/universes/1/memory-store:flush") == Surface::kMemoryStore);
  CHECK(SurfaceOfPath("/datastores/v1/universes/1/standard-datastores/datastore/nope") ==
        Surface::kStandardV1);
  CHECK(SurfaceOfPath("/cloud/v2/universes/1/data-stores/d/entries/e:bogus") == Surface::kCloudV2);
  CHECK(SurfaceOfPath("/ordered-data-stores/v1/universes/1/orderedDataStores/x") ==
        Surface::kCloudV2);
  CHECK(SurfaceOfPath("") == Surface::kCloudV2);
  CHECK(SurfaceOfPath("/") == Surface::kCloudV2);
  CHECK(SurfaceOfPath("/cloud/v2/universes/1") == Surface::kCloudV2);
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
