#include "api/memory_store_routes.h"

#include "api/request_fields.h"
#include "gate/request_write.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Result;
using http::Request;
using http::Response;

namespace {

// The flush runs to completion before it answers, so every operation reads as done.
Response OperationResponse(int64_t universe, const std::string& id) {
  core::Json body = {
      {"path", "cloud/v2/universes/" + std::to_string(universe) + "/memory-store/operations/" + id},
      {"done", true},
      {"response", core::Json::object()}};
  return http::JsonResponse(200, core::DumpCompact(body));
}

}  // namespace

void AddMemoryStoreRoute(gate::RouteTable& routes, std::string method, std::string pattern,
                         std::string_view scope, http::Handler read, gate::WriteHandler write) {
  routes.Add({.method = std::move(method),
              .pattern = std::move(pattern),
              .surface = gate::Surface::kMemoryStore,
              .scopes = {scope},
              .family = ops::RateFamily::kMemoryStore,
              .read = std::move(read),
              .write = std::move(write)});
}

void RegisterMemoryStoreRoutes(gate::RouteTable& routes, const Services& services) {
  const std::string base = "/cloud/v2/universes/{universe}/memory-store";
  routes.Add({.method = "POST",
              .pattern = base + ":flush",
              .surface = gate::Surface::kMemoryStore,
              .scopes = {ops::scopes::kFlush},
              .family = ops::RateFamily::kMemoryStore,
              .write = [&services](Request& request,
                                   gate::RequestWrite& write) -> asio::awaitable<Result<Response>> {
                SB_CO_ASSIGN_OR_RETURN(int64_t universe,
                                       ParseUniverseId(request.Param("universe")));
                auto respond = write.Respond<std::string>(
                    [universe](const std::string& id) { return OperationResponse(universe, id); });
                SB_CO_ASSIGN_OR_RETURN(std::string id, co_await services.memory_store_flush->Flush(
                                                           universe, respond.context()));
                co_return respond(id);
              },
              // The contract's one opt-out (api.md §5): a flush is many commits, so a guard could
              // not make it all-or-nothing; it is refused rather than half-honoured. The operation
              // record is the last commit and carries the Idempotency-Key answer.
              .guard = gate::Guard::kRefused});
  AddMemoryStoreRoute(
      routes, "GET", base + "/operations/{operation}", ops::scopes::kFlush,
      [&services](Request& request) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
        const std::string& id = request.Param("operation");
        SB_CO_RETURN_IF_ERROR(services.memory_store_flush->GetOperation(universe, id));
        co_return OperationResponse(universe, id);
      });
}

}  // namespace strongbox::api
