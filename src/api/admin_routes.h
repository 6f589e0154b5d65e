#pragma once

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

// /admin/v1/api-keys (create, list, get, revoke) and /admin/v1/backups (create, list, delete):
// api.md §7. [SB] GET /admin/v1/routes: {"routes":[{"method","pattern","style"}]}, every route
// registered on `router` (which must outlive the server).
void RegisterAdminRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
