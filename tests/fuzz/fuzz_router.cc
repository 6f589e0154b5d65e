#include "fuzz/fuzz_router.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <set>
#include <string_view>

#include "api/server_routes.h"
#include "core/strings.h"
#include "fuzz/fuzz_check.h"
#include "gate/access_gate.h"

namespace strongbox::fuzz {
namespace {

namespace asio = boost::asio;

std::set<std::string> Captures(std::string_view pattern) {
  std::set<std::string> names;
  for (size_t open = pattern.find('{'); open != std::string_view::npos;
       open = pattern.find('{', open + 1)) {
    const size_t close = pattern.find('}', open);
    names.emplace(pattern.substr(open + 1, close - open - 1));
  }
  return names;
}

// The handler of every route: what the router handed it must fit the route's pattern.
http::Handler CheckingHandler(const gate::RouteSpec& spec) {
  return [&spec](http::Request& request) -> asio::awaitable<core::Result<http::Response>> {
    const std::set<std::string> names = Captures(spec.pattern);
    FUZZ_CHECK(request.params.size() == names.size());
    FUZZ_CHECK(request.raw_params.size() == names.size());
    for (const std::string& name : names) {
      FUZZ_CHECK(request.params.count(name) == 1 && request.raw_params.count(name) == 1);
      FUZZ_CHECK(!request.params.at(name).empty());
      FUZZ_CHECK(core::PercentDecode(request.raw_params.at(name)) == request.params.at(name));
    }
    // What the access gate reads from a routed request: the universe id and the data store.
    (void)gate::NeedOf(spec, request);
    co_return http::JsonResponse(200, "{}");
  };
}

const http::RouteInfo* g_routed = nullptr;

const http::Router& FuzzRouter() {
  static const http::Router* const router = [] {
    auto* r = new http::Router();
    static const api::Services services;
    static const gate::RouteTable table = api::ServerRoutes(services);
    for (const gate::RouteSpec& spec : table.specs()) {
      r->Add(spec.method, spec.pattern, CheckingHandler(spec));
    }
    r->SetInterceptor([](http::Request& request, const http::RouteInfo& route,
                         const http::Handler& next) -> asio::awaitable<http::Response> {
      g_routed = &route;
      core::Result<http::Response> result = co_await next(request);
      if (!result.ok()) co_return http::ErrorResponse(result.status());
      co_return std::move(result).value();
    });
    return r;
  }();
  return *router;
}

}  // namespace

Routed RouteRequest(http::Request& request) {
  static asio::io_context* const ioc = new asio::io_context();
  std::optional<http::Response> response;
  std::exception_ptr error;
  g_routed = nullptr;
  asio::co_spawn(*ioc, FuzzRouter().Dispatch(request), [&](std::exception_ptr e, http::Response r) {
    error = e;
    response = std::move(r);
  });
  ioc->restart();
  ioc->run();
  FUZZ_CHECK(!error);
  FUZZ_CHECK(response.has_value());
  const unsigned status = response->status;
  FUZZ_CHECK(g_routed != nullptr ? status == 200
                                 : (status == 400 || status == 404 || status == 405));
  return Routed{std::move(*response), g_routed};
}

std::string BuildPath(const std::string& pattern,
                      const std::map<std::string, std::string>& params) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out.push_back(pattern[i]);
      continue;
    }
    const size_t close = pattern.find('}', i);
    for (unsigned char c : params.at(pattern.substr(i + 1, close - i - 1))) {
      const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                              c == '~';
      if (unreserved) {
        out.push_back(static_cast<char>(c));
      } else {
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
    i = close;
  }
  return out;
}

int LiteralSegments(const std::string& pattern) {
  int literals = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '/' && i + 1 < pattern.size() && pattern[i + 1] != '{') ++literals;
  }
  return literals;
}

}  // namespace strongbox::fuzz
