#pragma once

// UserErasure: `:eraseUser` (api.md §3) — purges, for good, every entry of a universe that was
// ever tagged with a user (in any revision), with all its revisions, as a privacy erasure needs.
// Entries are found through the user_index column family, which every write maintains in the
// same batch as the entry. Each entry is purged by one mutation that re-reads it inside the
// sequencer, so a revision written meanwhile is purged too.
// Thread safety: Erase may be called concurrently.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/status.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::datastore {

class UserErasure {
 public:
  UserErasure(const store::Engine* engine, store::CommitPipeline* pipeline);

  // The number of entries erased. `check` (a request's lock guard, store/write_context.h) runs
  // first in every entry's commit: once it fails, that commit writes nothing and the erasure
  // stops with its error (entries already erased stay erased; a retry finishes the rest).
  // `writer`: who the change log names for the "erase" records (null: the server).
  boost::asio::awaitable<core::Result<size_t>> Erase(
      int64_t universe, int64_t user,
      std::function<core::Status(const store::WriteView&)> check = {},
      std::shared_ptr<const store::ChangeWriter> writer = nullptr);

 private:
  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
};

}  // namespace strongbox::datastore
