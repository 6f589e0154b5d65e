#include "datastore/mailbox.h"

#include <set>

#include "core/json_util.h"
#include "core/strings.h"
#include "datastore/catalog.h"
#include "datastore/entry_keys.h"
#include "datastore/entry_record.h"
#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::datastore {

namespace asio = boost::asio;
using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

constexpr char kFormat = 0x01;

struct MailboxState {
  uint64_t pending = 0;
  uint64_t last = 0;  // the last message sequence issued
};

Result<MailboxState> DecodeState(const std::optional<std::string>& row) {
  MailboxState state;
  if (!row) return state;
  std::string_view in = *row;
  if (in.empty() || in[0] != kFormat) return Status::Internal("corrupt mailbox state");
  in.remove_prefix(1);
  if (!store::GetVarint64(&in, &state.pending) || !store::GetVarint64(&in, &state.last)) {
    return Status::Internal("corrupt mailbox state");
  }
  return state;
}

std::string EncodeState(const MailboxState& state) {
  std::string out(1, kFormat);
  store::PutVarint64(&out, state.pending);
  store::PutVarint64(&out, state.last);
  return out;
}

std::string EncodeMessage(const Message& m) {
  std::string out(1, kFormat);
  store::PutVarint64(&out, static_cast<uint64_t>(core::ToUnixNanos(m.send_time)));
  out += m.message;
  return out;
}

Result<Message> DecodeMessage(uint64_t sequence, std::string_view in) {
  Message m;
  m.id = std::to_string(sequence);
  uint64_t nanos = 0;
  if (in.empty() || in[0] != kFormat) return Status::Internal("corrupt mailbox message");
  in.remove_prefix(1);
  if (!store::GetVarint64(&in, &nanos)) return Status::Internal("corrupt mailbox message");
  m.send_time = core::FromUnixNanos(static_cast<int64_t>(nanos));
  m.message = std::string(in);
  return m;
}

Status MessageNotFound(const std::string& id) {
  return Status::FailedPrecondition("Message " + id +
                                    " is not in the mailbox (already consumed, or never sent); "
                                    "nothing was written.")
      .WithReason("MESSAGE_NOT_FOUND")
      .WithMetadata("messageId", id);
}

}  // namespace

Status StageDeleteMailbox(store::WriteView& view, const EntryName& name) {
  const std::string prefix = MessagePrefix(name);
  std::vector<std::string> keys;
  {
    auto it = view.NewIterator(ColumnFamily::kMailbox, prefix, store::PrefixSuccessor(prefix));
    for (it->Seek(prefix); it->Valid(); it->Next()) keys.emplace_back(it->key());
    SB_RETURN_IF_ERROR(it->status());
  }
  for (const std::string& key : keys) view.Delete(ColumnFamily::kMailbox, key);
  // The state row goes too, count of ids issued and all: it is keyed by the entry's name, often
  // the user's own id, and an erasure leaves nothing of the entry behind. Ids of messages sent
  // to an entry made again afterwards start from 1 (proto-docs/entries.md).
  view.Delete(ColumnFamily::kMailbox, MailboxStateKey(name));
  return Status::Ok();
}

Result<uint64_t> PendingMessagesOf(const std::optional<std::string>& state_row) {
  SB_ASSIGN_OR_RETURN(MailboxState state, DecodeState(state_row));
  return state.pending;
}

Result<uint64_t> PendingMessagesIn(const store::WriteView& view, const EntryName& name) {
  SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kMailbox, MailboxStateKey(name)));
  return PendingMessagesOf(row);
}

Status StageConsumeMessages(store::WriteView& view, const EntryName& name,
                            const std::vector<std::string>& ids) {
  if (ids.empty()) return Status::Ok();
  const std::string state_key = MailboxStateKey(name);
  SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kMailbox, state_key));
  SB_ASSIGN_OR_RETURN(MailboxState state, DecodeState(row));
  std::set<uint64_t> seen;
  for (const std::string& id : ids) {
    auto sequence = core::ParseUint64(id);
    // Exactly as issued ("01" is not message 1).
    if (!sequence || std::to_string(*sequence) != id || !seen.insert(*sequence).second) {
      return MessageNotFound(id);
    }
    const std::string key = MessageKey(name, *sequence);
    SB_ASSIGN_OR_RETURN(auto message, view.Get(ColumnFamily::kMailbox, key));
    if (!message) return MessageNotFound(id);
    view.Delete(ColumnFamily::kMailbox, key);
  }
  state.pending -= std::min<uint64_t>(state.pending, seen.size());
  view.Put(ColumnFamily::kMailbox, state_key, EncodeState(state));
  return Status::Ok();
}

