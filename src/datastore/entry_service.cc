#include "datastore/entry_service.h"

#include <memory>

#include "datastore/catalog.h"
#include "datastore/entry_keys.h"
#include "datastore/entry_record.h"
#include "datastore/json_patch.h"
#include "datastore/mailbox.h"
#include "datastore/revision_id.h"
#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::datastore {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

Status InvalidVersion() { return Status::InvalidArgument("Invalid version id."); }

Status EntryNotFound() { return Status::NotFound("Entry not found."); }

Status EtagMismatch(const std::optional<EntryRecord>& current) {
  Status s = Status::Aborted("The etag does not match the entry's current revision.")
                 .WithReason("ETAG_MISMATCH");
  if (current && !current->deleted) {
    s = std::move(s).WithMetadata("currentEtag", FormatRevisionId(*current));
  }
  return s;
}

bool IsLive(const std::optional<EntryRecord>& r) { return r.has_value() && !r->deleted; }

// The revision every write builds on: counter +1, creation time kept while the entry lives.
EntryRecord NextRevision(const std::optional<EntryRecord>& current, core::Timestamp now) {
  EntryRecord next;
  next.revision = current ? current->revision + 1 : 1;
  next.create_time = IsLive(current) ? current->create_time : now;
  // Revision times never go backwards for one key, even if the wall clock does.
  next.revision_time = current && current->revision_time >= now
                           ? current->revision_time + std::chrono::microseconds(1)
                           : now;
  return next;
}

EntryRecord WithContent(EntryRecord r, EntryWrite w) {
  r.value = std::move(w.value);
  r.users = std::move(w.users);
  r.attributes = std::move(w.attributes);
  return r;
}

// Keeps the current users / attributes unless new ones are given.
void KeepOrReplaceMetadata(EntryRecord& next, const std::optional<EntryRecord>& current,
                           const std::optional<std::vector<int64_t>>& users,
                           const std::optional<std::string>& attributes) {
  const bool live = IsLive(current);
  next.users = users ? *users : (live ? current->users : std::vector<int64_t>());
  next.attributes = attributes ? *attributes : (live ? current->attributes : std::string("{}"));
}

}  // namespace

EntryService::EntryService(const store::Engine* engine, store::CommitPipeline* pipeline,
                           const core::Clock* clock, EntryLimits limits)
    : engine_(engine), pipeline_(pipeline), clock_(clock), limits_(limits) {}

Status EntryService::CheckReadable(const EntryName& name) const {
  SB_RETURN_IF_ERROR(ValidateEntryName(name));
  SB_ASSIGN_OR_RETURN(
      auto row, engine_->Get(ColumnFamily::kCatalog,
                             CatalogKey(name.universe, kCatalogKindDataStore, name.data_store)));
  return CheckNotDeleted(row);
}

Result<EntryRecord> EntryService::Get(const EntryName& name) const {
  SB_RETURN_IF_ERROR(CheckReadable(name));
  // The entry and its mailbox's state from one snapshot.
  const std::pair<ColumnFamily, std::string> rows[] = {
      {ColumnFamily::kEntries, EntryKey(name)}, {ColumnFamily::kMailbox, MailboxStateKey(name)}};
  SB_ASSIGN_OR_RETURN(auto values, engine_->MultiGet(rows));
  if (!values[0]) return EntryNotFound();
  SB_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(*values[0]));
  if (record.deleted) return EntryNotFound();
  SB_ASSIGN_OR_RETURN(record.pending_messages, PendingMessagesOf(values[1]));
  return record;
}

