#pragma once

// Session lock model (api.md §6): a lease held by one owner, with a fencing token that strictly
// increases every time the lock changes hands and is never reused.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace strongbox::locks {

struct ReleaseRequest {
  std::string requester;
  std::string reason;
  core::Timestamp time{};
};

struct LockRecord {
  std::string owner;           // the last holder (kept after release, for the record)
  uint64_t fencing_token = 0;  // the last token issued; the next holder gets +1
  bool held = false;           // false after release
  core::Timestamp acquire_time{};
  core::Timestamp expire_time{};
  std::optional<ReleaseRequest> release_request;

  // Held now: taken, not released, lease not expired.
  bool HeldAt(core::Timestamp now) const { return held && now < expire_time; }
};

inline constexpr uint8_t kLockRecordFormat = 1;

std::string EncodeLockRecord(const LockRecord& record);
core::Result<LockRecord> DecodeLockRecord(std::string_view bytes);

// locks family key: universe(int64) lock id(string).
std::string LockKey(int64_t universe, std::string_view lock_id);

// 1–128 bytes of valid UTF-8.
core::Status ValidateLockId(std::string_view lock_id);

}  // namespace strongbox::locks
