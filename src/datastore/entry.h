#pragma once

// The data store entry model: names, the stored record of one revision, and what a write
// carries. Plain values; no storage or HTTP types.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace strongbox::datastore {

inline constexpr const char* kDefaultScope = "global";

// Where an entry lives: universe / data store / scope / key.
struct EntryName {
  int64_t universe = 0;
  std::string data_store;
  std::string scope = kDefaultScope;
  std::string key;
};

// One revision of an entry; the entries column family holds the current one.
struct EntryRecord {
  std::string value;                // compact JSON; empty for a tombstone
  core::Timestamp create_time{};    // when this incarnation of the entry was created
  core::Timestamp revision_time{};  // when this revision was written
  uint64_t revision = 0;            // per-key counter, +1 on every write, never reused
  bool deleted = false;             // a tombstone (state DELETED)
  std::vector<int64_t> users;       // user ids tagged on the entry
  std::string attributes = "{}";    // compact JSON object
  // Not stored with the record: the number of messages waiting in the entry's mailbox
  // (mailbox.h) when it was read or written, for the resource's `pendingMessages`.
  uint64_t pending_messages = 0;
};

// What a create / update writes.
struct EntryWrite {
  std::string value;  // compact JSON
  std::vector<int64_t> users;
  std::string attributes = "{}";
};

// Per-entry limits (api.md §2, §3), from Config.
struct EntryLimits {
  size_t max_value_bytes = 4 * 1024 * 1024;
  size_t max_attributes_bytes = 300;
  size_t max_users = 4;
  size_t max_revisions_per_entry = 100;  // older ones are dropped as new ones are written
  size_t max_patch_operations = 100;     // operations in one :patch
};

// Name rules of api.md §1: 1–50 bytes of valid UTF-8. `what` names the field in the message.
core::Status ValidateName(const std::string& name, const char* what);
core::Status ValidateEntryName(const EntryName& name);
// Value size, user count and attribute size against the limits.
core::Status ValidateWrite(const EntryWrite& write, const EntryLimits& limits);

}  // namespace strongbox::datastore
