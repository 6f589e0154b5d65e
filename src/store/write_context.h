#pragma once

// WriteContext<T>: what a request adds to the one commit of its domain write (api.md §1), as
// values the domain service hands to CommitPipeline::Commit<T> without looking inside.
//
//   check   runs first inside the mutation, before the domain code stages anything: the lock
//           guard (locks::CheckGuard). A non-OK Status fails the mutation; nothing is written.
//   record  runs last, after the domain code succeeded, with its result T: stages the
//           Idempotency-Key response in the same batch, so a response is stored exactly when its
//           mutation commits and a retry after a crash can never apply the mutation twice.
//   writer  who the change log (change_log.h, api.md §11) names as the writer of what the
//           mutation records: the caller's API key id and `Strongbox-Writer` label. Null: the
//           server's own write.
//
// Both are empty for a request that carries neither. They run on the sequencer thread (see
// commit_pipeline.h) and must not block. The request gate (gate/request_write.h) builds them;
// the domain layer only passes them through, so it depends on no request or HTTP type.
// Thread safety: a value type; each request owns its own.

#include <functional>
#include <memory>

#include "core/status.h"
#include "store/change_log.h"

namespace strongbox::store {

class WriteView;

template <class T>
struct WriteContext {
  std::function<core::Status(const WriteView&)> check;
  std::function<void(WriteView&, const T&)> record;
  std::shared_ptr<const ChangeWriter> writer;
};

}  // namespace strongbox::store
