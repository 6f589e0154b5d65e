#include "api/health_routes.h"

#include "core/json_util.h"

namespace strongbox::api {

void RegisterHealthRoutes(gate::RouteTable& routes, const Services& services) {
  routes.Add({.method = "GET",
              .pattern = "/healthz",
              .access = gate::Access::kPublic,
              .read = [](http::Request&) -> boost::asio::awaitable<core::Result<http::Response>> {
                co_return http::JsonResponse(200, R"({"status":"ok"})");
              }});
  routes.Add(
      {.method = "GET",
       .pattern = "/readyz",
       .access = gate::Access::kPublic,
       // `services` outlives the routes (the admin routes hold it too); its cluster member is set
       // after the routes are registered, so it is read per request.
       .read = [ready = services.ready, pipeline = services.pipeline,
                &services](http::Request&) -> boost::asio::awaitable<core::Result<http::Response>> {
         if (!ready || !ready()) {
           co_return core::Status::Unavailable("Not ready: starting or draining.");
         }
         // Cluster mode: another process took this node id over; this one never serves
         // again (proto-docs/cluster.md "Node ids"). An orchestrator should stop it.
         if (services.cluster != nullptr && services.cluster->superseded()) {
           co_return http::JsonResponse(
               503,
               R"({"status":"node-id-taken","message":"Another process holds this node id; stop this one."})");
         }
         // Reads still answer while storage refuses writes, but a balancer should send
         // traffic elsewhere: 503, saying why.
         if (pipeline != nullptr) {
           const auto health = pipeline->health();
           if (!health.writable) {
             core::Json body = {{"status", "writes-stopped"},
                                {"reason", health.fault.reason()},
                                {"message", health.fault.message()}};
             http::Response r = http::JsonResponse(503, core::DumpCompact(body));
             const auto retry = health.fault.MetadataValue("retryAfterSeconds");
             if (!retry.empty()) r.SetHeader("retry-after", std::string(retry));
             co_return r;
           }
         }
         co_return http::JsonResponse(200, R"({"status":"ready"})");
       }});
}

}  // namespace strongbox::api
