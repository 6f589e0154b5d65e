#pragma once

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

// GET /metrics: the Prometheus text format (api.md §7). Who may read it is the access gate's
// business (config metrics_access).
void RegisterMetricsRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
