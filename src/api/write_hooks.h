#pragma once

// WriteHooks: what every mutating route runs around its domain write, in one place.
//
// - Wrap(handler) at registration: validates the lock guard headers (400 when malformed) and
//   applies Idempotency-Key (idempotency.h).
// - Hook(request, render) for the domain write: inside the write's mutation, checks the lock
//   guard (api.md §1: `Strongbox-Lock-Id` + `Strongbox-Fencing-Token` — the lock of the same
//   universe must be held now with exactly that token, else 409 LOCK_LOST and nothing is
//   written), then stages the Idempotency-Key response. Both happen in the same commit sequence
//   and batch as the write.
// Thread safety: as Idempotency.

#include <functional>
#include <optional>
#include <string>

#include "api/idempotency.h"
#include "core/clock.h"
#include "http/message.h"
#include "http/router.h"
#include "locks/lock_service.h"
#include "store/commit_pipeline.h"

namespace strongbox::api {

struct LockGuard {
  int64_t universe = 0;
  std::string lock_id;
  uint64_t token = 0;
};

// nullopt without the headers; kInvalidArgument when one is missing or malformed.
core::Result<std::optional<LockGuard>> ParseLockGuard(const http::Request& request);

class WriteHooks {
 public:
  WriteHooks(Idempotency* idempotency, const core::Clock* clock)
      : idempotency_(idempotency), clock_(clock) {}

  http::Handler Wrap(http::Handler inner) const;

  template <class T>
  std::function<core::Status(store::WriteView&, const T&)> Hook(
      const http::Request& request, std::function<http::Response(const T&)> render) const {
    auto idempotent = idempotency_->Hook<T>(request, std::move(render));
    auto guard = ParseLockGuard(request);  // Wrap has already refused malformed headers
    if (!guard.ok() || !guard->has_value()) return idempotent;
    return [guard = std::move(**guard), idempotent = std::move(idempotent), clock = clock_](
               store::WriteView& view, const T& result) -> core::Status {
      SB_RETURN_IF_ERROR(
          locks::CheckGuard(view, guard.universe, guard.lock_id, guard.token, clock->Now()));
      return idempotent ? idempotent(view, result) : core::Status::Ok();
    };
  }

 private:
  Idempotency* idempotency_;
  const core::Clock* clock_;
};

}  // namespace strongbox::api
