#pragma once

// One operation of a :commit (api.md §8), parsed from its JSON object into a write the
// domain service staged for it (store::Staged), plus what the caller's API key needs to make
// it. The commit route runs the staged writes in order inside one mutation.
//
// Shapes: exactly one resource member — `entry` {dataStore, scope?, id}, `orderedEntry`
// {store, scope?, id}, `sortedMapItem` {map, id}, `queueItem` {queue} — and exactly one verb
// of that resource:
//   entry          create {value, users?, attributes?} | update {value, users?, attributes?,
//                  etag?, allowMissing?} | patch [JSON Patch + increment ops] (with etag?,
//                  allowMissing?, initialValue?, users?, attributes? beside it) | increment <n>
//                  | delete {etag?}
//   orderedEntry   set <n> | increment <n> | delete {}
//   sortedMapItem  create {value, ttl, numericSortKey|stringSortKey?} | update {…, etag?,
//                  allowMissing?} | delete {etag?}
//   queueItem      add {data, priority?, ttl}
// `scope` defaults to "global". Each verb checks and answers exactly as its single call:
// the same preconditions (create: must not exist; update and patch without allowMissing: must
// exist; etag: must be current), errors and result JSON.
//
// Errors: kInvalidArgument naming the member that is missing, unknown or malformed, or the
// single call's argument error (limits, names). Thread safety: stateless; the staged write
// runs on the sequencer thread and borrows the services, which outlive every request.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/commit_counters.h"
#include "api/services.h"
#include "core/json_util.h"
#include "core/status.h"
#include "store/commit_pipeline.h"

namespace strongbox::api {

struct CommitOperation {
  CommitResource resource = CommitResource::kEntry;
  std::vector<std::string_view> scopes;   // what the caller's key needs (ops/api_key.h names)
  std::optional<std::string> data_store;  // the data store or ordered store it names, if any
  store::Staged<std::string> stage;       // stages the write; returns the single call's JSON
};

core::Result<CommitOperation> ParseCommitOperation(const core::Json& operation, int64_t universe,
                                                   const Services& services);

}  // namespace strongbox::api
