#pragma once

// ChangeFilter: which change records a reader of the feed wants (api.md §11 `filter`,
// proto-docs/changes.md). Every clause given must hold; an empty filter takes everything.
//
// The text form, clauses joined by `&&`, strings double-quoted with \" and \\ escapes:
//   kind == "entry"           the record's kind (change_log.h: entry, orderedEntry, …)
//   dataStore == "players"    the data store, ordered data store, map or queue it names
//   id.startsWith("user_")    the entry key, item id or lock id begins with this
//   writer == "abc"           the writer's API key id (who the server authenticated)
//   label == "build-42"       the writer's Strongbox-Writer label (what the caller said; any
//                             key may send any label, so undo goes by `writer`)
// Each field at most once. Errors: kInvalidArgument naming the accepted form.
// Thread safety: a value type; Matches is const.

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/change_log.h"

namespace strongbox::changes {

struct ChangeFilter {
  std::string kind;       // empty: any
  std::string container;  // empty: any
  std::string id_prefix;  // empty: any
  std::string writer;     // API key id; empty: any
  std::string label;      // empty: any
  // A time window [start, end] on the record's commit time (api.md §11 `startTime`/`endTime`,
  // for undo by writer): query parameters of their own, not part of the text form.
  std::optional<core::Timestamp> start;
  std::optional<core::Timestamp> end;

  bool Matches(const store::ChangeRecord& record) const;
  // The text form of the clauses, which parses back to them ("" when there are none).
  std::string ToString() const;
};

core::Result<ChangeFilter> ParseChangeFilter(std::string_view text);

}  // namespace strongbox::changes
