#include "changes/change_log_gaps.h"

#include <optional>
#include <string>

#include "store/change_log.h"
#include "store/key_codec.h"

namespace strongbox::changes {

using core::Result;
using core::Status;
using store::ColumnFamily;

Status NoteChangeLogOff(const store::Engine& engine, store::CommitPipeline& pipeline) {
  SB_ASSIGN_OR_RETURN(auto marker, engine.Get(ColumnFamily::kChanges, store::ChangeLogOffKey()));
  if (marker) return Status::Ok();
  return pipeline.CommitAndWait([](store::WriteView& view) {
    view.Put(ColumnFamily::kChanges, store::ChangeLogOffKey(), "1");
    return Status::Ok();
  });
}

Result<size_t> CloseChangeLogGaps(const store::Engine& engine, store::CommitPipeline& pipeline,
                                  const core::Clock& clock) {
  SB_ASSIGN_OR_RETURN(auto marker, engine.Get(ColumnFamily::kChanges, store::ChangeLogOffKey()));
  if (!marker) return size_t{0};
  size_t marked = 0;
  // Every universe with a head row or a subscription (universe 0 holds only the marker).
  std::string from = store::PrefixSuccessor(store::ChangeUniversePrefix(0));
  for (;;) {
    SB_ASSIGN_OR_RETURN(auto next, store::NextChangeUniverse(engine, from));
    if (!next || next->universe < 0) break;  // ids are positive; the key codec sorts them last
    const int64_t u = next->universe;
    SB_RETURN_IF_ERROR(pipeline.CommitAndWait([u, &clock](store::WriteView& view) {
      SB_ASSIGN_OR_RETURN(auto head_row, view.Get(ColumnFamily::kChanges, store::ChangeHeadKey(u)));
      // No head row: only subscriptions so far, whose cursors (0) must hear of the gap too.
      SB_ASSIGN_OR_RETURN(uint64_t head, store::DecodeChangeCounter(head_row, 0));
      store::ChangeRecord gap;
      gap.time = view.Now(clock);
      gap.kind = std::string(store::kGapKind);
      gap.operation = "logOff";
      view.Put(ColumnFamily::kChanges, store::ChangeKey(u, head + 1),
               store::EncodeChangeRecord(gap));
      view.Put(ColumnFamily::kChanges, store::ChangeHeadKey(u), std::to_string(head + 1));
      return Status::Ok();
    }));
    ++marked;
    from = next->next_from;
    if (from.empty()) break;
  }
  SB_RETURN_IF_ERROR(pipeline.CommitAndWait([](store::WriteView& view) {
    view.Delete(ColumnFamily::kChanges, store::ChangeLogOffKey());
    return Status::Ok();
  }));
  return marked;
}

}  // namespace strongbox::changes
