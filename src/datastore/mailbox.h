#pragma once

// The mailbox of a data store entry (api.md §11, proto-docs/entries.md "Mailbox"): messages
// that anyone may send to an entry — a gift, a friend request, a moderation notice — kept
// durably until the server holding the entry consumes them in the same write that applies them
// (a :patch or a :commit with "consumeMessages"), so a gift is applied exactly once or not at
// all. ProfileStore's MessageAsync keeps such messages inside the profile, where a sender must
// load and save someone else's data; here a send touches only the mailbox.
//
// Shapes (proto-docs/storage-format.md, family `mailbox`):
//   EntryKey 00           → state: byte 01, varint pending count, varint last message sequence
//   EntryKey 01 seq(u64)  → a message: byte 01, varint send time (ns since the epoch), then the
//                           message as compact JSON
// A message id is its sequence in decimal; sequences grow per mailbox and are never reused.
//
// Errors: kNotFound (the entry is missing or deleted, or its data store is deleted);
// kInvalidArgument (a message that is not JSON, a malformed id); kPayloadTooLarge / 429
// LIMIT_EXCEEDED (max_message_bytes, max_pending); from StageConsumeMessages kFailedPrecondition
// reason MESSAGE_NOT_FOUND (412: already consumed or never sent; nothing of the write applies).
// Thread safety: any method from any thread; writes go through the CommitPipeline. Owned by the
// composition root; borrows the engine, pipeline and clock.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "datastore/entry.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"
#include "store/write_context.h"

namespace strongbox::datastore {

struct MailboxLimits {
  size_t max_message_bytes = 64 * 1024;  // mailbox_max_message_bytes, compact JSON
  size_t max_pending = 1000;             // mailbox_max_pending, per entry
};

struct Message {
  std::string id;       // decimal sequence
  std::string message;  // compact JSON
  core::Timestamp send_time{};
};

struct MessagePage {
  std::vector<Message> messages;
  std::optional<uint64_t> next_after;  // the last sequence of a full page
};

class Mailbox {
 public:
  Mailbox(const store::Engine* engine, store::CommitPipeline* pipeline, const core::Clock* clock,
          MailboxLimits limits)
      : engine_(engine), pipeline_(pipeline), clock_(clock), limits_(limits) {}

  // Stores `message` (compact JSON) for the live entry `name`.
  boost::asio::awaitable<core::Result<Message>> Send(EntryName name, std::string message,
                                                     store::WriteContext<Message> context = {});
  // The waiting messages, oldest first, after sequence `after`.
  core::Result<MessagePage> List(const EntryName& name, std::optional<uint64_t> after,
                                 size_t max) const;

 private:
  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const MailboxLimits limits_;
};

// Inside a mutation: removes each message of `ids` from the entry's mailbox, or fails with
// MESSAGE_NOT_FOUND naming the first that is not there (an id listed twice included).
core::Status StageConsumeMessages(store::WriteView& view, const EntryName& name,
                                  const std::vector<std::string>& ids);
// Inside a mutation: removes the entry's mailbox, messages and state (an :eraseUser).
core::Status StageDeleteMailbox(store::WriteView& view, const EntryName& name);
// The number of waiting messages as the view sees them (0 without a mailbox).
core::Result<uint64_t> PendingMessagesIn(const store::WriteView& view, const EntryName& name);
// The same from a state row read elsewhere (nullopt: no mailbox).
core::Result<uint64_t> PendingMessagesOf(const std::optional<std::string>& state_row);

}  // namespace strongbox::datastore
