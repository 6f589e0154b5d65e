#pragma once

// The router of the HTTP fuzz targets (router, http_request): every route of the real API, as
// api::ServerRoutes() declares them, each with a trivial handler that checks its captures: one per
// `{name}` of its pattern, each the percent-decoding of its raw text. Thread safety: none;
// libFuzzer calls a target from one thread.

#include <map>
#include <string>

#include "http/message.h"
#include "http/router.h"

namespace strongbox::fuzz {

struct Routed {
  http::Response response;
  // The route whose handler ran, or nullptr when the router answered by itself (400, 404,
  // 405). Points into the router, which lives as long as the process.
  const http::RouteInfo* route = nullptr;
};

// Dispatches `request` (path and query already filled by http::ParseTarget) and runs it to
// completion. Checks that the answer is the handler's 200 or the router's 400, 404 or 405.
Routed RouteRequest(http::Request& request);

// `pattern` with each `{name}` replaced by `params[name]`, every byte but RFC 3986 unreserved
// characters percent-encoded (so a capture can never be taken for a custom method).
std::string BuildPath(const std::string& pattern, const std::map<std::string, std::string>& params);

// The literal segments of `pattern`: the router prefers the match with the most.
int LiteralSegments(const std::string& pattern);

}  // namespace strongbox::fuzz
