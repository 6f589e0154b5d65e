#pragma once

// Memory-store sorted maps (api.md §5): list, create, get, update, delete of items under
// `/cloud/v2/universes/{u}/memory-store/sorted-maps/{map}/items`. Errors carry both "code" and
// "error" (ErrorStyle::kMemoryStore).

#include "api/services.h"
#include "http/router.h"

namespace strongbox::api {

void RegisterSortedMapRoutes(http::Router& router, const Services& services);

}  // namespace strongbox::api