Result<std::vector<Result<EntryRecord>>> EntryService::BatchGet(
    const EntryName& store, const std::vector<std::string>& keys) const {
  std::vector<std::pair<ColumnFamily, std::string>> rows;
  rows.reserve(keys.size() + 1);
  rows.emplace_back(ColumnFamily::kCatalog,
                    CatalogKey(store.universe, kCatalogKindDataStore, store.data_store));
  EntryName name = store;
  for (const std::string& key : keys) {
    name.key = key;
    SB_RETURN_IF_ERROR(ValidateEntryName(name));
    rows.emplace_back(ColumnFamily::kEntries, EntryKey(name));
  }
  SB_ASSIGN_OR_RETURN(auto values, engine_->MultiGet(rows));
  SB_RETURN_IF_ERROR(CheckNotDeleted(values[0]));
  std::vector<Result<EntryRecord>> records;
  records.reserve(keys.size());
  for (size_t i = 1; i < values.size(); ++i) {
    if (!values[i]) {
      records.emplace_back(EntryNotFound());
      continue;
    }
    auto record = DecodeEntryRecord(*values[i]);
    if (record.ok() && record->deleted) {
      records.emplace_back(EntryNotFound());
    } else {
      records.push_back(std::move(record));
    }
  }
  return records;
}

namespace {

// Revision `revision_id` of `name` as `reader` (the engine, or a commit's view) holds it: the row
// of its counter, and that exact revision (after an :eraseUser and a re-create the counter
// names another incarnation's). InvalidVersion when it is not there.
template <class Reader>
Result<EntryRecord> ReadRevision(const Reader& reader, const EntryName& name,
                                 std::string_view revision_id) {
  auto counter = ParseRevisionCounter(revision_id);
  if (!counter) return InvalidVersion();
  SB_ASSIGN_OR_RETURN(auto bytes,
                      reader.Get(ColumnFamily::kRevisions, RevisionKey(name, *counter)));
  if (!bytes) return InvalidVersion();
  SB_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(*bytes));
  if (FormatRevisionId(record) != revision_id) return InvalidVersion();
  return record;
}

}  // namespace

Result<EntryRecord> EntryService::GetRevision(const EntryName& name,
                                              std::string_view revision_id) const {
  SB_RETURN_IF_ERROR(CheckReadable(name));
  return ReadRevision(*engine_, name, revision_id);
}

Result<std::optional<EntryRecord>> EntryService::GetLatest(const EntryName& name) const {
  SB_RETURN_IF_ERROR(CheckReadable(name));
  SB_ASSIGN_OR_RETURN(auto bytes, engine_->Get(ColumnFamily::kEntries, EntryKey(name)));
  if (!bytes) return std::optional<EntryRecord>();
  SB_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(*bytes));
  return std::optional<EntryRecord>(std::move(record));
}

Result<std::optional<EntryRecord>> EntryService::GetRevisionBefore(
    const EntryName& name, std::string_view revision_id) const {
  SB_RETURN_IF_ERROR(CheckReadable(name));
  auto counter = ParseRevisionCounter(revision_id);
  if (!counter) return InvalidVersion();
  // The revision itself must still be there, exactly: after an :eraseUser and a re-create the
  // counter starts again, and counter - 1 would be another entry's history.
  SB_ASSIGN_OR_RETURN(auto self,
                      engine_->Get(ColumnFamily::kRevisions, RevisionKey(name, *counter)));
  if (!self) {
    // Retention keeps the newest revisions, so a counter past the entry's latest (or an entry
    // with no row left) means its history went with an :eraseUser and started again.
    SB_ASSIGN_OR_RETURN(auto latest, GetLatest(name));
    if (!latest || latest->revision < *counter) {
      return Status::FailedPrecondition("Revision " + std::string(revision_id) +
                                        " belongs to an entry since erased; that write cannot "
                                        "be undone.")
          .WithReason("ERASED");
    }
    return Status::FailedPrecondition("Revision " + std::string(revision_id) +
                                      " is no longer kept (revision retention).")
        .WithReason("REVISION_NOT_KEPT");
  }
  SB_ASSIGN_OR_RETURN(EntryRecord written, DecodeEntryRecord(*self));
  if (FormatRevisionId(written) != revision_id) {
    return Status::FailedPrecondition("Revision " + std::string(revision_id) +
                                      " belongs to an entry since erased; that write cannot be "
                                      "undone.")
        .WithReason("ERASED");
  }
  if (*counter <= 1) return std::optional<EntryRecord>();
  SB_ASSIGN_OR_RETURN(auto bytes,
                      engine_->Get(ColumnFamily::kRevisions, RevisionKey(name, *counter - 1)));
  if (!bytes) {
    return Status::FailedPrecondition(
               "The revision before " + std::string(revision_id) +
               " is no longer kept (revision retention), so that write cannot be undone.")
        .WithReason("REVISION_NOT_KEPT");
  }
  SB_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(*bytes));
  return std::optional<EntryRecord>(std::move(record));
}

