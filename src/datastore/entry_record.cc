#include "datastore/entry_record.h"

#include "store/value_codec.h"

namespace strongbox::datastore {

using store::GetByte;
using store::GetLengthPrefixed;
using store::GetVarint64;
using store::GetVarsint64;

namespace {
constexpr uint8_t kFlagDeleted = 1;
}  // namespace

std::string EncodeEntryRecord(const EntryRecord& r) {
  std::string out;
  out.reserve(r.value.size() + r.attributes.size() + 48);
  out.push_back(static_cast<char>(kEntryRecordFormat));
  out.push_back(static_cast<char>(r.deleted ? kFlagDeleted : 0));
  store::PutVarint64(&out, r.revision);
  store::PutVarsint64(&out, core::ToUnixNanos(r.create_time));
  store::PutVarsint64(&out, core::ToUnixNanos(r.revision_time));
  store::PutVarint64(&out, r.users.size());
  for (int64_t u : r.users) store::PutVarsint64(&out, u);
  store::PutLengthPrefixed(&out, r.attributes);
  store::PutLengthPrefixed(&out, r.value);
  return out;
}

bool IsTombstone(std::string_view bytes) {
  return bytes.size() >= 2 && (static_cast<uint8_t>(bytes[1]) & kFlagDeleted) != 0;
}

core::Result<EntryRecord> DecodeEntryRecord(std::string_view in) {
  const core::Status corrupt = core::Status::Internal("corrupt entry record");
  uint8_t format, flags;
  if (!GetByte(&in, &format) || format != kEntryRecordFormat || !GetByte(&in, &flags)) {
    return corrupt;
  }
  EntryRecord r;
  r.deleted = (flags & kFlagDeleted) != 0;
  int64_t create_nanos, revision_nanos;
  uint64_t user_count;
  if (!GetVarint64(&in, &r.revision) || !GetVarsint64(&in, &create_nanos) ||
      !GetVarsint64(&in, &revision_nanos) || !GetVarint64(&in, &user_count) ||
      user_count > in.size()) {
    return corrupt;
  }
  r.create_time = core::FromUnixNanos(create_nanos);
  r.revision_time = core::FromUnixNanos(revision_nanos);
  r.users.resize(user_count);
  for (auto& u : r.users) {
    if (!GetVarsint64(&in, &u)) return corrupt;
  }
  std::string_view attributes, value;
  if (!GetLengthPrefixed(&in, &attributes) || !GetLengthPrefixed(&in, &value) || !in.empty()) {
    return corrupt;
  }
  r.attributes.assign(attributes);
  r.value.assign(value);
  return r;
}

}  // namespace strongbox::datastore
