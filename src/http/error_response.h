#pragma once

// The only place a core::Status becomes an HTTP status code (api.md §1 "Errors"), and the
// error body every surface starts from, the Cloud v2 shape:
//   {"code":"NOT_FOUND","message":"…","details":[{"reason":…,"metadata":{…}}]}
// The other surfaces' shapes (standard data stores v1, memory store) are the request gate's
// (gate/surface.h): this layer knows no endpoint. INTERNAL errors are logged with their detail
// and answered with a generic message.
// Thread safety: pure functions (logging is thread-safe).

#include "core/json_util.h"
#include "core/status.h"
#include "http/message.h"

namespace strongbox::http {

unsigned HttpStatusFor(core::StatusCode code);
// As above, except FAILED_PRECONDITION: 412 when a guard the client sent failed, 400 when the
// server's state or storage mode refuses the operation (reasons in api.md §1 "Errors":
// STORAGE_MODE, CHANGES_EXPIRED) — retrying cannot help, and there is no guard to re-read.
unsigned HttpStatusFor(const core::Status& status);

// What a client may read of `status`: its message, or a generic one for kInternal (whose
// detail is logged here).
std::string PublicMessage(const core::Status& status);

// The Cloud v2 error body of `status`.
core::Json CloudErrorBody(const core::Status& status);

// `body` as the answer to a request that failed with `status`: its HTTP code, and retry-after
// whenever the status says when to come back (rate limits, full queues, storage faults).
Response ErrorResponseWithBody(const core::Status& status, const core::Json& body);

// The Cloud v2 error answer: ErrorResponseWithBody(status, CloudErrorBody(status)).
Response ErrorResponse(const core::Status& status);

}  // namespace strongbox::http
