#include "api/session_lock_routes.h"

#include "api/paging.h"
#include "api/request_fields.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "gate/request_write.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Json;
using core::Result;
using core::Status;
using http::Request;
using http::Response;

namespace {

Json LockResource(int64_t universe, const std::string& id, const locks::LockRecord& lock,
                  core::Timestamp now) {
  const bool held = lock.HeldAt(now);
  Json j = {{"path", "universes/" + std::to_string(universe) + "/session-locks/" +
                         core::PercentEncodeSegment(id)},
            {"id", id},
            {"state", held ? "HELD" : "FREE"},
            {"owner", lock.owner},
            {"fencingToken", std::to_string(lock.fencing_token)},
            {"acquireTime", core::FormatRfc3339(lock.acquire_time)},
            {"expireTime", core::FormatRfc3339(lock.expire_time)},
            {"releaseRequested", lock.release_request.has_value()}};
  if (lock.release_request) {
    j["releaseRequest"] = {{"requester", lock.release_request->requester},
                           {"reason", lock.release_request->reason},
                           {"time", core::FormatRfc3339(lock.release_request->time)}};
  }
  return j;
}

Result<std::string> RequiredString(const Json& body, std::string_view name) {
  SB_ASSIGN_OR_RETURN(auto v, core::GetOptionalString(body, name));
  if (!v) return Status::InvalidArgument("Field '" + std::string(name) + "' is required.");
  return *v;
}

Result<uint64_t> RequiredToken(const Json& body) {
  const Json* field = core::FindMember(body, "fencingToken");
  const std::optional<uint64_t> token =
      field == nullptr ? std::nullopt : core::JsonToUint64(*field);
  if (!token) {
    return Status::InvalidArgument("Field 'fencingToken' is required: the token, as a string.");
  }
  return *token;
}

Result<std::chrono::nanoseconds> RequiredTtl(const Json& body) {
  SB_ASSIGN_OR_RETURN(auto ttl, GetOptionalDuration(body, "ttl"));
  if (!ttl) return Status::InvalidArgument("Field 'ttl' is required, e.g. \"60s\".");
  return *ttl;
}

// What every mutating lock call starts from.
struct LockCall {
  int64_t universe = 0;
  std::string id;
  Json body;
};

Result<LockCall> ParseLockCall(const Request& request) {
  LockCall call;
  SB_ASSIGN_OR_RETURN(call.universe, ParseUniverseId(request.Param("universe")));
  call.id = request.Param("lock");
  SB_ASSIGN_OR_RETURN(call.body, JsonObjectBody(request));
  return call;
}

class LockRoutes {
 public:
  explicit LockRoutes(const Services& services) : services_(services) {}

  asio::awaitable<Result<Response>> Acquire(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(LockCall call, ParseLockCall(request));
    const Json& body = call.body;
    SB_CO_ASSIGN_OR_RETURN(std::string owner, RequiredString(body, "owner"));
    SB_CO_ASSIGN_OR_RETURN(auto ttl, RequiredTtl(body));
    SB_CO_ASSIGN_OR_RETURN(auto wait, GetOptionalDuration(body, "waitTime"));
    auto respond = Responder(write, call);
    SB_CO_ASSIGN_OR_RETURN(auto lock, co_await services_.locks->Acquire(
                                          call.universe, call.id, std::move(owner), ttl,
                                          wait.value_or(std::chrono::nanoseconds::zero()),
                                          respond.context(), request.watch_client));
    co_return respond(lock);
  }

  asio::awaitable<Result<Response>> Renew(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(LockCall call, ParseLockCall(request));
    const Json& body = call.body;
    SB_CO_ASSIGN_OR_RETURN(std::string owner, RequiredString(body, "owner"));
    SB_CO_ASSIGN_OR_RETURN(uint64_t token, RequiredToken(body));
    SB_CO_ASSIGN_OR_RETURN(auto ttl, RequiredTtl(body));
    auto respond = Responder(write, call);
    SB_CO_ASSIGN_OR_RETURN(
        auto lock, co_await services_.locks->Renew(call.universe, call.id, std::move(owner), token,
                                                   ttl, respond.context()));
    co_return respond(lock);
  }

  asio::awaitable<Result<Response>> Release(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(LockCall call, ParseLockCall(request));
    const Json& body = call.body;
    SB_CO_ASSIGN_OR_RETURN(std::string owner, RequiredString(body, "owner"));
    SB_CO_ASSIGN_OR_RETURN(uint64_t token, RequiredToken(body));
    auto respond = Responder(write, call);
    SB_CO_ASSIGN_OR_RETURN(
        auto lock, co_await services_.locks->Release(call.universe, call.id, std::move(owner),
                                                     token, respond.context()));
    co_return respond(lock);
  }

