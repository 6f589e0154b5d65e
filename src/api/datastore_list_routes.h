#pragma once

// Data stores v2 listing (api.md §3): list data stores, and list entry keys of one scope or of
// every scope (`scopes/-`), with `id.startsWith` filters, showDeleted and query-bound page
// tokens.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterDataStoreListRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
