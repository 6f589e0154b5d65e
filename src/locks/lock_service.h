#pragma once

// LockService: session locks (api.md §6). Every state change is one mutation through the commit
// pipeline, so fencing tokens are issued by the single sequencer — strictly increasing per lock,
// durable before anyone sees them, never reused across restarts or crashes.
//
// CheckGuard() is what makes a lock protect data: any other mutation (a data store write) calls
// it inside its own mutation, so "this token still holds the lease" is decided in the same
// commit sequence as the write; a holder that lost its lease can never overwrite newer data.
//
// Acquire may wait (waitTime) without holding a thread: the coroutine sleeps until the holder's
// lease expires or a release/steal of that lock commits, then tries again.
// Ownership: app/ owns it. Thread safety: all methods may be called concurrently.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/client_watch.h"
#include "core/clock.h"
#include "core/keyed_waiters.h"
#include "core/status.h"
#include "locks/lock.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::locks {

struct LockLimits {
  std::chrono::nanoseconds max_ttl = std::chrono::hours(24);
  std::chrono::nanoseconds max_wait = std::chrono::seconds(30);
};

// Inside a mutation: OK only if the lock is held now with exactly `token`; else kAborted with
// reason LOCK_LOST and metadata `lockId`.
core::Status CheckGuard(const store::WriteView& view, int64_t universe, std::string_view lock_id,
                        uint64_t token, core::Timestamp now);

class LockService {
 public:
  LockService(const store::Engine* engine, store::CommitPipeline* pipeline,
              const core::Clock* clock, LockLimits limits);

  // A request's lock guard and Idempotency-Key record (store/write_context.h), applied in the
  // verb's own commit: a guard names another lock, e.g. to take a second lock only while the
  // first is still held.
  using Context = store::WriteContext<LockRecord>;

  // Takes the lock (new token) if free or expired; renews it (same token) if `owner` holds it;
  // else, after waiting up to `wait` for it, kAborted reason LOCK_HELD with the holder and its
  // expireTime in the metadata. `watch_client` (http::Request::watch_client, may be null) is
  // asked before the first sleep: once the client has closed its connection the wait ends
  // with kUnavailable, so a lock is never taken for a caller that is gone (it would stay held,
  // by nobody, until its ttl). The close wakes a sleeping acquire at once.
  boost::asio::awaitable<core::Result<LockRecord>> Acquire(
      int64_t universe, std::string id, std::string owner, std::chrono::nanoseconds ttl,
      std::chrono::nanoseconds wait, Context context = {},
      core::WatchClient watch_client = nullptr);
  // Extends the lease; kAborted LOCK_LOST unless `owner` holds it now with `token`.
  boost::asio::awaitable<core::Result<LockRecord>> Renew(int64_t universe, std::string id,
                                                         std::string owner, uint64_t token,
                                                         std::chrono::nanoseconds ttl,
                                                         Context context = {});
  // Frees the lock; kAborted LOCK_LOST unless `owner` holds it now with `token`.
  boost::asio::awaitable<core::Result<LockRecord>> Release(int64_t universe, std::string id,
                                                           std::string owner, uint64_t token,
                                                           Context context = {});
  // Takes the lock whoever holds it, with the next token.
  boost::asio::awaitable<core::Result<LockRecord>> Steal(int64_t universe, std::string id,
                                                         std::string owner,
                                                         std::chrono::nanoseconds ttl,
                                                         std::string reason, Context context = {});
  // Asks the holder to let go (seen on renew). kNotFound if never acquired.
  boost::asio::awaitable<core::Result<LockRecord>> RequestRelease(int64_t universe, std::string id,
                                                                  std::string requester,
                                                                  std::string reason,
                                                                  Context context = {});

  core::Result<LockRecord> Get(int64_t universe, const std::string& id) const;

  // For a draining server: every Acquire that waits for a lock answers now with what it has
  // (LOCK_HELD), and none waits from here on, so no client is left without an answer when the
  // process exits. Thread-safe; idempotent.
  void StopWaiting();
  // Cluster mode: whether this node still serves a universe (OK) or why not (503
  // PARTITION_MOVING); a waiting Acquire asks it each time it wakes. WakeWaiters wakes every
  // waiting Acquire to ask (a partition is moving). REQUIRES (SetServing): before serving.
  void SetServing(std::function<core::Status(int64_t universe)> serving) {
    serving_ = std::move(serving);
  }
  void WakeWaiters() { waiters_.WakeAll(); }

  struct ListQuery {
    int64_t universe = 0;
    std::string id_prefix;
    size_t page_size = 10;
    std::optional<std::string> resume_after;
  };
  struct ListPage {
    std::vector<std::pair<std::string, LockRecord>> locks;  // id → record
    std::optional<std::string> next_after;
  };
  core::Result<ListPage> List(const ListQuery& query) const;

  // Locks held now across every universe, reading at most `max_scan` lock rows (for metrics).
  core::Result<size_t> CountHeld(size_t max_scan) const;

 private:
  // Computes the next record from the current one (nullopt: never acquired) and now.
  using Transition = std::function<core::Result<LockRecord>(const std::optional<LockRecord>&,
                                                            core::Timestamp now)>;
  // Applies a transition in one mutation; `wakes` wakes waiters of the lock once durable.
  // `operation` is the change log's word for it (api.md §11: "acquire", "renew", ...).
  boost::asio::awaitable<core::Result<LockRecord>> Commit(int64_t universe, const std::string& id,
                                                          Transition transition, bool wakes,
                                                          std::string_view operation,
                                                          Context context);
  core::Status CheckTtl(std::chrono::nanoseconds ttl) const;

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const LockLimits limits_;
  core::KeyedWaiters waiters_;  // sleeping Acquire coroutines, by lock key
  std::atomic<bool> stop_waiting_{false};
  std::function<core::Status(int64_t universe)> serving_;  // null: one node serves everything
};

}  // namespace strongbox::locks
