#pragma once

// Session locks (api.md §6): acquire, renew, release, steal, requestRelease, get, list.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterSessionLockRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
