#pragma once

// Switching the change log off and on again must not leave a silent gap (api.md §11: a reader
// is told when it missed changes). A server that starts with `change_log = off` writes a
// marker row; the next start with the log on appends a record of kind "gap" to the log of
// every universe with a head row or a subscription and removes the marker, so a reader (or
// subscription) whose cursor is before the gap gets CHANGES_EXPIRED when it reaches it, and one
// that starts after it, or filters on a startTime at or after it, reads on.
//
// Errors: the pipeline's and the engine's as they are. Cluster mode does not call these (every
// node of a cluster must run with the same setting; proto-docs/changes.md).
// Thread safety: at startup, before serving.

#include <boost/asio/awaitable.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::changes {

// With the log off: writes the marker (once).
core::Status NoteChangeLogOff(const store::Engine& engine, store::CommitPipeline& pipeline);
// With the log on: when the marker is there, a gap record per universe, then the marker goes.
// Returns the number of universes marked.
core::Result<size_t> CloseChangeLogGaps(const store::Engine& engine,
                                        store::CommitPipeline& pipeline, const core::Clock& clock);

}  // namespace strongbox::changes
