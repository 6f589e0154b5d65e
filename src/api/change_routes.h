#pragma once

// The change feed (api.md §11, proto-docs/changes.md):
//   GET /cloud/v2/universes/{universe}/changes?startAfter=&filter=&maxPageSize=&waitTime=
// as JSON, or with `Accept: text/event-stream` as one Server-Sent Events response per read
// (`id:` the sequence, `Last-Event-ID` resumes; EventSource reconnects by itself); and durable
// subscriptions: …/subscriptions[/{id}] create, list, get, delete, `:read`, `:ack`.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterChangeRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
