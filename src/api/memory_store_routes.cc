#include "api/memory_store_routes.h"

#include "api/request_fields.h"
#include "api/write_hooks.h"

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

void RegisterMemoryStoreRoutes(http::Router& router, const Services& services) {
  const std::string base = "/cloud/v2/universes/{universe}/memory-store";
  constexpr auto kStyle = http::ErrorStyle::kMemoryStore;
  router.Add(
      "POST", base + ":flush",
      services.writes->Wrap([&services](Request& request) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
        // A flush is many commits, so a guard could not make it all-or-nothing: refuse one
        // rather than half-honour it.
        SB_CO_ASSIGN_OR_RETURN(auto guard, ParseLockGuard(request));
        if (guard) {
          co_return core::Status::InvalidArgument(
              "memory-store:flush does not take Strongbox-Lock-Id / Strongbox-Fencing-Token.");
        }
        auto hook = services.writes->Hook<std::string>(
            request, [universe](const std::string& id) { return OperationResponse(universe, id); });
        SB_CO_ASSIGN_OR_RETURN(
            std::string id, co_await services.memory_store_flush->Flush(universe, std::move(hook)));
        co_return OperationResponse(universe, id);
      }),
      kStyle);
  router.Add(
      "GET", base + "/operations/{operation}",
      [&services](Request& request) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
        const std::string& id = request.Param("operation");
        SB_CO_RETURN_IF_ERROR(services.memory_store_flush->GetOperation(universe, id));
        co_return OperationResponse(universe, id);
      },
      kStyle);
}

}  // namespace strongbox::api
