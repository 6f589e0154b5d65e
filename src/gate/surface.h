#pragma once

// Surface: which client family a route speaks to, and so the shape of its error body
// (api.md §1 "Errors"). Roblox's clients parse these shapes, so each follows its Roblox API:
//   kCloudV2     Open Cloud v2 (also ordered data stores v1 and Strongbox's own routes):
//                {"code":"NOT_FOUND","message":"…","details":[{"reason":…,"metadata":{…}}]}
//   kStandardV1  standard data stores v1: {"error":"NOT_FOUND","message":"…","errorDetails":
//                [{"errorDetailType":"DatastoreErrorInfo","datastoreErrorCode":"KeyNotFound"}]}
//   kMemoryStore kCloudV2 plus "error": the code again (api.md §5: memory-store clients read
//                either member)
// Thread safety: pure functions.

#include <string_view>

#include "core/status.h"
#include "http/message.h"

namespace strongbox::gate {

enum class Surface { kCloudV2, kStandardV1, kMemoryStore };

// "cloudV2", "standardV1", "memoryStore": as GET /admin/v1/routes lists them.
std::string_view SurfaceName(Surface surface);

// The error answer of `status` in the surface's shape, with the HTTP code and retry-after of
// http/error_response.h.
http::Response ErrorResponse(const core::Status& status, Surface surface);

// The surface of the API family a raw request path belongs to, for answers no route gives (an
// unknown verb, a method the path does not take): `/cloud/v2/universes/{u}/memory-store/…` is
// kMemoryStore, `/datastores/v1/universes/{u}/standard-datastores…` kStandardV1, the rest
// kCloudV2. Segments compare case-insensitively, as routes match.
Surface SurfaceOfPath(std::string_view path);

}  // namespace strongbox::gate