Result<EntryRecord> EntryService::GetAt(const EntryName& name, core::Timestamp at) const {
  SB_RETURN_IF_ERROR(CheckReadable(name));
  const std::string prefix = RevisionPrefix(name);
  auto it = engine_->NewIterator(ColumnFamily::kRevisions, prefix, store::PrefixSuccessor(prefix));
  // Newest first: the first revision written at or before `at` was current then.
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SB_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(it->value()));
    if (record.revision_time <= at) {
      if (record.deleted) return EntryNotFound();
      return record;
    }
  }
  SB_RETURN_IF_ERROR(it->status());
  return EntryNotFound();
}

store::Staged<EntryRecord> EntryService::StageEntryWrite(EntryName name, NextRecordFn next_record,
                                                         std::string_view operation,
                                                         std::vector<std::string> consume) const {
  const core::Clock* clock = clock_;
  const uint64_t keep = limits_.max_revisions_per_entry;
  return [name = std::move(name), next_record = std::move(next_record), clock, keep, operation,
          consume = std::move(consume)](store::WriteView& view) -> Result<EntryRecord> {
    // A deleted data store takes no writes (checked in the sequencer, so a delete racing this
    // write cannot be missed).
    const std::string catalog_key =
        CatalogKey(name.universe, kCatalogKindDataStore, name.data_store);
    SB_ASSIGN_OR_RETURN(auto catalog, view.Get(ColumnFamily::kCatalog, catalog_key));
    SB_RETURN_IF_ERROR(CheckNotDeleted(catalog));
    const std::string entry_key = EntryKey(name);
    SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kEntries, entry_key));
    std::optional<EntryRecord> current;
    if (bytes) {
      SB_ASSIGN_OR_RETURN(current, DecodeEntryRecord(*bytes));
    }
    // The instant the change log records too (WriteView::Now): one time per write.
    const core::Timestamp now = view.Now(*clock);
    SB_ASSIGN_OR_RETURN(EntryRecord next, next_record(current, now));
    SB_RETURN_IF_ERROR(StageConsumeMessages(view, name, consume));
    SB_ASSIGN_OR_RETURN(next.pending_messages, PendingMessagesIn(view, name));
    const std::string encoded = EncodeEntryRecord(next);
    view.Put(ColumnFamily::kEntries, entry_key, encoded);
    view.Put(ColumnFamily::kRevisions, RevisionKey(name, next.revision), encoded);
    // The user index names every entry ever tagged with a user, for :eraseUser.
    for (int64_t user : next.users) {
      view.Put(ColumnFamily::kUserIndex, UserIndexKey(name.universe, user, name), "");
    }
    // Keep at most `keep` revisions: the one falling out of the window goes in the same batch.
    if (keep > 0 && next.revision > keep) {
      view.Delete(ColumnFamily::kRevisions, RevisionKey(name, next.revision - keep));
    }
    // The first write to a data store registers it in the catalog, in the same batch.
    if (!catalog) {
      DataStoreInfo info;
      info.create_time = now;
      view.Put(ColumnFamily::kCatalog, catalog_key, EncodeDataStoreInfo(info));
    }
    view.RecordChange({name.universe, "entry", name.data_store, name.scope, name.key,
                       next.deleted      ? "delete"
                       : IsLive(current) ? operation
                                         : "create",
                       FormatRevisionId(next)});
    return next;
  };
}