asio::awaitable<Result<Message>> Mailbox::Send(EntryName name, std::string message,
                                               store::WriteContext<Message> context) {
  SB_CO_RETURN_IF_ERROR(ValidateEntryName(name));
  if (message.size() > limits_.max_message_bytes) {
    co_return Status::PayloadTooLarge("The message is " + std::to_string(message.size()) +
                                      " bytes; the limit is " +
                                      std::to_string(limits_.max_message_bytes) + ".")
        .WithReason("LIMIT_EXCEEDED")
        .WithMetadata("limit", "mailbox_max_message_bytes")
        .WithMetadata("value", std::to_string(limits_.max_message_bytes));
  }
  std::function<Result<Message>(store::WriteView&)> mutation =
      [this, name = std::move(name),
       message = std::move(message)](store::WriteView& view) -> Result<Message> {
    SB_ASSIGN_OR_RETURN(
        auto catalog, view.Get(ColumnFamily::kCatalog,
                               CatalogKey(name.universe, kCatalogKindDataStore, name.data_store)));
    SB_RETURN_IF_ERROR(CheckNotDeleted(catalog));
    SB_ASSIGN_OR_RETURN(auto entry, view.Get(ColumnFamily::kEntries, EntryKey(name)));
    if (!entry) return Status::NotFound("Entry not found.");
    SB_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(*entry));
    if (record.deleted) return Status::NotFound("Entry not found.");
    const std::string state_key = MailboxStateKey(name);
    SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kMailbox, state_key));
    SB_ASSIGN_OR_RETURN(MailboxState state, DecodeState(row));
    if (state.pending >= limits_.max_pending) {
      return Status::ResourceExhausted("This entry has " + std::to_string(state.pending) +
                                       " messages waiting, the most it may have; consume some "
                                       "first.")
          .WithReason("LIMIT_EXCEEDED")
          .WithMetadata("limit", "mailbox_max_pending")
          .WithMetadata("value", std::to_string(limits_.max_pending));
    }
    Message m;
    m.id = std::to_string(++state.last);
    m.message = message;
    m.send_time = clock_->Now();
    ++state.pending;
    view.Put(ColumnFamily::kMailbox, MessageKey(name, state.last), EncodeMessage(m));
    view.Put(ColumnFamily::kMailbox, state_key, EncodeState(state));
    view.RecordChange(
        {name.universe, "entry", name.data_store, name.scope, name.key, "sendMessage", m.id});
    return m;
  };
  co_return co_await pipeline_->Commit<Message>(std::move(mutation), std::move(context));
}

Result<MessagePage> Mailbox::List(const EntryName& name, std::optional<uint64_t> after,
                                  size_t max) const {
  SB_RETURN_IF_ERROR(ValidateEntryName(name));
  SB_ASSIGN_OR_RETURN(auto catalog, engine_->Get(ColumnFamily::kCatalog,
                                                 CatalogKey(name.universe, kCatalogKindDataStore,
                                                            name.data_store)));
  SB_RETURN_IF_ERROR(CheckNotDeleted(catalog));
  const std::string prefix = MessagePrefix(name);
  auto it = engine_->NewIterator(ColumnFamily::kMailbox, prefix, store::PrefixSuccessor(prefix));
  it->Seek(after ? MessageKey(name, *after + 1) : prefix);
  MessagePage page;
  for (; it->Valid() && page.messages.size() < max; it->Next()) {
    std::string_view key = it->key().substr(prefix.size());
    uint64_t sequence = 0;
    if (!store::GetKeyUint64(&key, &sequence)) return Status::Internal("corrupt mailbox key");
    SB_ASSIGN_OR_RETURN(Message m, DecodeMessage(sequence, it->value()));
    page.messages.push_back(std::move(m));
  }
  SB_RETURN_IF_ERROR(it->status());
  if (it->Valid() && !page.messages.empty()) {
    page.next_after = *core::ParseUint64(page.messages.back().id);
  }
  return page;
}

}  // namespace strongbox::datastore
