#include "locks/lock.h"

#include "core/names.h"
#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::locks {

namespace {
constexpr uint8_t kFlagHeld = 1;
constexpr uint8_t kFlagReleaseRequested = 2;
}  // namespace

std::string EncodeLockRecord(const LockRecord& r) {
  std::string out(1, static_cast<char>(kLockRecordFormat));
  uint8_t flags = (r.held ? kFlagHeld : 0) | (r.release_request ? kFlagReleaseRequested : 0);
  out.push_back(static_cast<char>(flags));
  store::PutVarint64(&out, r.fencing_token);
  store::PutVarsint64(&out, core::ToUnixNanos(r.acquire_time));
  store::PutVarsint64(&out, core::ToUnixNanos(r.expire_time));
  store::PutLengthPrefixed(&out, r.owner);
  if (r.release_request) {
    store::PutLengthPrefixed(&out, r.release_request->requester);
    store::PutLengthPrefixed(&out, r.release_request->reason);
    store::PutVarsint64(&out, core::ToUnixNanos(r.release_request->time));
  }
  return out;
}

core::Result<LockRecord> DecodeLockRecord(std::string_view in) {
  const core::Status corrupt = core::Status::Internal("corrupt lock record");
  uint8_t format, flags;
  LockRecord r;
  int64_t acquire, expire;
  std::string_view owner;
  if (!store::GetByte(&in, &format) || format != kLockRecordFormat ||
      !store::GetByte(&in, &flags) || !store::GetVarint64(&in, &r.fencing_token) ||
      !store::GetVarsint64(&in, &acquire) || !store::GetVarsint64(&in, &expire) ||
      !store::GetLengthPrefixed(&in, &owner)) {
    return corrupt;
  }
  r.held = (flags & kFlagHeld) != 0;
  r.acquire_time = core::FromUnixNanos(acquire);
  r.expire_time = core::FromUnixNanos(expire);
  r.owner.assign(owner);
  if (flags & kFlagReleaseRequested) {
    std::string_view requester, reason;
    int64_t time;
    if (!store::GetLengthPrefixed(&in, &requester) || !store::GetLengthPrefixed(&in, &reason) ||
        !store::GetVarsint64(&in, &time)) {
      return corrupt;
    }
    r.release_request =
        ReleaseRequest{std::string(requester), std::string(reason), core::FromUnixNanos(time)};
  }
  if (!in.empty()) return corrupt;
  return r;
}

std::string LockKey(int64_t universe, std::string_view lock_id) {
  std::string k;
  store::PutKeyInt64(&k, universe);
  store::PutKeyString(&k, lock_id);
  return k;
}

core::Status ValidateLockId(std::string_view lock_id) {
  return core::ValidateName(lock_id, "Lock id", 128);
}

}  // namespace strongbox::locks
