#pragma once

// Idempotency-Key (api.md §1), one mechanism for every mutating route.
//
// Wrap(handler) runs before a mutating handler: a request without the header passes through;
// with it, the request waits while a duplicate is in flight in this process, then replays a
// stored response (same method + target + body → the stored status, headers and body, plus
// `Idempotent-Replayed: true`, and nothing changes) or answers 409 KEY_REUSED (same key, other
// request). Otherwise the handler runs, and passes Hook(request, render) to its domain write: the
// hook stages the rendered response in the same WriteBatch as the mutation, so a response is
// stored exactly when its mutation commits and a retry after a crash can never apply it twice.
// Only successful mutations are stored; a failed one changed nothing and may be retried.
//
// Records live in the `idempotency` column family under (universe, api key id, Idempotency-Key)
// for `ttl`; an expired record is ignored, and reclaimed by PurgeExpired.
// Thread safety: all methods may be called concurrently.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/clock.h"
#include "core/status.h"
#include "http/message.h"
#include "http/router.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::api {

class Idempotency {
 public:
  Idempotency(const store::Engine* engine, store::CommitPipeline* pipeline,
              const core::Clock* clock, std::chrono::nanoseconds ttl);

  http::Handler Wrap(http::Handler inner);

  // One bounded background pass: deletes expired records among the next `budget` records,
  // resuming where the previous pass stopped. Returns how many were deleted. Called from one
  // coroutine at a time.
  boost::asio::awaitable<core::Result<size_t>> PurgeExpired(size_t budget);

  // For a domain write: stages `render(result)` as this request's stored response. Empty (no
  // hook) when the request carries no Idempotency-Key.
  template <class T>
  std::function<core::Status(store::WriteView&, const T&)> Hook(
      const http::Request& request, std::function<http::Response(const T&)> render) const {
    auto key = KeyFor(request);
    if (!key.ok() || !key->has_value()) return {};
    return [this, key = std::move(**key), render = std::move(render)](store::WriteView& view,
                                                                      const T& result) {
      Stage(view, key, render(result));
      return core::Status::Ok();
    };
  }

 private:
  struct Key {
    std::string storage_key;   // (universe, api key id, Idempotency-Key), key-codec encoded
    uint64_t fingerprint = 0;  // of method, target and body
  };

  // nullopt without the header; kInvalidArgument for a malformed one.
  static core::Result<std::optional<Key>> KeyFor(const http::Request& request);
  void Stage(store::WriteView& view, const Key& key, const http::Response& response) const;
  // The stored response, if any and not expired: replayed, or KEY_REUSED.
  core::Result<std::optional<http::Response>> Replay(const Key& key) const;
  boost::asio::awaitable<core::Status> Claim(const std::string& storage_key);
  void Release(const std::string& storage_key);

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const std::chrono::nanoseconds ttl_;
  std::mutex mu_;
  std::unordered_set<std::string> in_flight_;  // guarded by mu_
  std::string purge_cursor_;                   // only touched by PurgeExpired
};

}  // namespace strongbox::api
