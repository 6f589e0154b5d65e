#pragma once

#include "api/services.h"
#include "http/router.h"

namespace strongbox::api {

// GET /metrics: the Prometheus text format (api.md §7). Who may read it is the access gate's
// business (config metrics_access).
void RegisterMetricsRoutes(http::Router& router, const Services& services);

}  // namespace strongbox::api
