#include "api/admin_routes.h"

#include <map>

#include "api/request_fields.h"
#include "core/json_util.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "gate/access_gate.h"
#include "gate/request_write.h"
#include "ops/backups.h"
#include "ops/inventory.h"
#include "ops/key_store.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Json;
using core::Result;
using core::Status;
using http::Request;
using http::Response;

namespace {

Json KeyJson(const ops::ApiKey& key, core::Timestamp now) {
  Json scopes = Json::array();
  for (const auto& scope : key.scopes) {
    Json s = {{"universe", scope.universe == 0 ? "*" : std::to_string(scope.universe)},
              {"scope", scope.name}};
    if (!scope.data_stores.empty()) s["dataStores"] = scope.data_stores;
    scopes.push_back(std::move(s));
  }
  Json out = {{"id", key.id},
              {"name", key.name},
              {"scopes", std::move(scopes)},
              {"createTime", core::FormatRfc3339(key.create_time)},
              {"state", key.StateAt(now)}};
  if (key.expire_time) out["expireTime"] = core::FormatRfc3339(*key.expire_time);
  if (key.revoke_time) out["revokeTime"] = core::FormatRfc3339(*key.revoke_time);
  return out;
}

Result<ops::KeyScope> ParseScope(const Json& item) {
  if (!item.is_object()) return Status::InvalidArgument("Each scope must be an object.");
  ops::KeyScope scope;
  SB_ASSIGN_OR_RETURN(auto universe, core::GetOptionalString(item, "universe"));
  if (!universe) return Status::InvalidArgument("A scope needs \"universe\": an id or \"*\".");
  if (*universe != "*") {
    SB_ASSIGN_OR_RETURN(scope.universe, ParseUniverseId(*universe));
  }
  SB_ASSIGN_OR_RETURN(auto name, core::GetOptionalString(item, "scope"));
  if (!name) return Status::InvalidArgument("A scope needs \"scope\": a scope name.");
  scope.name = *name;
  if (const Json* stores = core::FindMember(item, "dataStores")) {
    if (!stores->is_array()) return Status::InvalidArgument("dataStores must be an array.");
    for (const auto& store : *stores) {
      if (!store.is_string()) return Status::InvalidArgument("dataStores must hold strings.");
      scope.data_stores.push_back(store.get<std::string>());
    }
  }
  SB_RETURN_IF_ERROR(ops::ValidateScope(scope));
  return scope;
}

Result<ops::KeyStore::NewKey> ParseNewKey(const Request& request) {
  SB_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
  ops::KeyStore::NewKey key;
  SB_ASSIGN_OR_RETURN(auto name, core::GetOptionalString(body, "name"));
  if (!name) return Status::InvalidArgument("\"name\" is required.");
  key.name = *name;
  const Json* scopes = core::FindMember(body, "scopes");
  if (scopes == nullptr || !scopes->is_array()) {
    return Status::InvalidArgument("\"scopes\" must be an array of scope objects.");
  }
  for (const auto& item : *scopes) {
    SB_ASSIGN_OR_RETURN(ops::KeyScope scope, ParseScope(item));
    key.scopes.push_back(std::move(scope));
  }
  SB_ASSIGN_OR_RETURN(auto expire, core::GetOptionalString(body, "expireTime"));
  if (expire) {
    SB_ASSIGN_OR_RETURN(key.expire_time, core::ParseRfc3339(*expire));
  }
  return key;
}

Json BackupJson(const ops::BackupInfo& info) {
  return {{"id", std::to_string(info.id)},
          {"createTime", core::FormatRfc3339(info.create_time)},
          {"sizeBytes", info.size_bytes},
          {"files", info.files}};
}

Result<uint32_t> ParseBackupId(const std::string& text) {
  auto id = core::ParseInt64(text);
  if (!id || *id <= 0 || *id > UINT32_MAX) {
    return Status::InvalidArgument("A backup id is a positive integer.");
  }
  return static_cast<uint32_t>(*id);
}

}  // namespace

