#pragma once

// Session locks (api.md §6): acquire, renew, release, steal, requestRelease, get, list.

#include "api/services.h"
#include "http/router.h"

namespace strongbox::api {

void RegisterSessionLockRoutes(http::Router& router, const Services& services);

}  // namespace strongbox::api
