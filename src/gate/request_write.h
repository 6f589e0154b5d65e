#pragma once

// RequestWrite: the write context of one mutating request (api.md §1 "Idempotency", "Lock
// guard"), parsed once by the gate (write_gate.h) before the route's handler runs: the lock
// guard (`Strongbox-Lock-Id` + `Strongbox-Fencing-Token`) and the Idempotency-Key with the
// request's fingerprint (method, target and body, hashed once).
//
// A Commits::kOne handler applies it to its one domain commit:
//
//   auto respond = write.Respond<EntryRecord>([&](const EntryRecord& r) { return …; });
//   SB_CO_ASSIGN_OR_RETURN(auto record, co_await entries->Update(…, respond.context()));
//   co_return respond(record);
//
// Inside the commit the guard is checked before the domain code stages anything (409 LOCK_LOST
// and nothing written), and, when the request carries an Idempotency-Key, the response is
// rendered there once, staged last in the same batch, and handed back by respond(record).
// Without a key the response is rendered by respond(record), after the commit.
//
// Ownership: the gate creates one per request; handlers borrow it for the request's duration.
// Thread safety: one request's; the contexts it makes run on the sequencer thread while the
// handler waits for its commit.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "http/message.h"
#include "idempotency/idempotency_store.h"
#include "store/commit_pipeline.h"
#include "store/write_context.h"

namespace strongbox::gate {

// The reason of the status a commit check returns when the request's Idempotency-Key was
// answered between the gate's lookup and the commit: the gate then replays that answer.
inline constexpr std::string_view kIdempotentReplay = "IDEMPOTENT_REPLAY";

struct LockGuard {
  int64_t universe = 0;
  std::string lock_id;
  uint64_t token = 0;
};

// nullopt without the headers; kInvalidArgument when one is missing or malformed.
core::Result<std::optional<LockGuard>> ParseLockGuard(const http::Request& request);

// The Idempotency-Key of a request: its storage key (universe, API key id, key) and fingerprint.
struct IdempotencyKey {
  std::string storage_key;
  uint64_t fingerprint = 0;
  // The fingerprint servers before stop 37 gave the same request (method, target, body only),
  // when it differs: a record they stored still answers its retry (IdempotencyStore::Lookup).
  std::optional<uint64_t> earlier_fingerprint;
};

// nullopt without the header; kInvalidArgument for a malformed one (1–128 printable ASCII).
core::Result<std::optional<IdempotencyKey>> ParseIdempotencyKey(const http::Request& request);

// Who the change log names as the writer of this request's changes (api.md §11): the caller's
// API key id ("anonymous" with auth disabled) and the `Strongbox-Writer` header, a label such as
// a build or server id; kInvalidArgument when the header is not 1–128 printable ASCII
// characters (spaces allowed).
core::Result<std::shared_ptr<const store::ChangeWriter>> ParseWriter(const http::Request& request);

class RequestWrite {
 public:
  template <class T>
  class Responder;

  RequestWrite(std::optional<LockGuard> guard, std::optional<IdempotencyKey> key,
               const idempotency::IdempotencyStore* store, const core::Clock* clock,
               std::shared_ptr<const store::ChangeWriter> writer = nullptr)
      : guard_(std::move(guard)),
        key_(std::move(key)),
        store_(store),
        clock_(clock),
        writer_(std::move(writer)) {}

  template <class T>
  Responder<T> Respond(std::function<http::Response(const T&)> render) {
    return Responder<T>(this, std::move(render));
  }

  const std::optional<LockGuard>& guard() const { return guard_; }
  const std::optional<IdempotencyKey>& key() const { return key_; }
  // The change log's writer for the commits of this request (null: not known).
  const std::shared_ptr<const store::ChangeWriter>& writer() const { return writer_; }
  // Whether a handler took a commit context (Responder::context()).
  bool applied() const { return applied_; }

  // The lock guard check for a mutation; empty without a guard.
  std::function<core::Status(const store::WriteView&)> GuardCheck() const;
  // What the domain commit checks before its mutation: the guard, and with an
  // Idempotency-Key that no answer for it was stored since the gate's lookup (then kAborted
  // reason IDEMPOTENT_REPLAY, and the gate answers with the stored response). Empty without
  // either.
  std::function<core::Status(const store::WriteView&)> CommitCheck() const;
  // Stages `response` as this request's stored answer. REQUIRES: key().
  void StageResponse(store::WriteView& view, const http::Response& response) const;

 private:
  std::optional<LockGuard> guard_;
  std::optional<IdempotencyKey> key_;
  const idempotency::IdempotencyStore* store_;
  const core::Clock* clock_;
  std::shared_ptr<const store::ChangeWriter> writer_;
  bool applied_ = false;
};

template <class T>
class RequestWrite::Responder {
 public:
  // The context for the domain commit. Call once.
  store::WriteContext<T> context() {
    write_->applied_ = true;
    store::WriteContext<T> context;
    context.check = write_->CommitCheck();
    context.writer = write_->writer_;
    if (write_->key_) {
      rendered_ = std::make_shared<std::optional<http::Response>>();
      context.record = [write = write_, render = render_, rendered = rendered_](
                           store::WriteView& view, const T& result) {
        http::Response response = render(result);
        write->StageResponse(view, response);
        *rendered = std::move(response);
      };
    }
    return context;
  }

  // The answer to a committed write: the response rendered in the commit, else render(result).
  http::Response operator()(const T& result) {
    if (rendered_ && *rendered_) return std::move(**rendered_);
    return render_(result);
  }

 private:
  friend class RequestWrite;
  Responder(RequestWrite* write, std::function<http::Response(const T&)> render)
      : write_(write), render_(std::move(render)) {}

  RequestWrite* write_;
  std::function<http::Response(const T&)> render_;
  // Shared with the context's record, which may outlive a failed commit's Responder; made
  // only for a request with an Idempotency-Key (the only one rendered inside the commit).
  std::shared_ptr<std::optional<http::Response>> rendered_;
};

}  // namespace strongbox::gate
