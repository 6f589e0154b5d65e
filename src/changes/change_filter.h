#pragma once

// ChangeFilter: which change records a reader of the feed wants (api.md §11 `filter`,
// proto-docs/changes.md). Every clause given must hold; an empty filter takes everything.
//
// The text form, clauses joined by `&&`, strings double-quoted with \" and \\ escapes:
//   kind == "entry"           the record's kind (change_log.h: entry, orderedEntry, …)
//   dataStore == "players"    the data store, ordered data store, map or queue it names
//   id.startsWith("user_")    the entry key, item id or lock id begins with this
//   writer == "abc"           the writer's API key id or its Strongbox-Writer label
// Each field at most once. Errors: kInvalidArgument naming the accepted form.
// Thread safety: a value type; Matches is const.

#include <string>
#include <string_view>

#include "core/status.h"
#include "store/change_log.h"

namespace strongbox::changes {

struct ChangeFilter {
  std::string kind;       // empty: any
  std::string container;  // empty: any
  std::string id_prefix;  // empty: any
  std::string writer;     // empty: any

  bool Matches(const store::ChangeRecord& record) const;
  // The text form that parses back to this filter ("" when it takes everything).
  std::string ToString() const;
};

core::Result<ChangeFilter> ParseChangeFilter(std::string_view text);

}  // namespace strongbox::changes
