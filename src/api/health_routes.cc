#include "api/health_routes.h"

namespace strongbox::api {

void RegisterHealthRoutes(http::Router& router, const Services& services) {
  router.Add("GET", "/healthz",
             [](http::Request&) -> boost::asio::awaitable<core::Result<http::Response>> {
               co_return http::JsonResponse(200, R"({"status":"ok"})");
             });
  router.Add("GET", "/readyz",
             [ready = services.ready](
                 http::Request&) -> boost::asio::awaitable<core::Result<http::Response>> {
               if (ready && ready()) co_return http::JsonResponse(200, R"({"status":"ready"})");
               co_return core::Status::Unavailable("Not ready: starting or draining.");
             });
}

}  // namespace strongbox::api
