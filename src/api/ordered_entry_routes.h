#pragma once

// Ordered data stores (api.md §4) on both surfaces: v1 (`/ordered-data-stores/v1/…`, snake_case
// query parameters, list key `entries`) and v2 (`/cloud/v2/…`, camelCase, list key
// `orderedDataStoreEntries`), plus the [SB] calls :rank, :neighbors and entries:count on v2.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterOrderedEntryRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
