#include "gate/access_gate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>

#include "core/digest.h"
#include "core/names.h"
#include "core/strings.h"
#include "gate/surface.h"

namespace strongbox::gate {

namespace {

bool IsLoopback(std::string_view address) {
  return address.substr(0, 4) == "127." || address == "::1" ||
         address.substr(0, 11) == "::ffff:127.";
}

// An id that is unique in this process and unlikely across processes: a random prefix chosen
// at start, then a counter, in hex.
std::string NewRequestId() {
  static const std::string prefix = core::HexEncode(core::SecureRandomBytes(6));
  static std::atomic<uint64_t> counter{0};
  uint64_t n = counter.fetch_add(1) + 1;
  std::string id = prefix;
  id.resize(prefix.size() + 16);
  for (size_t i = id.size(); i > prefix.size(); --i, n >>= 4)
    id[i - 1] = "0123456789abcdef"[n & 0xF];
  return id;
}

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

std::optional<std::string_view> Credential(const http::Request& request) {
  if (auto key = request.Header("x-api-key")) return key;
  if (auto auth = request.Header("authorization")) {
    std::string_view value = *auth;
    if (value.size() > 7 && (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
      return value.substr(7);
    }
  }
  return std::nullopt;
}

std::string Seconds(double s) { return std::to_string(static_cast<int64_t>(std::ceil(s))); }

// The 401 of api.md §1: one fixed body, whatever the route's error style.
http::Response InvalidApiKeyResponse() {
  return http::JsonResponse(401, R"({"errors":[{"code":0,"message":"Invalid API Key"}]})");
}

}  // namespace

core::Result<ops::AccessNeed> NeedOf(const RouteSpec& spec, const http::Request& request) {
  ops::AccessNeed need;
  need.names = spec.scopes;
  if (auto it = request.params.find("universe"); it != request.params.end()) {
    SB_ASSIGN_OR_RETURN(need.universe, core::ParseUniverseId(it->second));
  }
  switch (spec.data_store) {
    case DataStoreSource::kNone:
      break;
    case DataStoreSource::kParam:
      for (const char* name : {"dataStore", "store"}) {
        if (auto it = request.params.find(name); it != request.params.end()) {
          need.data_store = it->second;
        }
      }
      break;
    case DataStoreSource::kQuery:
      need.data_store = request.Query("datastoreName");
      break;
  }
  return need;
}

std::optional<Placement::Key> PlacementKeyOf(const RouteSpec& spec, const http::Request& request) {
  if (auto it = request.params.find("universe"); it != request.params.end()) {
    auto universe = core::ParseUniverseId(it->second);
    // A bad id is answered by whichever node got it (the handler's 400).
    if (!universe.ok()) return std::nullopt;
    return Placement::Key{*universe};
  }
  if (spec.mutates()) return Placement::Key{std::nullopt};  // the system partition
  return std::nullopt;
}

AccessGate::AccessGate(RouteTable table, const ops::KeyStore* keys, ops::RateLimiter* limiter,
                       Options options)
    : keys_(keys), limiter_(limiter), options_(options), table_(std::move(table)) {}

core::Result<std::unique_ptr<AccessGate>> AccessGate::Install(
    RouteTable table, http::Router& router, WriteGate* writes, const ops::KeyStore* keys,
    ops::RateLimiter* limiter, Options options) {
  SB_RETURN_IF_ERROR(table.Validate());
  if (!router.Routes().empty()) return core::Status::Internal("the router already has routes");
  std::unique_ptr<AccessGate> gate(new AccessGate(std::move(table), keys, limiter, options));
  std::vector<ops::RequestMetrics::Route> metric_routes;
  // The specs live as long as the gate, which outlives serving: handlers may point at them.
  for (const RouteSpec& spec : gate->table_.specs()) {
    router.Add(spec.method, spec.pattern, spec.mutates() ? writes->Wrap(spec) : spec.read);
    metric_routes.push_back({spec.method, spec.pattern});
  }
  gate->metrics_ = std::make_unique<ops::RequestMetrics>(std::move(metric_routes));
  router.SetInterceptor(
      [g = gate.get()](http::Request& request, const http::RouteInfo& route,
                       const http::Handler& next) { return g->Intercept(request, route, next); });
  // Unrouted requests answer in their path's family's error shape, as its routes do.
  router.SetUnrouted([](const http::Request& request, const core::Status& status) {
    return ErrorResponse(status, SurfaceOfPath(request.path));
  });
  return gate;
}

std::optional<http::Response> AccessGate::Check(http::Request& request, const RouteSpec& spec,
                                                ops::RateLimiter::Decision* limit) {
  if (spec.access == Access::kPublic) return std::nullopt;
  if (spec.access == Access::kMetrics) {
    using M = Options::Metrics;
    if (options_.metrics_access == M::kOpen) return std::nullopt;
    if (options_.metrics_access == M::kLoopback && IsLoopback(request.remote_address)) {
      return std::nullopt;
    }
  }
  int64_t universe = 0;
  if (options_.auth_required || spec.access == Access::kMetrics) {
    auto credential = Credential(request);
    if (!credential) return InvalidApiKeyResponse();
    auto key = keys_->Authenticate(*credential);
    if (!key.ok()) return InvalidApiKeyResponse();
    auto need = NeedOf(spec, request);
    if (!need.ok()) return ErrorResponse(need.status(), spec.surface);
    // A route without scopes of its own (:commit) still needs the key to reach the universe,
    // before it draws on that universe's rate bucket.
    const bool reaches = !spec.scopes_per_operation || ops::GrantsAnyOn(**key, need->universe);
    if (!reaches || !ops::Grants(**key, *need)) {
      std::string names;
      for (auto name : spec.scopes) names += (names.empty() ? "" : ", ") + std::string(name);
      if (names.empty()) names = "any scope";
      return ErrorResponse(
          core::Status::PermissionDenied(
              "This API key lacks the scope this route needs (" + names + ") on universe " +
              (need->universe ? std::to_string(need->universe) : "*") +
              (need->data_store ? ", data store " + std::string(*need->data_store)
                                : std::string()) +
              "."),
          spec.surface);
    }
    request.principal = (*key)->id;
    universe = need->universe;
    if (spec.scopes_per_operation) {
      // A copy: the key store's pointer is only good until this thread's next Authenticate.
      request.grants = [caller = std::make_shared<const ops::ApiKey>(**key), universe](
                           std::span<const std::string_view> names,
                           std::optional<std::string_view> data_store) {
        ops::AccessNeed operation;
        operation.names = names;
        operation.universe = universe;
        operation.data_store = data_store;
        return ops::Grants(*caller, operation);
      };
    }
  } else if (auto it = request.params.find("universe"); it != request.params.end()) {
    auto parsed = core::ParseInt64(it->second);
    if (parsed && *parsed > 0) universe = *parsed;
  }
  if (spec.access == Access::kMetrics) return std::nullopt;
  const ops::RateFamily family = spec.family.value_or(ops::RateFamily::kAdmin);
  const auto decision =
      limiter_->Acquire(family, request.principal, universe, ops::RateLimiterNow());
  if (!decision.limited) return std::nullopt;
  *limit = decision;
  if (decision.allowed) return std::nullopt;
  http::Response rejected =
      ErrorResponse(core::Status::ResourceExhausted(
                        "Rate limit exceeded for " + std::string(ops::RateFamilyName(family)) +
                        " requests; retry after " + Seconds(decision.retry_after_seconds) + " s."),
                    spec.surface);
  rejected.SetHeader("retry-after", Seconds(decision.retry_after_seconds));
  return rejected;
}

boost::asio::awaitable<http::Response> AccessGate::Intercept(http::Request& request,
                                                             const http::RouteInfo& route,
                                                             const http::Handler& next) {
  const auto started = std::chrono::steady_clock::now();
  auto header_id = request.Header("x-request-id");
  request.request_id =
      header_id && SaneRequestId(*header_id) ? std::string(*header_id) : NewRequestId();
  const auto& specs = table_.specs();
  const RouteSpec* spec = route.index < specs.size() ? &specs[route.index] : nullptr;
  http::Response response;
  ops::RateLimiter::Decision limit;
  // Cluster mode: a request for a partition another node owns is relayed as that node
  // answered it, with nothing added here.
  std::shared_ptr<const void> hold;
  if (spec != nullptr && placement_ != nullptr) {
    if (auto key = PlacementKeyOf(*spec, request)) {
      Placement::Placed placed = co_await placement_->Place(request, *key);
      if (placed.where == Placement::Placed::Where::kForwarded) {
        metrics_->Observe(
            route.index, placed.forwarded.status,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        co_return std::move(placed.forwarded);
      }
      if (placed.where == Placement::Placed::Where::kRefused) {
        response = ErrorResponse(placed.refused, spec->surface);
        response.headers.emplace_back("x-request-id", request.request_id);
        metrics_->Observe(
            route.index, response.status,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        co_return response;
      }
      hold = std::move(placed.hold);
    }
  }
  if (spec == nullptr) {
    // Install() added every route; one added to the router later is refused, never open.
    response =
        ErrorResponse(core::Status::Internal("route without a declaration"), Surface::kCloudV2);
  } else if (auto refused = Check(request, *spec, &limit)) {
    response = std::move(*refused);
  } else {
    core::Result<http::Response> result = co_await next(request);
    response =
        result.ok() ? std::move(result).value() : ErrorResponse(result.status(), spec->surface);
    // Cluster mode: a read answered from a partition that moved (or a lease that lapsed) while
    // it ran may be stale; a write is safe either way (its commit is fenced by the epoch).
    if (hold != nullptr && !spec->mutates()) {
      if (core::Status still = placement_->Recheck(hold); !still.ok()) {
        response = ErrorResponse(still, spec->surface);
      }
    }
  }
  // x-ratelimit-* go on a 429 and on every answer once the tighter bucket is below half: a
  // client nearing its limit sees them, and the common request carries three fewer headers.
  // A handler's own 429 (a :commit's per-family charge) already names the bucket that refused.
  const bool named = std::any_of(response.headers.begin(), response.headers.end(),
                                 [](const auto& h) { return h.first == "x-ratelimit-limit"; });
  if (limit.limited && !named && (!limit.allowed || limit.remaining * 2 < limit.burst)) {
    response.headers.emplace_back("x-ratelimit-limit",
                                  std::to_string(static_cast<int64_t>(limit.limit)));
    response.headers.emplace_back("x-ratelimit-remaining",
                                  std::to_string(static_cast<int64_t>(limit.remaining)));
    response.headers.emplace_back("x-ratelimit-reset", Seconds(limit.reset_seconds));
  }
  response.headers.emplace_back("x-request-id", request.request_id);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (spec != nullptr) metrics_->Observe(route.index, response.status, seconds);
  if (response.status >= 500 && !options_.access_log) {
    // error_response logged the detail; this ties it to the id the client saw.
    spdlog::warn("request id={} {} {} answered {}", request.request_id, request.method,
                 route.pattern, response.status);
  }
  if (options_.access_log) {
    spdlog::info("request id={} key={} {} {} route=\"{}\" status={} ms={:.3f}", request.request_id,
                 request.principal.empty() ? "-" : request.principal, request.method, request.path,
                 route.pattern, response.status, seconds * 1000);
  }
  co_return response;
}

}  // namespace strongbox::gate