Result<store::Staged<EntryRecord>> EntryService::StageCreate(EntryName name,
                                                             EntryWrite write) const {
  SB_RETURN_IF_ERROR(ValidateEntryName(name));
  SB_RETURN_IF_ERROR(ValidateWrite(write, limits_));
  NextRecordFn next = [write = std::move(write)](const std::optional<EntryRecord>& current,
                                                 core::Timestamp now) -> Result<EntryRecord> {
    if (IsLive(current)) return Status::AlreadyExists("Entry already exists.");
    return WithContent(NextRevision(current, now), write);
  };
  return StageEntryWrite(std::move(name), std::move(next));
}

Result<store::Staged<EntryRecord>> EntryService::StageUpdate(EntryName name, EntryWrite write,
                                                             std::optional<std::string> etag,
                                                             bool allow_missing) const {
  SB_RETURN_IF_ERROR(ValidateEntryName(name));
  SB_RETURN_IF_ERROR(ValidateWrite(write, limits_));
  NextRecordFn next = [write = std::move(write), etag = std::move(etag), allow_missing](
                          const std::optional<EntryRecord>& current,
                          core::Timestamp now) -> Result<EntryRecord> {
    if (!IsLive(current) && !allow_missing) return EntryNotFound();
    if (etag && (!IsLive(current) || FormatRevisionId(*current) != *etag)) {
      return EtagMismatch(current);
    }
    return WithContent(NextRevision(current, now), write);
  };
  return StageEntryWrite(std::move(name), std::move(next));
}

Result<store::Staged<EntryRecord>> EntryService::StageDelete(
    EntryName name, std::optional<std::string> etag) const {
  SB_RETURN_IF_ERROR(ValidateEntryName(name));
  NextRecordFn next = [etag = std::move(etag)](const std::optional<EntryRecord>& current,
                                               core::Timestamp now) -> Result<EntryRecord> {
    if (!IsLive(current)) return EntryNotFound();
    if (etag && FormatRevisionId(*current) != *etag) return EtagMismatch(current);
    EntryRecord tombstone = NextRevision(current, now);
    tombstone.deleted = true;
    return tombstone;
  };
  return StageEntryWrite(std::move(name), std::move(next));
}

Result<store::Staged<EntryRecord>> EntryService::StageIncrement(
    EntryName name, int64_t amount, std::optional<std::vector<int64_t>> users,
    std::optional<std::string> attributes) const {
  SB_RETURN_IF_ERROR(ValidateEntryName(name));
  EntryWrite metadata;
  metadata.users = users.value_or(std::vector<int64_t>());
  metadata.attributes = attributes.value_or("{}");
  SB_RETURN_IF_ERROR(ValidateWrite(metadata, limits_));
  NextRecordFn next = [amount, users = std::move(users), attributes = std::move(attributes)](
                          const std::optional<EntryRecord>& current,
                          core::Timestamp now) -> Result<EntryRecord> {
    int64_t base = 0;
    if (IsLive(current)) {
      // A whole number stored as 3.0 (a client whose numbers are all doubles) increments too.
      auto value = core::ParseJson(current->value);
      if (!value.ok() || !value->is_number() || !core::IsWholeInt64(*value)) {
        return Status::InvalidArgument("The entry's value is not an integer; cannot increment.");
      }
      base = core::JsonToInt64(*value, "The entry's value").value();
    }
    int64_t sum = 0;
    if (__builtin_add_overflow(base, amount, &sum)) {
      return Status::InvalidArgument("The increment would overflow a 64-bit integer.");
    }
    EntryRecord record = NextRevision(current, now);
    record.value = std::to_string(sum);
    KeepOrReplaceMetadata(record, current, users, attributes);
    return record;
  };
  return StageEntryWrite(std::move(name), std::move(next), "increment");
}

