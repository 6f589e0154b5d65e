#include "memstore/queue_item.h"

#include <cstring>

#include "core/names.h"
#include "memstore/sorted_map_item.h"
#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::memstore {

namespace {

constexpr char kCountTag = 0x00;
constexpr char kSettingsTag = 0x01;
constexpr char kItemTag = 0x02;
constexpr char kReadTag = 0x03;
constexpr uint8_t kFormat = 1;

uint64_t DoubleBits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

double BitsDouble(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

core::Status Corrupt(const char* what) {
  return core::Status::Internal(std::string("corrupt queue ") + what);
}

}  // namespace

std::string QueuePrefix(const QueueName& name) {
  std::string k;
  store::PutKeyInt64(&k, name.universe);
  store::PutKeyString(&k, name.queue);
  return k;
}

std::string QueueCountKey(const QueueName& name) { return QueuePrefix(name) + kCountTag; }
std::string QueueSettingsKey(const QueueName& name) { return QueuePrefix(name) + kSettingsTag; }
std::string QueueItemsBegin(const QueueName& name) { return QueuePrefix(name) + kItemTag; }
std::string QueueItemsEnd(const QueueName& name) { return QueuePrefix(name) + kReadTag; }

std::string QueueItemKey(const QueueName& name, double priority, uint64_t seq) {
  std::string k = QueueItemsBegin(name);
  // Higher priority first: the order-preserving encoding, inverted.
  std::string encoded;
  store::PutKeyDouble(&encoded, priority);
  for (char& c : encoded) c = static_cast<char>(~c);
  k.append(encoded);
  store::PutKeyUint64(&k, seq);
  return k;
}

std::string QueueReadKey(const QueueName& name, std::string_view read_id) {
  std::string k = QueuePrefix(name) + kReadTag;
  store::PutKeyString(&k, read_id);
  return k;
}

bool IsQueueItemKey(std::string_view key) {
  int64_t universe;
  std::string queue;
  return store::GetKeyInt64(&key, &universe) && store::GetKeyString(&key, &queue) && !key.empty() &&
         key.front() == kItemTag;
}

bool ParseQueueItemSeq(std::string_view key, uint64_t* seq) {
  if (key.size() < 8) return false;
  key.remove_prefix(key.size() - 8);
  return store::GetKeyUint64(&key, seq);
}

std::string EncodeQueueSettings(const QueueSettings& s) {
  std::string out(1, static_cast<char>(kFormat));
  store::PutVarint64(&out, s.max_deliveries);
  store::PutLengthPrefixed(&out, s.dead_letter_queue);
  return out;
}

core::Result<QueueSettings> DecodeQueueSettings(std::string_view in) {
  uint8_t format;
  QueueSettings s;
  std::string_view dlq;
  if (!store::GetByte(&in, &format) || format != kFormat ||
      !store::GetVarint64(&in, &s.max_deliveries) || !store::GetLengthPrefixed(&in, &dlq) ||
      !in.empty()) {
    return Corrupt("settings");
  }
  s.dead_letter_queue.assign(dlq);
  return s;
}

std::string EncodeQueueItemRecord(const QueueItemRecord& r) {
  std::string out(1, static_cast<char>(kFormat));
  store::PutLengthPrefixed(&out, r.data);
  store::PutVarint64(&out, DoubleBits(r.priority));
  store::PutVarsint64(&out, core::ToUnixNanos(r.expire_time));
  store::PutVarsint64(&out, core::ToUnixNanos(r.invisible_until));
  store::PutLengthPrefixed(&out, r.read_id);
  store::PutVarint64(&out, r.deliveries);
  return out;
}

core::Result<QueueItemRecord> DecodeQueueItemRecord(std::string_view in) {
  uint8_t format;
  QueueItemRecord r;
  std::string_view data, read_id;
  uint64_t priority;
  int64_t expire, invisible;
  if (!store::GetByte(&in, &format) || format != kFormat || !store::GetLengthPrefixed(&in, &data) ||
      !store::GetVarint64(&in, &priority) || !store::GetVarsint64(&in, &expire) ||
      !store::GetVarsint64(&in, &invisible) || !store::GetLengthPrefixed(&in, &read_id) ||
      !store::GetVarint64(&in, &r.deliveries) || !in.empty()) {
    return Corrupt("item");
  }
  r.data.assign(data);
  r.priority = BitsDouble(priority);
  r.expire_time = core::FromUnixNanos(expire);
  r.invisible_until = core::FromUnixNanos(invisible);
  r.read_id.assign(read_id);
  return r;
}

std::string EncodeQueueReadRecord(const QueueReadRecord& r) {
  std::string out(1, static_cast<char>(kFormat));
  store::PutVarsint64(&out, core::ToUnixNanos(r.invisible_until));
  store::PutVarint64(&out, r.item_keys.size());
  for (const auto& key : r.item_keys) store::PutLengthPrefixed(&out, key);
  return out;
}

core::Result<QueueReadRecord> DecodeQueueReadRecord(std::string_view in) {
  uint8_t format;
  int64_t invisible;
  uint64_t count;
  QueueReadRecord r;
  if (!store::GetByte(&in, &format) || format != kFormat || !store::GetVarsint64(&in, &invisible) ||
      !store::GetVarint64(&in, &count)) {
    return Corrupt("read");
  }
  r.invisible_until = core::FromUnixNanos(invisible);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view key;
    if (!store::GetLengthPrefixed(&in, &key)) return Corrupt("read");
    r.item_keys.emplace_back(key);
  }
  if (!in.empty()) return Corrupt("read");
  return r;
}

core::Status ValidateQueueName(const QueueName& name) {
  if (name.universe <= 0) {
    return core::Status::InvalidArgument("Universe id must be a positive integer.");
  }
  return core::ValidateName(name.queue, "Queue name", kMaxNameBytes);
}

}  // namespace strongbox::memstore
