#include "gate/request_write.h"

#include "core/names.h"
#include "core/strings.h"
#include "locks/lock_service.h"

namespace strongbox::gate {

using core::Result;
using core::Status;

namespace {

// The universe of the path, 0 for a route without one (/admin): locks live in universes > 0,
// so a guard on such a route can never hold.
Result<int64_t> UniverseOf(const http::Request& request) {
  auto it = request.params.find("universe");
  if (it == request.params.end()) return int64_t{0};
  return core::ParseUniverseId(it->second);
}

}  // namespace

Result<std::optional<LockGuard>> ParseLockGuard(const http::Request& request) {
  auto lock_id = request.Header("strongbox-lock-id");
  auto token = request.Header("strongbox-fencing-token");
  if (!lock_id && !token) return std::optional<LockGuard>();
  if (!lock_id || !token) {
    return Status::InvalidArgument("Strongbox-Lock-Id and Strongbox-Fencing-Token go together.");
  }
  LockGuard guard;
  SB_RETURN_IF_ERROR(locks::ValidateLockId(*lock_id));
  guard.lock_id = std::string(*lock_id);
  auto parsed = core::ParseUint64(*token);
  if (!parsed || *parsed == 0) {
    return Status::InvalidArgument("Strongbox-Fencing-Token must be a positive decimal integer.");
  }
  guard.token = *parsed;
  SB_ASSIGN_OR_RETURN(guard.universe, UniverseOf(request));
  return std::optional<LockGuard>(std::move(guard));
}

Result<std::optional<IdempotencyKey>> ParseIdempotencyKey(const http::Request& request) {
  auto header = request.Header("idempotency-key");
  if (!header) return std::optional<IdempotencyKey>();
  const std::string_view value = *header;
  bool printable = !value.empty() && value.size() <= 128;
  for (char c : value) printable = printable && c > 0x20 && c < 0x7F;
  if (!printable) {
    return Status::InvalidArgument("Idempotency-Key must be 1 to 128 printable ASCII characters.");
  }
  SB_ASSIGN_OR_RETURN(int64_t universe, UniverseOf(request));
  IdempotencyKey key;
  // request.principal is the caller's API key id: one caller's keys never meet another's.
  key.storage_key = idempotency::IdempotencyKey(universe, request.principal, value);
  std::string fingerprint = request.method;
  fingerprint += '\n';
  fingerprint += request.target;
  fingerprint += '\n';
  fingerprint += request.body;
  const size_t earlier_size = fingerprint.size();
  // Standard data stores v1 carry an entry's users and attributes in headers: a retry that
  // changes them is another request (409 KEY_REUSED), not a replay of the first. Added only
  // when present, so every other request keeps the fingerprint it always had. (A guard's
  // headers are not the write's content: a retry under a newer fencing token is still a retry.)
  for (std::string_view name : {"roblox-entry-userids", "roblox-entry-attributes"}) {
    if (auto header_value = request.Header(name)) {
      fingerprint += '\n';
      fingerprint += name;
      fingerprint += ':';
      fingerprint += *header_value;
    }
  }
  key.fingerprint = core::StableHash64(fingerprint);
  if (fingerprint.size() != earlier_size) {
    key.earlier_fingerprint =
        core::StableHash64(std::string_view(fingerprint).substr(0, earlier_size));
  }
  return std::optional<IdempotencyKey>(std::move(key));
}

Result<std::shared_ptr<const store::ChangeWriter>> ParseWriter(const http::Request& request) {
  auto writer = std::make_shared<store::ChangeWriter>();
  writer->api_key_id = request.principal.empty() ? "anonymous" : request.principal;
  if (auto header = request.Header("strongbox-writer")) {
    const std::string_view value = *header;
    bool printable = !value.empty() && value.size() <= 128;
    for (char c : value) printable = printable && c >= 0x20 && c < 0x7F;
    if (!printable) {
      return Status::InvalidArgument(
          "Strongbox-Writer must be 1 to 128 printable ASCII characters (a build or server id).");
    }
    writer->label = std::string(value);
  }
  return std::shared_ptr<const store::ChangeWriter>(std::move(writer));
}

std::function<Status(const store::WriteView&)> RequestWrite::GuardCheck() const {
  if (!guard_) return {};
  return [guard = *guard_, clock = clock_](const store::WriteView& view) {
    return locks::CheckGuard(view, guard.universe, guard.lock_id, guard.token, clock->Now());
  };
}

std::function<Status(const store::WriteView&)> RequestWrite::CommitCheck() const {
  auto guard = GuardCheck();
  if (!key_) return guard;
  return [guard = std::move(guard), store = store_,
          key = key_->storage_key](const store::WriteView& view) -> Status {
    if (guard) SB_RETURN_IF_ERROR(guard(view));
    SB_ASSIGN_OR_RETURN(bool answered, store->Answered(view, key));
    if (answered) {
      return Status::Aborted("An earlier request with this Idempotency-Key was answered meanwhile.")
          .WithReason(std::string(kIdempotentReplay));
    }
    return Status::Ok();
  };
}

void RequestWrite::StageResponse(store::WriteView& view, const http::Response& response) const {
  idempotency::StoredResponse stored{response.status, response.content_type, response.headers,
                                     response.body};
  store_->Stage(view, key_->storage_key, key_->fingerprint, std::move(stored));
}

}  // namespace strongbox::gate
