#pragma once

// Every route of the server, declared by the route groups (api/*_routes.h) in one table: what
// app/ installs, and what the route-table tests and the router fuzz targets read, so they see
// exactly the server's routes. Registration only records handlers; `services` (borrowed, must
// outlive the table's handlers) is read when a request arrives.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

gate::RouteTable ServerRoutes(const Services& services);

}  // namespace strongbox::api
