#pragma once

// The change feed (api.md §11, proto-docs/changes.md):
//   GET /cloud/v2/universes/{universe}/changes?startAfter=&filter=&maxPageSize=&waitTime=
// as JSON, or with `Accept: text/event-stream` as one Server-Sent Events response per read
// (`id:` the sequence, `Last-Event-ID` resumes; EventSource reconnects by itself); and durable
// subscriptions: …/subscriptions[/{id}] create, list, get, delete, `:read`, `:ack`.

#include <span>
#include <string>

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterChangeRoutes(gate::RouteTable& routes, const Services& services);

// The body of one webhook POST (changes/webhook_deliverer.h WebhookBody; proto-docs/changes.md
// "Webhooks"): {"subscription": path, "changes": [records as the feed renders them],
// "cursor": the sequence the subscription's cursor moves to once it is delivered}.
std::string WebhookBody(int64_t universe, const std::string& subscription,
                        std::span<const store::ChangeRecord> changes, uint64_t cursor);

}  // namespace strongbox::api
