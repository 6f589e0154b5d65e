#include "api/console_routes.h"

#include "console/console_assets.h"
#include "http/error_response.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Result;
using http::Request;
using http::Response;

namespace {

// connect-src 'self': the page talks to this server only. No 'unsafe-inline' anywhere: even a
// stored value that reached the DOM as markup could not run.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void SetConsoleHeaders(Response& response) {
  response.SetHeader("content-security-policy", kContentSecurityPolicy);
  response.SetHeader("x-content-type-options", "nosniff");
  response.SetHeader("x-frame-options", "DENY");
  response.SetHeader("referrer-policy", "no-referrer");
  // Small files: revalidated on each load, so a server upgrade never meets a stale script.
  response.SetHeader("cache-control", "no-cache");
}

Result<Response> ServeAsset(std::string_view name) {
  auto asset = console::FindAsset(name);
  if (!asset) {
    // Answered here, not as a bare status, so that it carries the console's headers too
    // (console.md: every console answer): the name it echoes is never sniffed or framed.
    Response missing = http::ErrorResponse(
        core::Status::NotFound("The console has no file named \"" + std::string(name) + "\"."));
    SetConsoleHeaders(missing);
    return missing;
  }
  Response response;
  response.status = 200;
  response.content_type = std::string(asset->content_type);
  response.body = std::string(asset->body);
  SetConsoleHeaders(response);
  return response;
}

}  // namespace

void RegisterConsoleRoutes(gate::RouteTable& routes, const Services&) {
  // The router drops empty segments, so /console and /console/ reach this one route; the raw
  // path tells them apart.
  routes.Add({.method = "GET",
              .pattern = "/console",
              .access = gate::Access::kPublic,
              .read = [](Request& request) -> asio::awaitable<Result<Response>> {
                if (!request.path.ends_with('/')) {
                  Response redirect;
                  redirect.status = 308;
                  redirect.content_type = "text/plain; charset=utf-8";
                  redirect.body = "console/\n";
                  redirect.SetHeader("location", "console/");
                  SetConsoleHeaders(redirect);
                  co_return redirect;
                }
                co_return ServeAsset("");
              }});
  routes.Add({.method = "GET",
              .pattern = "/console/{file}",
              .access = gate::Access::kPublic,
              .read = [](Request& request) -> asio::awaitable<Result<Response>> {
                co_return ServeAsset(request.Param("file"));
              }});
}

}  // namespace strongbox::api
