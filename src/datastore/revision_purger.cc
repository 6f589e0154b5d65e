#include "datastore/revision_purger.h"

#include <set>
#include <vector>

#include "datastore/entry_keys.h"
#include "datastore/entry_record.h"

namespace strongbox::datastore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

constexpr size_t kRevisionSuffix = 8;  // the descending revision counter after the entry key

// A tombstoned entry to remove whole: its entry key, the revision it was deleted at, and every
// revision key seen.
struct TombstonePurge {
  std::string entry_key;
  uint64_t revision = 0;
  std::vector<std::string> revision_keys;
  std::set<int64_t> users;  // tagged in any revision: their user_index rows go too
};

}  // namespace

RevisionPurger::RevisionPurger(const store::Engine* engine, store::CommitPipeline* pipeline,
                               const core::Clock* clock, RetentionPolicy policy)
    : engine_(engine), pipeline_(pipeline), clock_(clock), policy_(policy) {}

boost::asio::awaitable<Result<RevisionPurger::Stats>> RevisionPurger::RunOnce() {
  Stats stats;
  const core::Timestamp now = clock_->Now();
  std::vector<std::string> doomed;  // non-current revision keys
  std::vector<TombstonePurge> purges;
  {
    auto it = engine_->NewIterator(ColumnFamily::kRevisions);
    if (cursor_.empty()) {
      it->SeekToFirst();
    } else {
      it->Seek(cursor_);
    }
    while (it->Valid() && stats.revisions_scanned < policy_.scan_budget) {
      std::string_view first_key = it->key();
      if (first_key.size() <= kRevisionSuffix) co_return Status::Internal("corrupt revision key");
      const std::string entry_key(first_key.substr(0, first_key.size() - kRevisionSuffix));
      // One entry: its revisions, newest (current) first.
      size_t index = 0;
      std::optional<core::Timestamp> replaced_at;  // revision time of the next newer revision
      std::optional<TombstonePurge> purge;
      for (; it->Valid(); it->Next()) {
        std::string_view key = it->key();
        if (key.size() != entry_key.size() + kRevisionSuffix ||
            key.substr(0, entry_key.size()) != entry_key) {
          break;
        }
        SB_CO_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(it->value()));
        ++stats.revisions_scanned;
        if (index == 0) {
          if (record.deleted && now - record.revision_time >= policy_.retention) {
            purge = TombstonePurge{entry_key, record.revision, {}, {}};
          }
        } else if (!purge &&
                   (index >= policy_.max_revisions || now - *replaced_at >= policy_.retention)) {
          doomed.emplace_back(key);
        }
        if (purge) {
          purge->revision_keys.emplace_back(key);
          purge->users.insert(record.users.begin(), record.users.end());
        }
        replaced_at = record.revision_time;
        ++index;
      }
      if (purge) purges.push_back(std::move(*purge));
    }
    SB_CO_RETURN_IF_ERROR(it->status());
    if (it->Valid()) {
      std::string_view next = it->key();
      cursor_.assign(next.substr(0, next.size() - kRevisionSuffix));
    } else {
      cursor_.clear();
      stats.wrapped = true;
    }
  }

  // Old revisions: deleting one that is not current is safe whatever is written meanwhile.
  for (size_t i = 0; i < doomed.size(); i += policy_.delete_batch) {
    const size_t end = std::min(doomed.size(), i + policy_.delete_batch);
    std::vector<std::string> batch(doomed.begin() + static_cast<ptrdiff_t>(i),
                                   doomed.begin() + static_cast<ptrdiff_t>(end));
    store::Mutation mutation = [batch = std::move(batch)](store::WriteView& view) {
      for (const auto& key : batch) view.Delete(ColumnFamily::kRevisions, key);
      return Status::Ok();
    };
    Status s = co_await pipeline_->Commit(std::move(mutation));
    SB_CO_RETURN_IF_ERROR(s);
    stats.revisions_deleted += end - i;
  }
  // Tombstones: only if the entry is still exactly that tombstone (not re-created meanwhile).
  for (auto& purge : purges) {
    const size_t keys = purge.revision_keys.size();
    std::function<Result<bool>(store::WriteView&)> mutation =
        [purge = std::move(purge)](store::WriteView& view) -> Result<bool> {
      SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kEntries, purge.entry_key));
      if (bytes) {
        SB_ASSIGN_OR_RETURN(EntryRecord current, DecodeEntryRecord(*bytes));
        if (!current.deleted || current.revision != purge.revision) return false;
        view.Delete(ColumnFamily::kEntries, purge.entry_key);
      }
      for (const auto& key : purge.revision_keys) view.Delete(ColumnFamily::kRevisions, key);
      EntryName name;
      if (!ParseEntryKey(purge.entry_key, &name)) return Status::Internal("corrupt entry key");
      for (int64_t user : purge.users) {
        view.Delete(ColumnFamily::kUserIndex, UserIndexKey(name.universe, user, name));
      }
      return true;
    };
    // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
    SB_CO_ASSIGN_OR_RETURN(bool removed, co_await pipeline_->Commit<bool>(std::move(mutation)));
    if (removed) {
      ++stats.entries_purged;
      stats.revisions_deleted += keys;
    }
  }
  co_return stats;
}

}  // namespace strongbox::datastore
