#pragma once

// The memory-store queue model (api.md §5): items, read batches, settings, and their rows in the
// `queues` family (proto-docs/storage-format.md). Under the prefix `universe(int64) queue(str)`:
//
//   00                                  → item count (varint)
//   01                                  → QueueSettings
//   02 priority(desc double) seq(uint64) → QueueItemRecord   (read order: priority, then FIFO)
//   03 read id(str)                     → QueueReadRecord    (the items one read made invisible)

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace strongbox::memstore {

struct QueueName {
  int64_t universe = 0;
  std::string queue;
};

struct QueueSettings {
  uint64_t max_deliveries = 0;    // 0: unlimited
  std::string dead_letter_queue;  // "": items past max_deliveries are dropped
};

struct QueueItemRecord {
  std::string data;  // compact JSON
  double priority = 0;
  core::Timestamp expire_time{};
  core::Timestamp invisible_until{};  // visible when <= now
  std::string read_id;                // the read that made it invisible, if any
  uint64_t deliveries = 0;            // reads that returned it

  bool ExpiredAt(core::Timestamp now) const { return expire_time <= now; }
  bool VisibleAt(core::Timestamp now) const { return !ExpiredAt(now) && invisible_until <= now; }
};

struct QueueReadRecord {
  core::Timestamp invisible_until{};
  std::vector<std::string> item_keys;
};

std::string QueuePrefix(const QueueName& name);
std::string QueueCountKey(const QueueName& name);
std::string QueueSettingsKey(const QueueName& name);
std::string QueueItemKey(const QueueName& name, double priority, uint64_t seq);
std::string QueueItemsBegin(const QueueName& name);  // [begin, end) holds every item row
std::string QueueItemsEnd(const QueueName& name);
std::string QueueReadKey(const QueueName& name, std::string_view read_id);
// The seq of an item row (its last 8 bytes); false when malformed.
bool ParseQueueItemSeq(std::string_view key, uint64_t* seq);
// Whether a `queues` key is an item row (not a count, settings or read row).
bool IsQueueItemKey(std::string_view key);

std::string EncodeQueueSettings(const QueueSettings& s);
core::Result<QueueSettings> DecodeQueueSettings(std::string_view in);
std::string EncodeQueueItemRecord(const QueueItemRecord& r);
core::Result<QueueItemRecord> DecodeQueueItemRecord(std::string_view in);
std::string EncodeQueueReadRecord(const QueueReadRecord& r);
core::Result<QueueReadRecord> DecodeQueueReadRecord(std::string_view in);

core::Status ValidateQueueName(const QueueName& name);

}  // namespace strongbox::memstore