Result<store::Staged<EntryRecord>> EntryService::StagePatch(EntryName name,
                                                            PatchRequest request) const {
  SB_RETURN_IF_ERROR(ValidateEntryName(name));
  PatchLimits patch_limits;
  patch_limits.max_operations = limits_.max_patch_operations;
  patch_limits.max_depth = core::MaxJsonDepth();
  patch_limits.max_value_bytes = limits_.max_value_bytes;
  SB_RETURN_IF_ERROR(ValidatePatchOperations(request.operations, patch_limits));
  EntryWrite metadata;
  metadata.users = request.users.value_or(std::vector<int64_t>());
  metadata.attributes = request.attributes.value_or("{}");
  SB_RETURN_IF_ERROR(ValidateWrite(metadata, limits_));
  const size_t max_value_bytes = limits_.max_value_bytes;
  std::vector<std::string> consume = std::move(request.consume_messages);
  NextRecordFn next = [request = std::move(request), max_value_bytes, patch_limits](
                          const std::optional<EntryRecord>& current,
                          core::Timestamp now) -> Result<EntryRecord> {
    if (!IsLive(current) && !request.allow_missing) return EntryNotFound();
    if (request.etag && (!IsLive(current) || FormatRevisionId(*current) != *request.etag)) {
      return EtagMismatch(current);
    }
    SB_ASSIGN_OR_RETURN(core::Json value,
                        core::ParseJson(IsLive(current) ? current->value : request.initial_value));
    SB_ASSIGN_OR_RETURN(core::Json patched,
                        ApplyPatch(std::move(value), request.operations, patch_limits));
    EntryRecord record = NextRevision(current, now);
    record.value = core::DumpCompact(patched);
    if (record.value.size() > max_value_bytes) {
      return Status::PayloadTooLarge("The patched value is " + std::to_string(record.value.size()) +
                                     " bytes; the limit is " + std::to_string(max_value_bytes) +
                                     ".")
          .WithReason("LIMIT_EXCEEDED")
          .WithMetadata("limit", "max_value_bytes")
          .WithMetadata("value", std::to_string(max_value_bytes));
    }
    KeepOrReplaceMetadata(record, current, request.users, request.attributes);
    return record;
  };
  return StageEntryWrite(std::move(name), std::move(next), "update", std::move(consume));
}

Result<store::Staged<EntryRecord>> EntryService::StageRestoreRevision(
    EntryName name, std::string revision_id, std::optional<std::string> etag) const {
  SB_RETURN_IF_ERROR(ValidateEntryName(name));
  // A revision never changes once written, so it is read here, outside the sequencer; but it
  // may go before the commit (revision retention, an :eraseUser), so the commit checks it is
  // still there, the same revision: restoring it then would write back a value that retention
  // dropped, or an erased user's data.
  SB_ASSIGN_OR_RETURN(EntryRecord old, GetRevision(name, revision_id));
  if (old.deleted) {
    return Status::InvalidArgument("That revision is a deletion; there is nothing to restore.");
  }
  // The etag may name a tombstone: restoring a deleted entry is a compare-and-swap too.
  NextRecordFn next = [old = std::move(old), etag = std::move(etag)](
                          const std::optional<EntryRecord>& current,
                          core::Timestamp now) -> Result<EntryRecord> {
    if (etag && (!current || FormatRevisionId(*current) != *etag)) {
      return EtagMismatch(current);
    }
    EntryRecord record = NextRevision(current, now);
    record.value = old.value;
    record.users = old.users;
    record.attributes = old.attributes;
    return record;
  };
  store::Staged<EntryRecord> write = StageEntryWrite(name, std::move(next));
  return store::Staged<EntryRecord>(
      [write = std::move(write), name = std::move(name),
       revision_id = std::move(revision_id)](store::WriteView& view) -> Result<EntryRecord> {
        SB_RETURN_IF_ERROR(ReadRevision(view, name, revision_id).status());
        return write(view);
      });
}