void RegisterAdminRoutes(gate::RouteTable& routes, const Services& services) {
  ops::KeyStore* keys = services.keys;
  ops::Backups* backups = services.backups;
  const core::Clock* clock = services.clock;
  // Administration has no universe, so a lock guard here can never hold (409 LOCK_LOST). The
  // key store and backups commit on their own, so the gate checks the guard before and stores
  // an Idempotency-Key answer after (Commits::kMany).
  auto add = [&routes](std::string method, std::string pattern, http::Handler read,
                       gate::WriteHandler write = {},
                       std::function<void(http::Response&)> redact_stored = {}) {
    routes.Add({.method = std::move(method),
                .pattern = std::move(pattern),
                .scopes = {ops::scopes::kAdmin},
                .family = ops::RateFamily::kAdmin,
                .read = std::move(read),
                .write = std::move(write),
                .commits = gate::Commits::kMany,
                .redact_stored = std::move(redact_stored)});
  };
  add(
      "POST", "/admin/v1/api-keys", {},
      [keys, clock](Request& request, gate::RequestWrite&) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(auto new_key, ParseNewKey(request));
        SB_CO_ASSIGN_OR_RETURN(auto created, co_await keys->Create(std::move(new_key)));
        Json body = KeyJson(created.key, clock->Now());
        body["secret"] = created.secret;  // the only time it is ever shown
        co_return http::JsonResponse(200, core::DumpCompact(body));
      },
      // The secret is never stored, not even in the Idempotency-Key answer: a replay shows the
      // key without it (revoke it and create another if the first answer was lost).
      [](http::Response& stored) {
        auto body = core::ParseJson(stored.body);
        if (!body.ok() || !body->is_object()) return;
        (*body)["secret"] = nullptr;
        stored.body = core::DumpCompact(*body);
      });
  add("GET", "/admin/v1/api-keys", [keys, clock](Request&) -> asio::awaitable<Result<Response>> {
    Json list = Json::array();
    const core::Timestamp now = clock->Now();
    for (const auto& key : keys->List()) list.push_back(KeyJson(key, now));
    co_return http::JsonResponse(200, core::DumpCompact(Json{{"apiKeys", list}}));
  });
  add("GET", "/admin/v1/api-keys/{key}",
      [keys, clock](Request& request) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(ops::ApiKey key, keys->Get(request.Param("key")));
        co_return http::JsonResponse(200, core::DumpCompact(KeyJson(key, clock->Now())));
      });
  add("DELETE", "/admin/v1/api-keys/{key}", {},
      [keys, clock](Request& request, gate::RequestWrite&) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(ops::ApiKey key, co_await keys->Revoke(request.Param("key")));
        co_return http::JsonResponse(200, core::DumpCompact(KeyJson(key, clock->Now())));
      });
  add("POST", "/admin/v1/backups", {},
      [backups](Request&, gate::RequestWrite&) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(ops::BackupInfo info, co_await backups->Create());
        co_return http::JsonResponse(200, core::DumpCompact(BackupJson(info)));
      });
  add("GET", "/admin/v1/backups", [backups](Request&) -> asio::awaitable<Result<Response>> {
    SB_CO_ASSIGN_OR_RETURN(auto infos, co_await backups->List());
    Json list = Json::array();
    for (auto it = infos.rbegin(); it != infos.rend(); ++it) list.push_back(BackupJson(*it));
    co_return http::JsonResponse(
        200, core::DumpCompact(Json{{"backups", list}, {"backupDir", backups->dir()}}));
  });
  add("DELETE", "/admin/v1/backups/{backup}", {},
      [backups](Request& request, gate::RequestWrite&) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(uint32_t id, ParseBackupId(request.Param("backup")));
        Status deleted = co_await backups->Delete(id);
        SB_CO_RETURN_IF_ERROR(deleted);
        co_return http::JsonResponse(200, "{}");
      });
  // The key making the call, for a client that must show only what its key may do (the
  // console, proto-docs/console.md): any valid key may ask about itself.
  routes.Add({.method = "GET",
              .pattern = "/admin/v1/caller",
              .access = gate::Access::kAnyKey,
              .family = ops::RateFamily::kAdmin,
              .read = [keys, clock](Request& request) -> asio::awaitable<Result<Response>> {
                if (request.principal.empty()) {
                  co_return http::JsonResponse(200, R"({"auth":"disabled"})");
                }
                SB_CO_ASSIGN_OR_RETURN(ops::ApiKey key, keys->Get(request.principal));
                Json body = KeyJson(key, clock->Now());
                body["auth"] = "required";
                co_return http::JsonResponse(200, core::DumpCompact(body));
              }});
  // What exists, for browsing (ops/inventory.h): the universes that hold data on this node, and
  // one universe's leaderboards, sorted maps and queues (its data stores: GET …/data-stores).
  add("GET", "/admin/v1/universes", [&services](Request&) -> asio::awaitable<Result<Response>> {
    SB_CO_ASSIGN_OR_RETURN(auto found,
                           ops::ListUniverses(*services.engine, services.max_inventory_names));
    Json list = Json::array();
    for (int64_t universe : found.universes) list.push_back({{"id", std::to_string(universe)}});
    co_return http::JsonResponse(
        200, core::DumpCompact(Json{{"universes", list}, {"truncated", found.truncated}}));
  });
  add("GET", "/admin/v1/universes/{universe}",
      [&services](Request& request) -> asio::awaitable<Result<Response>> {
        SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
        SB_CO_ASSIGN_OR_RETURN(auto inventory, ops::InventoryOf(*services.engine, universe,
                                                                services.max_inventory_names));
        Json boards = Json::array();
        for (const auto& board : inventory.leaderboards) {
          boards.push_back({{"orderedDataStore", board.store}, {"scope", board.scope}});
        }
        co_return http::JsonResponse(200,
                                     core::DumpCompact(Json{{"id", std::to_string(universe)},
                                                            {"leaderboards", std::move(boards)},
                                                            {"sortedMaps", inventory.sorted_maps},
                                                            {"hashMaps", inventory.hash_maps},
                                                            {"queues", inventory.queues},
                                                            {"truncated", inventory.truncated}}));
      });
  // The route table, for tooling and for the tests that must cover every route (each v2 answer
  // is JSON, every body is depth-bounded, every write replays and honours the guard): a route
  // added later is listed by itself, with its declaration.
  add("GET", "/admin/v1/routes", [&services](Request&) -> asio::awaitable<Result<Response>> {
    Json list = Json::array();
    if (services.gate != nullptr) {
      for (const gate::RouteSpec& spec : services.gate->routes()) {
        Json scopes = Json::array();
        for (auto scope : spec.scopes) scopes.push_back(scope);
        Json route = {{"method", spec.method},
                      {"pattern", spec.pattern},
                      {"style", gate::SurfaceName(spec.surface)},
                      {"scopes", std::move(scopes)},
                      {"mutates", spec.mutates()}};
        if (spec.mutates()) {
          route["commits"] = spec.commits == gate::Commits::kOne ? "one" : "many";
          route["guard"] = spec.guard == gate::Guard::kHonoured ? "honoured" : "refused";
        }
        list.push_back(std::move(route));
      }
    }
    co_return http::JsonResponse(200, core::DumpCompact(Json{{"routes", list}}));
  });
  // Cluster mode (proto-docs/cluster.md): the members and every partition's owner and epoch,
  // as this node last read them (at most cluster_tick_ms old).
  add("GET", "/admin/v1/cluster", [&services](Request&) -> asio::awaitable<Result<Response>> {
    if (services.cluster == nullptr) {
      co_return Status::FailedPrecondition(
          "This node does not run in cluster mode (start it with --cluster).")
          .WithReason("NOT_CLUSTERED");
    }
    const store::pg::ClusterView view = services.cluster->view();
    Json nodes = Json::array();
    for (const auto& node : view.nodes) {
      nodes.push_back({{"nodeId", node.node_id},
                       {"advertiseUrl", node.advertise_url},
                       {"heartbeatAgeMs", node.heartbeat_age_ms},
                       {"draining", node.draining}});
    }
    Json partitions = Json::array();
    std::map<std::string, size_t> owned;
    for (const auto& row : view.partitions) {
      Json p = {{"partition", row.partition},
                {"owner", row.owner ? Json(*row.owner) : Json(nullptr)},
                {"epoch", row.epoch},
                {"leaseRemainingMs", row.lease_remaining_ms},
                {"commitSeq", row.commit_seq}};
      if (row.handoff_to) p["handoffTo"] = *row.handoff_to;
      if (row.owner) ++owned[*row.owner];
      partitions.push_back(std::move(p));
    }
    for (auto& node : nodes) node["partitionsOwned"] = owned[node["nodeId"].get<std::string>()];
    co_return http::JsonResponse(200,
                                 core::DumpCompact(Json{{"nodeId", services.cluster->node_id()},
                                                        {"nodes", std::move(nodes)},
                                                        {"partitions", std::move(partitions)}}));
  });
}

}  // namespace strongbox::api
