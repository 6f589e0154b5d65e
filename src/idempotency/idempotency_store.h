#pragma once

// IdempotencyStore: the stored responses of Idempotency-Key requests (api.md §1), on the
// `idempotency` column family (record format: idempotency_record.h).
//
// A record is written only by Stage, inside the commit of the mutation it answers, and kept for
// `ttl`; Lookup ignores an expired record and PurgeExpired reclaims it. The fingerprint is a
// 64-bit hash of the request (method, target, body) chosen by the caller: the same key with a
// different fingerprint is the contract's 409 KEY_REUSED.
//
// Ownership: app/ owns it; it borrows the engine, pipeline and clock.
// Thread safety: Lookup and Stage from any thread (Stage inside a mutation); PurgeExpired from
// one coroutine at a time.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "idempotency/idempotency_record.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::idempotency {

class IdempotencyStore {
 public:
  IdempotencyStore(const store::Engine* engine, store::CommitPipeline* pipeline,
                   const core::Clock* clock, std::chrono::nanoseconds ttl)
      : engine_(engine), pipeline_(pipeline), clock_(clock), ttl_(ttl), started_(clock->Now()) {}

  // The stored response for `key` (IdempotencyKey()) if there is one that has not expired;
  // kAborted KEY_REUSED when it answered another request; kInternal for a corrupt record.
  // `earlier_fingerprint` (a fingerprint an older server gave this request) also matches a
  // record stored before this process started: a retry across an upgrade is still a replay.
  core::Result<std::optional<StoredResponse>> Lookup(
      const std::string& key, uint64_t fingerprint,
      std::optional<uint64_t> earlier_fingerprint = std::nullopt) const;

  // Inside a commit: whether `key` has an answer stored that has not expired, as committed
  // plus staged state shows it. A request checks this in its own mutation, because an earlier
  // request's answer can become visible between its Lookup and its commit (a commit of unknown
  // outcome settled as committed by recovery). kInternal when the store fails.
  core::Result<bool> Answered(const store::WriteView& view, const std::string& key) const;

  // Stages `response` as the answer to `key` for `ttl` from now.
  void Stage(store::WriteView& view, const std::string& key, uint64_t fingerprint,
             StoredResponse response) const;

  // One bounded background pass: deletes expired records among the next `budget`, resuming
  // where the previous pass stopped. Returns how many were deleted.
  boost::asio::awaitable<core::Result<size_t>> PurgeExpired(size_t budget);

 private:
  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const std::chrono::nanoseconds ttl_;
  const core::Timestamp started_;  // records stored before it may carry an earlier fingerprint
  std::string purge_cursor_;       // only touched by PurgeExpired
};

}  // namespace strongbox::idempotency
