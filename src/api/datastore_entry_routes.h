#pragma once

// Data stores v2 entry routes (api.md §3): create, get (with @revision, @latest,
// @latest:<time>), update, delete, on the unscoped (scope `global`) and scoped paths.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterDataStoreEntryRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
