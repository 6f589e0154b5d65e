#pragma once

// The only place a core::Status becomes an HTTP status code and a JSON error body
// (api.md §1). Two body shapes exist:
//   kCloudV2     {"code":"NOT_FOUND","message":"…","details":[{"reason":…,"metadata":{…}}]}
//                (also used by ordered data stores v1 and by Strongbox's own routes)
//   kStandardV1  {"error":"NOT_FOUND","message":"…","errorDetails":[{"errorDetailType":
//                "DatastoreErrorInfo","datastoreErrorCode":"KeyNotFound"}]}
// INTERNAL errors are logged with their detail and answered with a generic message.

#include "core/status.h"
#include "http/message.h"

namespace strongbox::http {

//   kMemoryStore kCloudV2 plus "error": the code again (api.md §5: memory-store clients read
//                either member)
enum class ErrorStyle { kCloudV2, kStandardV1, kMemoryStore };

unsigned HttpStatusFor(core::StatusCode code);

Response ErrorResponse(const core::Status& status, ErrorStyle style = ErrorStyle::kCloudV2);

}  // namespace strongbox::http
