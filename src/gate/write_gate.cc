#include "gate/write_gate.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace strongbox::gate {

namespace asio = boost::asio;
using core::Result;
using core::Status;

http::Handler WriteGate::Wrap(const RouteSpec& spec) {
  return [this, &spec](http::Request& request) { return Run(spec, request); };
}

asio::awaitable<Result<http::Response>> WriteGate::Run(const RouteSpec& spec,
                                                       http::Request& request) {
  SB_CO_ASSIGN_OR_RETURN(std::optional<LockGuard> guard, ParseLockGuard(request));
  if (guard && spec.guard == Guard::kRefused) {
    co_return Status::InvalidArgument(
        spec.method + " " + spec.pattern +
        " does not take Strongbox-Lock-Id / Strongbox-Fencing-Token: it is several commits, so a "
        "guard could not make it all-or-nothing.");
  }
  SB_CO_ASSIGN_OR_RETURN(std::optional<IdempotencyKey> key, ParseIdempotencyKey(request));
  SB_CO_ASSIGN_OR_RETURN(auto writer, ParseWriter(request));
  RequestWrite write(std::move(guard), std::move(key), store_, clock_, std::move(writer));
  if (!write.key()) co_return co_await RunHandler(spec, request, write);

  const std::string& storage_key = write.key()->storage_key;
  SB_CO_RETURN_IF_ERROR(co_await Claim(storage_key));
  // Released however this coroutine ends, waking a duplicate that waits for this answer.
  struct Releaser {
    WriteGate* self;
    const std::string* storage_key;
    ~Releaser() { self->Release(*storage_key); }
  } releaser{this, &storage_key};
  SB_CO_ASSIGN_OR_RETURN(auto stored, store_->Lookup(storage_key, write.key()->fingerprint,
                                                     write.key()->earlier_fingerprint));
  if (stored) co_return Replay(std::move(*stored));
  Result<http::Response> result = co_await RunHandler(spec, request, write);
  if (!result.ok() && result.status().reason() == kIdempotentReplay) {
    // The answer of an earlier request with this key became visible after the lookup (its
    // commit's outcome was settled meanwhile): the commit refused to run it twice.
    SB_CO_ASSIGN_OR_RETURN(auto late, store_->Lookup(storage_key, write.key()->fingerprint,
                                                     write.key()->earlier_fingerprint));
    if (late) co_return Replay(std::move(*late));
  }
  co_return result;
}

http::Response WriteGate::Replay(idempotency::StoredResponse stored) {
  http::Response replay;
  replay.status = stored.status;
  replay.content_type = std::move(stored.content_type);
  replay.headers = std::move(stored.headers);
  replay.body = std::move(stored.body);
  replay.SetHeader("idempotent-replayed", "true");
  return replay;
}

asio::awaitable<Result<http::Response>> WriteGate::RunHandler(const RouteSpec& spec,
                                                              http::Request& request,
                                                              RequestWrite& write) {
  if (spec.commits == Commits::kMany && write.guard()) {
    store::Mutation check = [guard = write.GuardCheck()](store::WriteView& view) {
      return guard(view);
    };
    // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
    SB_CO_RETURN_IF_ERROR(co_await pipeline_->Commit(std::move(check)));
  }
  Result<http::Response> result = co_await spec.write(request, write);
  if (!result.ok()) co_return result;
  if (spec.commits == Commits::kOne) {
    if ((write.guard() || write.key()) && !write.applied()) {
      co_return Status::Internal("route " + spec.method + " " + spec.pattern +
                                 " committed without its write context (guard, Idempotency-Key)");
    }
    co_return result;
  }
  if (write.key() && result->status < 300) {
    http::Response stored = *result;
    if (spec.redact_stored) spec.redact_stored(stored);
    store::Mutation stage = [&write, &stored](store::WriteView& view) {
      write.StageResponse(view, stored);
      return Status::Ok();
    };
    // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
    Status staged = co_await pipeline_->Commit(std::move(stage));
    if (!staged.ok()) {
      // The call itself succeeded and is not undone: answer it. Only a retry with this key
      // would run it again (the documented window of Commits::kMany).
      spdlog::warn("{} {}: the Idempotency-Key answer was not stored: {}", spec.method,
                   spec.pattern, staged.ToString());
    }
  }
  co_return result;
}

asio::awaitable<Status> WriteGate::Claim(const std::string& storage_key) {
  const auto deadline = std::chrono::steady_clock::now() + kMaxDuplicateWait;
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  // Removes the wake-up however the wait ends, even when the frame is destroyed mid-wait at
  // shutdown: a release must never post to a context that is gone.
  struct Registration {
    core::KeyedWaiters* waiters;
    const std::string* key;
    uint64_t id;
    ~Registration() { waiters->Remove(*key, id); }
  };
  for (;;) {
    // Registered before the claim is tried, so a release between the try and the wait still
    // wakes this coroutine: the cancel is posted to its own executor and runs once it waits.
    auto executor = timer->get_executor();
    Registration registration{&released_, &storage_key,
                              released_.Add(storage_key, [executor, timer] {
                                asio::post(executor, [timer] { timer->cancel(); });
                              })};
    bool claimed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      claimed = in_flight_.insert(storage_key).second;
    }
    if (claimed) co_return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return Status::Unavailable(
          "The original request with this Idempotency-Key is still running; retry later.");
    }
    // A duplicate of a request still committing: its answer is moments away.
    timer->expires_at(deadline);
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void WriteGate::Release(const std::string& storage_key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_.erase(storage_key);
  }
  released_.Wake(storage_key);
}

}  // namespace strongbox::gate
