// Fuzz target: request targets through http::ParseTarget and the real route table (http/router,
// http/message, and the percent-decoding of captures and query parameters).
//
// Input: "METHOD TARGET" (no space: a GET of the whole input), e.g.
// "POST /cloud/v2/universes/42/data-stores/Player%20Data/entries/users:7:increment?x=1".
// Checks, beyond the router's own (fuzz_router):
//   - ParseTarget: the path is the target up to its '?'; it only fails on a '%';
//   - a request that reaches a handler routes the same way again from its decoded captures,
//     re-encoded into the route's pattern: the same route with the same captures and custom
//     method, or a route at least as specific (with as many literal segments or more).

#include <cstdint>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_router.h"
#include "http/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t space = input.find(' ');

  http::Request request;
  request.method = space == std::string_view::npos ? "GET" : std::string(input.substr(0, space));
  request.target = std::string(space == std::string_view::npos ? input : input.substr(space + 1));
  const bool parsed = http::ParseTarget(request.target, &request.path, &request.query);
  FUZZ_CHECK(request.path == std::string_view(request.target).substr(0, request.target.find('?')));
  if (!parsed) {
    FUZZ_CHECK(request.target.find('%') != std::string::npos);
    return 0;
  }

  const fuzz::Routed first = fuzz::RouteRequest(request);
  if (first.route == nullptr) return 0;

  http::Request again;
  again.method = request.method;
  again.path = fuzz::BuildPath(first.route->pattern, request.params);
  const fuzz::Routed second = fuzz::RouteRequest(again);
  FUZZ_CHECK(second.route != nullptr);
  if (second.route == first.route) {
    FUZZ_CHECK(again.params == request.params);
    FUZZ_CHECK(core::EqualsIgnoreCase(again.verb, request.verb));
  } else {
    FUZZ_CHECK(fuzz::LiteralSegments(second.route->pattern) >=
               fuzz::LiteralSegments(first.route->pattern));
  }
  return 0;
}
