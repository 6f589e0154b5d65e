#pragma once

// The console (proto-docs/console.md): GET /console/ serves its page and GET /console/{file} its
// script and style sheet, compiled into the binary (console/console_assets.h). No API key is
// needed for the files themselves: the page signs in with one and calls the public API like
// any client, so every action is checked against that key's scopes (api.md §7).
//
// Every answer carries a strict Content-Security-Policy (scripts, styles and fetches from this
// origin only, no inline script, no framing), nosniff and no-referrer. GET /console without the
// slash redirects to the relative `console/`, so the page and its relative URLs work behind a
// reverse proxy that mounts the server under a path prefix.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterConsoleRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
