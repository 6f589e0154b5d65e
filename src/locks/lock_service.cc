#include "locks/lock_service.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "core/time_format.h"
#include "store/key_codec.h"
#include "store/page_token.h"

namespace strongbox::locks {

namespace asio = boost::asio;
using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

Status LockLost() {
  return Status::Aborted(
             "The lock is not held with that fencing token (released, expired or "
             "taken by another owner).")
      .WithReason("LOCK_LOST");
}

Status LockHeld(const LockRecord& r) {
  return Status::Aborted("The lock is held by another owner.")
      .WithReason("LOCK_HELD")
      .WithMetadata("owner", r.owner)
      .WithMetadata("expireTime", core::FormatRfc3339(r.expire_time))
      .WithMetadata("fencingToken", std::to_string(r.fencing_token));
}

Status CheckOwner(const std::string& owner) {
  if (owner.empty() || owner.size() > 128) {
    return Status::InvalidArgument("Field 'owner' must be 1 to 128 bytes long.");
  }
  return Status::Ok();
}

// A new lease for `owner` with the next token.
LockRecord NextHolder(const std::optional<LockRecord>& current, const std::string& owner,
                      core::Timestamp now, std::chrono::nanoseconds ttl) {
  LockRecord next;
  next.owner = owner;
  next.fencing_token = (current ? current->fencing_token : 0) + 1;
  next.held = true;
  next.acquire_time = now;
  next.expire_time = now + ttl;
  return next;
}

}  // namespace

Status CheckGuard(const store::WriteView& view, int64_t universe, std::string_view lock_id,
                  uint64_t token, core::Timestamp now) {
  SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kLocks, LockKey(universe, lock_id)));
  std::optional<LockRecord> lock;
  if (bytes) {
    SB_ASSIGN_OR_RETURN(lock, DecodeLockRecord(*bytes));
  }
  if (!lock || !lock->HeldAt(now) || lock->fencing_token != token) {
    // Named, so a write guarded by several locks (a :commit) says which one was lost.
    return LockLost().WithMetadata("lockId", std::string(lock_id));
  }
  return Status::Ok();
}

LockService::LockService(const store::Engine* engine, store::CommitPipeline* pipeline,
                         const core::Clock* clock, LockLimits limits)
    : engine_(engine), pipeline_(pipeline), clock_(clock), limits_(limits) {}

Status LockService::CheckTtl(std::chrono::nanoseconds ttl) const {
  if (ttl <= std::chrono::nanoseconds::zero() || ttl > limits_.max_ttl) {
    return Status::InvalidArgument(
               "ttl must be positive and at most " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::seconds>(limits_.max_ttl).count()) +
               "s (config lock_max_ttl_seconds).")
        .WithReason("LIMIT_EXCEEDED")
        .WithMetadata("limit", "lock_max_ttl_seconds");
  }
  return Status::Ok();
}

asio::awaitable<Result<LockRecord>> LockService::Commit(int64_t universe, const std::string& id,
                                                        Transition transition, bool wakes,
                                                        std::string_view operation,
                                                        Context context) {
  const core::Clock* clock = clock_;
  const std::string key = LockKey(universe, id);
  std::function<Result<LockRecord>(store::WriteView&)> mutation =
      [key, transition = std::move(transition), clock, wakes, universe, id, operation,
       this](store::WriteView& view) -> Result<LockRecord> {
    SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kLocks, key));
    std::optional<LockRecord> current;
    if (bytes) {
      SB_ASSIGN_OR_RETURN(current, DecodeLockRecord(*bytes));
    }
    SB_ASSIGN_OR_RETURN(LockRecord next, transition(current, clock->Now()));
    view.Put(ColumnFamily::kLocks, key, EncodeLockRecord(next));
    if (wakes) view.OnCommitted([this, key] { waiters_.Wake(key); });
    view.RecordChange(
        {universe, "sessionLock", "", "", id, operation, std::to_string(next.fencing_token)});
    return next;
  };
  // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
  co_return co_await pipeline_->Commit<LockRecord>(std::move(mutation), std::move(context));
}