Result<EntryService::RevisionPage> EntryService::ListRevisions(const EntryName& name,
                                                               const RevisionQuery& query) const {
  SB_RETURN_IF_ERROR(CheckReadable(name));
  const std::string prefix = RevisionPrefix(name);
  auto it = engine_->NewIterator(ColumnFamily::kRevisions, prefix, store::PrefixSuccessor(prefix));
  // Keys hold the counter descending: forward iteration is newest first.
  const bool forward = !query.oldest_first;
  if (query.after) {
    const std::string resume = RevisionKey(name, *query.after);
    if (forward) {
      it->Seek(resume);
      if (it->Valid() && it->key() == resume) it->Next();
    } else {
      it->SeekForPrev(resume);
      if (it->Valid() && it->key() == resume) it->Prev();
    }
  } else if (forward) {
    it->SeekToFirst();
  } else {
    it->SeekToLast();
  }
  RevisionPage page;
  for (; it->Valid(); forward ? it->Next() : it->Prev()) {
    SB_ASSIGN_OR_RETURN(EntryRecord record, DecodeEntryRecord(it->value()));
    const bool too_new = query.end && record.revision_time > *query.end;
    const bool too_old = query.start && record.revision_time < *query.start;
    if (too_new || too_old) {
      // Past the window in the direction of travel: nothing further can match.
      if ((forward && too_old) || (!forward && too_new)) break;
      continue;
    }
    if (page.revisions.size() == query.page_size) {
      page.next_after = page.revisions.back().revision;
      break;
    }
    page.revisions.push_back(std::move(record));
  }
  SB_RETURN_IF_ERROR(it->status());
  return page;
}

boost::asio::awaitable<Result<EntryRecord>> EntryService::Create(EntryName name, EntryWrite write,
                                                                 Context context) {
  auto staged = StageCreate(std::move(name), std::move(write));
  auto result =
      co_await pipeline_->CommitStaged<EntryRecord>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<EntryRecord>> EntryService::Update(EntryName name, EntryWrite write,
                                                                 std::optional<std::string> etag,
                                                                 bool allow_missing,
                                                                 Context context) {
  auto staged =
      StageUpdate(std::move(name), std::move(write), std::move(etag), std::move(allow_missing));
  auto result =
      co_await pipeline_->CommitStaged<EntryRecord>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<EntryRecord>> EntryService::Delete(EntryName name,
                                                                 std::optional<std::string> etag,
                                                                 Context context) {
  auto staged = StageDelete(std::move(name), std::move(etag));
  auto result =
      co_await pipeline_->CommitStaged<EntryRecord>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<EntryRecord>> EntryService::Increment(
    EntryName name, int64_t amount, std::optional<std::vector<int64_t>> users,
    std::optional<std::string> attributes, Context context) {
  auto staged =
      StageIncrement(std::move(name), std::move(amount), std::move(users), std::move(attributes));
  auto result =
      co_await pipeline_->CommitStaged<EntryRecord>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<EntryRecord>> EntryService::Patch(EntryName name,
                                                                PatchRequest request,
                                                                Context context) {
  auto staged = StagePatch(std::move(name), std::move(request));
  auto result =
      co_await pipeline_->CommitStaged<EntryRecord>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<EntryRecord>> EntryService::RestoreRevision(
    EntryName name, std::string revision_id, std::optional<std::string> etag, Context context) {
  auto staged = StageRestoreRevision(std::move(name), std::move(revision_id), std::move(etag));
  auto result =
      co_await pipeline_->CommitStaged<EntryRecord>(std::move(staged), std::move(context));
  co_return result;
}

}  // namespace strongbox::datastore
