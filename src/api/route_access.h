#pragma once

// RouteAccess: which scopes each route needs (api.md §7) and which rate-limit family it draws
// on. One table for the whole API, so the scope matrix can be read (and tested) in one place;
// the server refuses to start if a route has no row, so a new route can never be open by
// accident.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/message.h"
#include "http/router.h"
#include "ops/api_key.h"
#include "ops/rate_limiter.h"

namespace strongbox::api {

enum class DataStoreSource {
  kNone,   // the route names no data store
  kParam,  // the `{dataStore}` / `{store}` path capture
  kQuery,  // the `datastoreName` query parameter (standard data stores v1)
};

struct RouteAccess {
  std::string method;
  std::string pattern;
  enum class Kind { kPublic, kMetrics, kKeyed } kind = Kind::kKeyed;
  std::vector<std::string_view> scopes;  // all are needed
  ops::RateFamily family = ops::RateFamily::kAdmin;
  DataStoreSource data_store = DataStoreSource::kNone;
};

// Every route's row.
const std::vector<RouteAccess>& RouteAccessTable();

// The row of a registered route; kInternal naming the route if there is none.
core::Result<const RouteAccess*> FindRouteAccess(const http::RouteInfo& route);

// What `request` (routed to `access`) needs of a key. kInvalidArgument for a bad universe id.
core::Result<ops::AccessNeed> NeedOf(const RouteAccess& access, const http::Request& request);

}  // namespace strongbox::api
