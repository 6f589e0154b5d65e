#include "datastore/user_erasure.h"

#include <memory>
#include <set>
#include <vector>

#include "datastore/entry_keys.h"
#include "datastore/entry_record.h"
#include "datastore/mailbox.h"
#include "store/key_codec.h"

namespace strongbox::datastore {

using core::Result;
using core::Status;
using store::ColumnFamily;

UserErasure::UserErasure(const store::Engine* engine, store::CommitPipeline* pipeline)
    : engine_(engine), pipeline_(pipeline) {}

boost::asio::awaitable<Result<size_t>> UserErasure::Erase(
    int64_t universe, int64_t user, std::function<Status(const store::WriteView&)> check,
    std::shared_ptr<const store::ChangeWriter> writer) {
  std::vector<EntryName> tagged;
  {
    const std::string prefix = UserIndexPrefix(universe, user);
    auto it =
        engine_->NewIterator(ColumnFamily::kUserIndex, prefix, store::PrefixSuccessor(prefix));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      EntryName name;
      if (!ParseUserIndexKey(it->key(), &name)) co_return Status::Internal("corrupt user index");
      tagged.push_back(std::move(name));
    }
    SB_CO_RETURN_IF_ERROR(it->status());
  }
  size_t erased = 0;
  for (const EntryName& name : tagged) {
    // The revisions committed so far, and every user they name (their index rows go too).
    std::vector<std::string> revision_keys;
    std::set<int64_t> users = {user};
    uint64_t newest = 0;
    {
      const std::string prefix = RevisionPrefix(name);
      auto it =
          engine_->NewIterator(ColumnFamily::kRevisions, prefix, store::PrefixSuccessor(prefix));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        SB_CO_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(it->value()));
        newest = std::max(newest, record.revision);
        users.insert(record.users.begin(), record.users.end());
        revision_keys.emplace_back(it->key());
      }
      SB_CO_RETURN_IF_ERROR(it->status());
    }
    std::function<Result<bool>(store::WriteView&)> mutation =
        [name, revision_keys = std::move(revision_keys), users = std::move(users), newest,
         universe](store::WriteView& view) -> Result<bool> {
      const std::string entry_key = EntryKey(name);
      SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kEntries, entry_key));
      if (bytes) {
        SB_ASSIGN_OR_RETURN(EntryRecord current, DecodeEntryRecord(*bytes));
        // Revisions written after the scan above.
        for (uint64_t r = newest + 1; r <= current.revision; ++r) {
          view.Delete(ColumnFamily::kRevisions, RevisionKey(name, r));
        }
        for (int64_t u : current.users) {
          view.Delete(ColumnFamily::kUserIndex, UserIndexKey(universe, u, name));
        }
        view.Delete(ColumnFamily::kEntries, entry_key);
        // No revision stays behind to name: the erasure removes them all.
        view.RecordChange({universe, "entry", name.data_store, name.scope, name.key, "erase", ""});
      }
      for (const auto& key : revision_keys) view.Delete(ColumnFamily::kRevisions, key);
      // Its mailbox goes too: messages to the erased user's entry are theirs as well.
      SB_RETURN_IF_ERROR(StageDeleteMailbox(view, name));
      for (int64_t u : users)
        view.Delete(ColumnFamily::kUserIndex, UserIndexKey(universe, u, name));
      return bytes.has_value();  // whether there was an entry to erase
    };
    store::WriteContext<bool> context;
    context.check = check;
    context.writer = writer;
    // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
    SB_CO_ASSIGN_OR_RETURN(
        bool existed, co_await pipeline_->Commit<bool>(std::move(mutation), std::move(context)));
    if (existed) ++erased;
  }
  co_return erased;
}

}  // namespace strongbox::datastore
