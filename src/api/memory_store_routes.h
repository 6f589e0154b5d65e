#pragma once

#include <string>
#include <string_view>

// Memory-store routes over the whole universe (api.md §5): `POST …/memory-store:flush` and
// `GET …/memory-store/operations/{id}`.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterMemoryStoreRoutes(gate::RouteTable& routes, const Services& services);

// Declares one memory-store route (sorted maps, queues, flush): the memory-store surface and
// rate family, one scope, and its read or write handler.
void AddMemoryStoreRoute(gate::RouteTable& routes, std::string method, std::string pattern,
                         std::string_view scope, http::Handler read, gate::WriteHandler write = {});

}  // namespace strongbox::api
