#include "idempotency/idempotency_record.h"

#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::idempotency {

namespace {
constexpr uint8_t kFormat = 1;
}  // namespace

std::string IdempotencyKey(int64_t universe, std::string_view principal, std::string_view key) {
  std::string out;
  store::PutKeyInt64(&out, universe);
  store::PutKeyString(&out, principal);
  store::PutKeyString(&out, key);
  return out;
}

std::string EncodeIdempotencyRecord(const IdempotencyRecord& record) {
  std::string out(1, static_cast<char>(kFormat));
  store::PutVarsint64(&out, core::ToUnixNanos(record.expire_time));
  store::PutKeyUint64(&out, record.fingerprint);
  const StoredResponse& response = record.response;
  store::PutVarint64(&out, response.status);
  store::PutLengthPrefixed(&out, response.content_type);
  store::PutVarint64(&out, response.headers.size());
  for (const auto& [name, value] : response.headers) {
    store::PutLengthPrefixed(&out, name);
    store::PutLengthPrefixed(&out, value);
  }
  store::PutLengthPrefixed(&out, response.body);
  return out;
}

core::Result<IdempotencyRecord> DecodeIdempotencyRecord(std::string_view in) {
  const core::Status corrupt = core::Status::Internal("corrupt idempotency record");
  uint8_t format;
  int64_t expires;
  uint64_t status, header_count;
  std::string_view content_type, body;
  IdempotencyRecord record;
  if (!store::GetByte(&in, &format) || format != kFormat || !store::GetVarsint64(&in, &expires) ||
      !store::GetKeyUint64(&in, &record.fingerprint) || !store::GetVarint64(&in, &status) ||
      !store::GetLengthPrefixed(&in, &content_type) || !store::GetVarint64(&in, &header_count) ||
      header_count > in.size()) {
    return corrupt;
  }
  record.expire_time = core::FromUnixNanos(expires);
  record.response.status = static_cast<unsigned>(status);
  record.response.content_type = std::string(content_type);
  for (uint64_t i = 0; i < header_count; ++i) {
    std::string_view name, value;
    if (!store::GetLengthPrefixed(&in, &name) || !store::GetLengthPrefixed(&in, &value)) {
      return corrupt;
    }
    record.response.headers.emplace_back(std::string(name), std::string(value));
  }
  if (!store::GetLengthPrefixed(&in, &body)) return corrupt;
  record.response.body = std::string(body);
  return record;
}

std::optional<core::Timestamp> IdempotencyRecordExpiry(std::string_view in) {
  uint8_t format;
  int64_t expires;
  if (!store::GetByte(&in, &format) || format != kFormat || !store::GetVarsint64(&in, &expires)) {
    return std::nullopt;
  }
  return core::FromUnixNanos(expires);
}

}  // namespace strongbox::idempotency