asio::awaitable<Result<LockRecord>> LockService::Acquire(
    int64_t universe, std::string id, std::string owner, std::chrono::nanoseconds ttl,
    std::chrono::nanoseconds wait, Context context, core::WatchClient watch_client) {
  SB_CO_RETURN_IF_ERROR(ValidateLockId(id));
  SB_CO_RETURN_IF_ERROR(CheckOwner(owner));
  SB_CO_RETURN_IF_ERROR(CheckTtl(ttl));
  if (wait < std::chrono::nanoseconds::zero() || wait > limits_.max_wait) {
    co_return Status::InvalidArgument(
        "waitTime must be between 0s and the configured maximum "
        "(lock_max_wait_ms).")
        .WithReason("LIMIT_EXCEEDED")
        .WithMetadata("limit", "lock_max_wait_ms");
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  const std::string key = LockKey(universe, id);
  core::ClientGoneFlag client_gone;  // asked for before the first sleep
  for (;;) {
    if (client_gone != nullptr && client_gone->load()) co_return core::ClientGone();
    Transition take = [owner, ttl](const std::optional<LockRecord>& current,
                                   core::Timestamp now) -> Result<LockRecord> {
      if (current && current->HeldAt(now)) {
        if (current->owner != owner) return LockHeld(*current);
        LockRecord renewed = *current;  // the same owner again: renew, same token
        renewed.expire_time = now + ttl;
        return renewed;
      }
      return NextHolder(current, owner, now, ttl);
    };
    Context attempt = context;  // each attempt is a commit of its own
    auto result = co_await Commit(universe, id, std::move(take), /*wakes=*/false, "acquire",
                                  std::move(attempt));
    const auto remaining = deadline - std::chrono::steady_clock::now();
    if (result.ok() || result.status().reason() != "LOCK_HELD" ||
        remaining <= std::chrono::nanoseconds::zero() || stop_waiting_.load()) {
      co_return result;
    }
    if (serving_) {
      // The lock's partition moved to another node while this acquire waited here.
      if (Status serving = serving_(universe); !serving.ok()) co_return serving;
    }
    // Sleep until the holder's lease ends or the wait is over, or until a release or steal of
    // this lock commits and wakes us.
    auto holder = Get(universe, id);
    auto until_expiry = holder.ok() ? holder->expire_time - clock_->Now() : remaining;
    timer->expires_after(std::min<std::chrono::nanoseconds>(
        remaining, std::max<std::chrono::nanoseconds>(until_expiry, std::chrono::milliseconds(1))));
    auto executor = timer->get_executor();
    if (client_gone == nullptr && watch_client) {
      // The close itself ends the sleep (the acquire then answers ClientGone).
      client_gone =
          watch_client([executor, timer] { asio::post(executor, [timer] { timer->cancel(); }); });
    }
    // Every round: a close seen while this round's commit ran spent the callback on a timer
    // that was not waiting yet. No suspension between here and the wait below.
    if (client_gone != nullptr && client_gone->load()) co_return core::ClientGone();
    const uint64_t waiter = waiters_.Add(
        key, [executor, timer] { asio::post(executor, [timer] { timer->cancel(); }); });
    // StopWaiting sets the flag before it wakes every waiter: registered after that wake, this
    // one sees the flag instead.
    if (!stop_waiting_.load()) co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    waiters_.Remove(key, waiter);
  }
}

void LockService::StopWaiting() {
  stop_waiting_.store(true);
  waiters_.WakeAll();
}

asio::awaitable<Result<LockRecord>> LockService::Renew(int64_t universe, std::string id,
                                                       std::string owner, uint64_t token,
                                                       std::chrono::nanoseconds ttl,
                                                       Context context) {
  SB_CO_RETURN_IF_ERROR(ValidateLockId(id));
  SB_CO_RETURN_IF_ERROR(CheckTtl(ttl));
  Transition renew = [owner, token, ttl](const std::optional<LockRecord>& current,
                                         core::Timestamp now) -> Result<LockRecord> {
    if (!current || !current->HeldAt(now) || current->owner != owner ||
        current->fencing_token != token) {
      return LockLost();
    }
    LockRecord renewed = *current;
    renewed.expire_time = now + ttl;
    return renewed;
  };
  auto result =
      co_await Commit(universe, id, std::move(renew), /*wakes=*/false, "renew", std::move(context));
  co_return result;
}

asio::awaitable<Result<LockRecord>> LockService::Release(int64_t universe, std::string id,
                                                         std::string owner, uint64_t token,
                                                         Context context) {
  SB_CO_RETURN_IF_ERROR(ValidateLockId(id));
  Transition release = [owner, token](const std::optional<LockRecord>& current,
                                      core::Timestamp now) -> Result<LockRecord> {
    if (!current || !current->HeldAt(now) || current->owner != owner ||
        current->fencing_token != token) {
      return LockLost();
    }
    LockRecord freed = *current;
    freed.held = false;
    freed.expire_time = now;
    freed.release_request.reset();
    return freed;
  };
  auto result = co_await Commit(universe, id, std::move(release), /*wakes=*/true, "release",
                                std::move(context));
  co_return result;
}

asio::awaitable<Result<LockRecord>> LockService::Steal(int64_t universe, std::string id,
                                                       std::string owner,
                                                       std::chrono::nanoseconds ttl,
                                                       std::string reason, Context context) {
  SB_CO_RETURN_IF_ERROR(ValidateLockId(id));
  SB_CO_RETURN_IF_ERROR(CheckOwner(owner));
  SB_CO_RETURN_IF_ERROR(CheckTtl(ttl));
  // The reason is accepted as api.md §6 takes it, but not stored: a lock record keeps only the
  // current lease and a pending release request.
  (void)reason;
  Transition steal = [owner, ttl](const std::optional<LockRecord>& current,
                                  core::Timestamp now) -> Result<LockRecord> {
    return NextHolder(current, owner, now, ttl);
  };
  auto result =
      co_await Commit(universe, id, std::move(steal), /*wakes=*/true, "steal", std::move(context));
  co_return result;
}

asio::awaitable<Result<LockRecord>> LockService::RequestRelease(int64_t universe, std::string id,
                                                                std::string requester,
                                                                std::string reason,
                                                                Context context) {
  SB_CO_RETURN_IF_ERROR(ValidateLockId(id));
  if (requester.empty() || requester.size() > 128 || reason.size() > 1024) {
    co_return Status::InvalidArgument(
        "Field 'requester' must be 1 to 128 bytes and 'reason' at most 1024.");
  }
  Transition request = [requester, reason](const std::optional<LockRecord>& current,
                                           core::Timestamp now) -> Result<LockRecord> {
    if (!current) return Status::NotFound("Lock not found.");
    LockRecord asked = *current;
    asked.release_request = ReleaseRequest{requester, reason, now};
    return asked;
  };
  auto result = co_await Commit(universe, id, std::move(request), /*wakes=*/false, "requestRelease",
                                std::move(context));
  co_return result;
}

Result<LockRecord> LockService::Get(int64_t universe, const std::string& id) const {
  SB_RETURN_IF_ERROR(ValidateLockId(id));
  SB_ASSIGN_OR_RETURN(auto bytes, engine_->Get(ColumnFamily::kLocks, LockKey(universe, id)));
  if (!bytes) return Status::NotFound("Lock not found.");
  return DecodeLockRecord(*bytes);
}

Result<LockService::ListPage> LockService::List(const ListQuery& query) const {
  std::string lower;
  store::PutKeyInt64(&lower, query.universe);
  store::PutKeyStringPrefix(&lower, query.id_prefix);
  auto it = engine_->NewIterator(ColumnFamily::kLocks, lower, store::PrefixSuccessor(lower));
  SB_RETURN_IF_ERROR(store::SeekPageStart(*it, query.resume_after, lower));
  ListPage page;
  for (; it->Valid(); it->Next()) {
    if (page.locks.size() == query.page_size) {
      page.next_after = LockKey(query.universe, page.locks.back().first);
      break;
    }
    std::string_view key = it->key();
    int64_t universe;
    std::string id;
    if (!store::GetKeyInt64(&key, &universe) || !store::GetKeyString(&key, &id)) {
      return Status::Internal("corrupt lock key");
    }
    SB_ASSIGN_OR_RETURN(LockRecord record, DecodeLockRecord(it->value()));
    page.locks.emplace_back(std::move(id), std::move(record));
  }
  SB_RETURN_IF_ERROR(it->status());
  return page;
}

Result<size_t> LockService::CountHeld(size_t max_scan) const {
  auto it = engine_->NewIterator(ColumnFamily::kLocks);
  const core::Timestamp now = clock_->Now();
  size_t held = 0;
  size_t scanned = 0;
  for (it->SeekToFirst(); it->Valid() && scanned < max_scan; it->Next(), ++scanned) {
    SB_ASSIGN_OR_RETURN(LockRecord record, DecodeLockRecord(it->value()));
    if (record.HeldAt(now)) ++held;
  }
  SB_RETURN_IF_ERROR(it->status());
  return held;
}

}  // namespace strongbox::locks
