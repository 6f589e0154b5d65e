#pragma once

// Memory-store sorted maps (api.md §5): list, create, get, update, delete of items under
// `/cloud/v2/universes/{u}/memory-store/sorted-maps/{map}/items`; and hash maps (api.md §10),
// the same routes under `…/memory-store/hash-maps/{map}/items` without sort keys, listed by id,
// with scopes memory-store.hash-map:read|write. Errors carry both "code" and "error"
// (gate::Surface::kMemoryStore).

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterSortedMapRoutes(gate::RouteTable& routes, const Services& services);
void RegisterHashMapRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
