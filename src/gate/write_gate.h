#pragma once

// WriteGate: what runs around every mutating route (RouteSpec::write), so no route can forget
// the contract's Idempotency-Key and lock guard (api.md §1):
//
//  1. parses the guard and the key once (400 when malformed; 400 for a guard on a route that
//     refuses one, Guard::kRefused);
//  2. with a key: waits while a request with the same key is in flight in this process (woken
//     when it finishes, not by polling; 503 after kMaxDuplicateWait), then replays the stored
//     answer (`Idempotent-Replayed: true`, nothing changes) or refuses a different request with
//     409 KEY_REUSED;
//  3. runs the handler with the request's RequestWrite. Commits::kOne: the handler applies it
//     inside its commit, and a handler that did not (while the request carried a guard or a
//     key) is a defect, answered 500 and logged, never silently unguarded. Commits::kMany: the
//     guard is checked in a commit of its own first, and a successful answer is stored in a
//     commit of its own after.
// Only successful (2xx) answers are stored: a failed mutation changed nothing and may be retried.
//
// Ownership: app/ owns it; it borrows the idempotency store, pipeline and clock.
// Thread safety: Wrap before serving; the handlers it returns run from any IO thread.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_set>

#include "core/clock.h"
#include "core/keyed_waiters.h"
#include "gate/request_write.h"
#include "gate/route_spec.h"
#include "idempotency/idempotency_store.h"
#include "store/commit_pipeline.h"

namespace strongbox::gate {

class WriteGate {
 public:
  // How long a duplicate waits for its original before answering 503; far beyond any commit.
  static constexpr std::chrono::seconds kMaxDuplicateWait{30};

  WriteGate(const idempotency::IdempotencyStore* store, store::CommitPipeline* pipeline,
            const core::Clock* clock)
      : store_(store), pipeline_(pipeline), clock_(clock) {}

  // The router's handler for a mutating route. REQUIRES: spec.mutates(); `spec` outlives it.
  http::Handler Wrap(const RouteSpec& spec);

 private:
  // A stored answer, as sent again (header idempotent-replayed: true).
  static http::Response Replay(idempotency::StoredResponse stored);
  boost::asio::awaitable<core::Result<http::Response>> Run(const RouteSpec& spec,
                                                           http::Request& request);
  boost::asio::awaitable<core::Result<http::Response>> RunHandler(const RouteSpec& spec,
                                                                  http::Request& request,
                                                                  RequestWrite& write);
  // Marks `storage_key` in flight, first waiting for an earlier holder to release it.
  boost::asio::awaitable<core::Status> Claim(const std::string& storage_key);
  void Release(const std::string& storage_key);

  const idempotency::IdempotencyStore* store_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  std::mutex mu_;
  std::unordered_set<std::string> in_flight_;  // guarded by mu_
  core::KeyedWaiters released_;                // duplicates waiting, by storage key
};

}  // namespace strongbox::gate
