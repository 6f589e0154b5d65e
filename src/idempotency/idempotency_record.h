#pragma once

// The idempotency record (api.md §1 "Idempotency"): the first response to a mutating request
// that carried an Idempotency-Key, stored in the `idempotency` column family with its mutation.
//
// Key: (universe int64, API key id, Idempotency-Key), key-codec encoded, so one caller's keys
// never meet another's. Value, format 1: format byte, expiry (varsint64, ns since the Unix
// epoch), fingerprint of the request (8 bytes big-endian; see idempotency_store.h), HTTP status
// (varint), content type, header count (varint) and each header's name and value, body (all
// strings length-prefixed). The response is kept whole so a replay is byte-for-byte the first
// answer.
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace strongbox::idempotency {

// A response as stored, without any HTTP type: this layer sits below the request gate.
struct StoredResponse {
  unsigned status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct IdempotencyRecord {
  core::Timestamp expire_time{};
  uint64_t fingerprint = 0;
  StoredResponse response;
};

std::string IdempotencyKey(int64_t universe, std::string_view principal, std::string_view key);

std::string EncodeIdempotencyRecord(const IdempotencyRecord& record);

// kInternal for a record that is not format 1 or is cut short.
core::Result<IdempotencyRecord> DecodeIdempotencyRecord(std::string_view bytes);

// The expiry alone, without decoding the response; nullopt when malformed.
std::optional<core::Timestamp> IdempotencyRecordExpiry(std::string_view bytes);

}  // namespace strongbox::idempotency
