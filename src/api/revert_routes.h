#pragma once

// Undo by writer (api.md §11, proto-docs/changes.md "Undo"):
//   POST /cloud/v2/universes/{u}/data-stores/{ds}:revertChanges
//        {"writer","startTime","endTime","dryRun","force","maxEntries"}[?pageToken=]
// Finds, in the change log, every entry of the data store that API key `writer` changed in
// the window, and restores each to the revision just before the writer's first change there
// (as a new revision, so the undo can itself be undone), one commit per entry. An entry written
// since by anyone (or by the writer after the window) is a conflict, skipped unless `force`.
// Entries go in (scope, key) order, at most maxEntries a call; nextPageToken resumes.

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterRevertRoutes(gate::RouteTable& routes, const Services& services);

}  // namespace strongbox::api
