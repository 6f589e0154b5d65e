#pragma once

// Standard data stores v1 (api.md §2): entries addressed by query parameters, raw JSON values
// in bodies, metadata in roblox-entry-* headers, errors in the v1 shape.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterStandardDataStoreRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
