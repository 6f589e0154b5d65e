#pragma once

// GET /healthz (the process runs) and GET /readyz (serving; 503 while starting or draining),
// api.md §7. Neither needs an API key.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterHealthRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