  asio::awaitable<Result<Response>> Steal(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(LockCall call, ParseLockCall(request));
    const Json& body = call.body;
    SB_CO_ASSIGN_OR_RETURN(std::string owner, RequiredString(body, "owner"));
    SB_CO_ASSIGN_OR_RETURN(auto ttl, RequiredTtl(body));
    SB_CO_ASSIGN_OR_RETURN(auto reason, core::GetOptionalString(body, "reason"));
    auto respond = Responder(write, call);
    SB_CO_ASSIGN_OR_RETURN(
        auto lock, co_await services_.locks->Steal(call.universe, call.id, std::move(owner), ttl,
                                                   reason.value_or(""), respond.context()));
    co_return respond(lock);
  }

  asio::awaitable<Result<Response>> RequestRelease(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(LockCall call, ParseLockCall(request));
    const Json& body = call.body;
    SB_CO_ASSIGN_OR_RETURN(std::string requester, RequiredString(body, "requester"));
    SB_CO_ASSIGN_OR_RETURN(auto reason, core::GetOptionalString(body, "reason"));
    auto respond = Responder(write, call);
    SB_CO_ASSIGN_OR_RETURN(auto lock, co_await services_.locks->RequestRelease(
                                          call.universe, call.id, std::move(requester),
                                          reason.value_or(""), respond.context()));
    co_return respond(lock);
  }

  asio::awaitable<Result<Response>> Get(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(int64_t universe, ParseUniverseId(request.Param("universe")));
    const std::string& id = request.Param("lock");
    SB_CO_ASSIGN_OR_RETURN(auto lock, services_.locks->Get(universe, id));
    co_return Answer(universe, id, lock);
  }

  asio::awaitable<Result<Response>> List(Request& request) {
    locks::LockService::ListQuery query;
    SB_CO_ASSIGN_OR_RETURN(query.universe, ParseUniverseId(request.Param("universe")));
    SB_CO_ASSIGN_OR_RETURN(query.page_size, QueryPageSize(request, "maxPageSize", 10, 100));
    SB_CO_ASSIGN_OR_RETURN(query.id_prefix, ParseIdStartsWithFilter(request));
    const std::string token_query =
        TokenQuery({"session locks", std::to_string(query.universe), query.id_prefix});
    SB_CO_ASSIGN_OR_RETURN(query.resume_after, ResumeAfter(request, "pageToken", token_query));
    SB_CO_ASSIGN_OR_RETURN(auto page, services_.locks->List(query));
    const core::Timestamp now = services_.clock->Now();
    Json items = Json::array();
    for (const auto& [id, lock] : page.locks) {
      items.push_back(LockResource(query.universe, id, lock, now));
    }
    Json body = {{"sessionLocks", std::move(items)},
                 {"nextPageToken", NextToken(page.next_after, token_query)}};
    co_return http::JsonResponse(200, core::DumpCompact(body));
  }

 private:
  // The responder of a verb whose answer is the lock resource.
  gate::RequestWrite::Responder<locks::LockRecord> Responder(gate::RequestWrite& write,
                                                             const LockCall& call) {
    return write.Respond<locks::LockRecord>(
        [this, universe = call.universe, id = call.id](const locks::LockRecord& lock) {
          return Answer(universe, id, lock);
        });
  }

  Response Answer(int64_t universe, const std::string& id, const locks::LockRecord& lock) {
    return http::JsonResponse(
        200, core::DumpCompact(LockResource(universe, id, lock, services_.clock->Now())));
  }

  const Services& services_;
};

}  // namespace

void RegisterSessionLockRoutes(gate::RouteTable& table, const Services& services) {
  using gate::RequestWrite;
  using ops::scopes::kLocksRead;
  using ops::scopes::kLocksWrite;
  auto routes = std::make_shared<LockRoutes>(services);
  const std::string base = "/cloud/v2/universes/{universe}/session-locks";
  const std::string lock = base + "/{lock}";
  auto add = [&table](std::string method, std::string pattern, std::string_view scope,
                      http::Handler read, gate::WriteHandler write = {}) {
    table.Add({.method = std::move(method),
               .pattern = std::move(pattern),
               .scopes = {scope},
               .family = ops::RateFamily::kSessionLocks,
               .read = std::move(read),
               .write = std::move(write)});
  };
  add("POST", lock + ":acquire", kLocksWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->Acquire(r, w); });
  add("POST", lock + ":renew", kLocksWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->Renew(r, w); });
  add("POST", lock + ":release", kLocksWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->Release(r, w); });
  add("POST", lock + ":steal", kLocksWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->Steal(r, w); });
  add("POST", lock + ":requestRelease", kLocksWrite, {},
      [routes](Request& r, RequestWrite& w) { return routes->RequestRelease(r, w); });
  add("GET", lock, kLocksRead, [routes](Request& r) { return routes->Get(r); });
  add("GET", base, kLocksRead, [routes](Request& r) { return routes->List(r); });
}

}  // namespace strongbox::api
