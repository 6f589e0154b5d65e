#include "api/write_hooks.h"

#include "api/request_fields.h"
#include "core/strings.h"

namespace strongbox::api {

core::Result<std::optional<LockGuard>> ParseLockGuard(const http::Request& request) {
  auto lock_id = request.Header("strongbox-lock-id");
  auto token = request.Header("strongbox-fencing-token");
  if (!lock_id && !token) return std::optional<LockGuard>();
  if (!lock_id || !token) {
    return core::Status::InvalidArgument(
        "Strongbox-Lock-Id and Strongbox-Fencing-Token go together.");
  }
  LockGuard guard;
  SB_RETURN_IF_ERROR(locks::ValidateLockId(*lock_id));
  guard.lock_id = std::string(*lock_id);
  auto parsed = core::ParseUint64(*token);
  if (!parsed || *parsed == 0) {
    return core::Status::InvalidArgument(
        "Strongbox-Fencing-Token must be a positive decimal integer.");
  }
  guard.token = *parsed;
  if (auto it = request.params.find("universe"); it != request.params.end()) {
    SB_ASSIGN_OR_RETURN(guard.universe, ParseUniverseId(it->second));
  }
  return std::optional<LockGuard>(std::move(guard));
}

http::Handler WriteHooks::Wrap(http::Handler inner) const {
  http::Handler idempotent = idempotency_->Wrap(std::move(inner));
  return [idempotent = std::move(idempotent)](
             http::Request& request) -> boost::asio::awaitable<core::Result<http::Response>> {
    SB_CO_ASSIGN_OR_RETURN(auto guard, ParseLockGuard(request));
    (void)guard;  // checked inside the write's mutation (Hook)
    co_return co_await idempotent(request);
  };
}

}  // namespace strongbox::api
