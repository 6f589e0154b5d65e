#pragma once

// GET /healthz (the process runs) and GET /readyz (serving; 503 while starting or draining),
// api.md §7. Neither needs an API key.

#include "api/services.h"
#include "http/router.h"

namespace strongbox::api {

void RegisterHealthRoutes(http::Router& router, const Services& services);

}  // namespace strongbox::api
