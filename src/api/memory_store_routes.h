#pragma once

// Memory-store routes over the whole universe (api.md §5): `POST …/memory-store:flush` and
// `GET …/memory-store/operations/{id}`.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterMemoryStoreRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
