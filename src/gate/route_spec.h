#pragma once

// RouteSpec: everything about one route in one declaration, written next to its handler in
// api/*_routes.cc — method, pattern, surface (error shape), who may call it (api.md §7 scopes),
// which rate-limit family it draws on, and whether it mutates (a write handler instead of a
// read handler). The request gate reads nothing else: a route's access rule, rate family and
// write handling cannot drift from its registration.
//
// RouteTable collects the declarations. The server refuses to start (Validate) while one is
// incomplete: a keyed route without scopes or rate family, a POST/PATCH/DELETE without a write
// handler (so every mutating route gets Idempotency-Key and the lock guard of api.md §1), a GET
// with one, or the same method and pattern twice.
// Thread safety: built before serving starts, read-only afterwards.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "gate/surface.h"
#include "http/message.h"
#include "http/router.h"
#include "ops/rate_limiter.h"

namespace strongbox::gate {

class RequestWrite;

// A mutating route's handler: `write` carries the request's lock guard and Idempotency-Key,
// parsed once by the gate (request_write.h says how to apply it).
using WriteHandler = std::function<boost::asio::awaitable<core::Result<http::Response>>(
    http::Request& request, RequestWrite& write)>;

enum class Access {
  kKeyed,    // needs an API key holding `scopes` (unless the server runs without auth)
  kPublic,   // no key: /healthz, /readyz
  kMetrics,  // /metrics: open to loopback by default (metrics_access), else needs `scopes`
  kAnyKey,   // any valid API key, whatever its scopes: a caller asking about its own key
};

// Where a route names its data store, for keys limited to some data stores (api.md §7).
enum class DataStoreSource {
  kNone,   // the route names no data store
  kParam,  // the `{dataStore}` / `{store}` path capture
  kQuery,  // the `datastoreName` query parameter (standard data stores v1)
};

// How a mutating route writes, which decides where the gate applies the guard and the key.
enum class Commits {
  // One domain commit: the handler passes RequestWrite::Respond<T>(…).context() to it, so the
  // guard is checked and the response stored inside that commit (all or nothing).
  kOne,
  // Several commits, or none (a flush, an erasure, a snapshot, a backup): the gate checks the
  // guard in a commit of its own before the handler runs and stores the response in a commit
  // of its own after it succeeds.
  kMany,
};

enum class Guard {
  kHonoured,
  // The contract refuses the lock guard on this route (400 when the headers are sent): only
  // where a guard could not be honoured all-or-nothing, as the memory-store flush (api.md §5).
  kRefused,
};

struct RouteSpec {
  std::string method;  // GET, POST, PATCH or DELETE
  std::string pattern;
  Surface surface = Surface::kCloudV2;
  Access access = Access::kKeyed;
  std::vector<std::string_view> scopes;  // all are needed (ops/api_key.h scopes::)
  std::optional<ops::RateFamily> family;
  DataStoreSource data_store = DataStoreSource::kNone;
  http::Handler read;  // a route that changes nothing
  WriteHandler write;  // a mutating route
  Commits commits = Commits::kOne;
  Guard guard = Guard::kHonoured;
  // A read that takes its arguments in a POST body (:batchGet, api.md §8): declared with a read
  // handler; no Idempotency-Key or lock guard applies, as for a GET.
  bool read_by_post = false;
  // The route names several resources in its body (:commit, api.md §8): `scopes` may be empty,
  // and the handler checks each operation's scopes and data store with Request::grants.
  bool scopes_per_operation = false;
  // Commits::kMany only: changes the copy of a successful answer that is stored for an
  // Idempotency-Key replay, e.g. to keep a secret that is shown once out of storage.
  std::function<void(http::Response&)> redact_stored;

  bool mutates() const { return static_cast<bool>(write); }
};

class RouteTable {
 public:
  void Add(RouteSpec spec) { specs_.push_back(std::move(spec)); }

  // OK, or kInternal naming the first route whose declaration is incomplete and why.
  core::Status Validate() const;

  const std::vector<RouteSpec>& specs() const { return specs_; }

 private:
  std::vector<RouteSpec> specs_;
};

}  // namespace strongbox::gate
