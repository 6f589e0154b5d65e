#pragma once

// Memory-store queues (api.md §5): add, read (with [SB] long poll), discard, and the [SB] queue
// resource with maxDeliveries / deadLetterQueue, under
// `/cloud/v2/universes/{u}/memory-store/queues/{q}`. Errors carry both "code" and "error".

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterQueueRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
