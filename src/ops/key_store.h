#pragma once

// KeyStore: the API keys (api.md §7), durable in the `auth` column family and mirrored in
// memory so that checking a credential costs one hash and no disk read.
//
// Ownership: app/ (or the `keys` command) owns it, beside the Engine and the CommitPipeline.
// Thread safety: every method may be called from any thread. Writes go through the pipeline;
// the memory mirror changes only in the write's OnCommitted hook, so it never shows a key that
// is not durable. Durability: as the pipeline's.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "ops/api_key.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::ops {

class KeyStore {
 public:
  KeyStore(const store::Engine* engine, store::CommitPipeline* pipeline, const core::Clock* clock);

  // Reads every key into memory. REQUIRES: called once, before any other method.
  core::Status Load();
  // Cluster mode, on a node that does not own the system partition: replaces every key in
  // memory with `rows` (the `auth` rows as stored: key, value), read from PostgreSQL. Checking
  // credentials goes on meanwhile. kInternal on a corrupt row (nothing replaced then).
  core::Status Replace(const std::vector<std::pair<std::string, std::string>>& rows);

  struct NewKey {
    std::string name;
    std::vector<KeyScope> scopes;
    std::optional<core::Timestamp> expire_time;
  };
  struct Created {
    ApiKey key;
    std::string secret;  // shown once; never stored
  };
  boost::asio::awaitable<core::Result<Created>> Create(NewKey request);
  core::Result<Created> CreateAndWait(NewKey request);  // blocking, for the `keys` command

  // Marks the key revoked (kept, so listing shows it). kNotFound for an unknown id.
  boost::asio::awaitable<core::Result<ApiKey>> Revoke(std::string id);
  core::Result<ApiKey> RevokeAndWait(const std::string& id);

  core::Result<ApiKey> Get(const std::string& id) const;
  std::vector<ApiKey> List() const;  // by id

  // The active key `secret` belongs to; kUnauthenticated otherwise (unknown, wrong, revoked,
  // expired: one answer for all, so a caller learns nothing about which). The pointer stays
  // valid until this thread's next Authenticate call: use it at once, never across a co_await.
  // Verified secrets are cached per thread in memory (never written anywhere), so a repeated
  // check costs a lookup; any key change empties the caches.
  core::Result<const ApiKey*> Authenticate(std::string_view secret) const;

  // Heterogeneous lookup, so checking a presented secret allocates no key id string.
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };

  // The bootstrap admin key (api.md §7). With `supplied` (--admin-key-file), makes sure the
  // key "admin" is active with that secret and answers nullopt. Otherwise, when no key exists
  // at all, creates "admin" and answers its new secret, for the caller to write to a file.
  core::Result<std::optional<std::string>> EnsureBootstrapKey(
      const std::optional<std::string>& supplied);

 private:
  core::Status CheckNewKey(const NewKey& request) const;
  // Validates and fills a new key with a fresh id and secret; nothing is written.
  core::Result<Created> Prepare(NewKey request) const;
  store::Mutation PutMutation(ApiKey key, bool must_be_new);
  std::function<core::Result<ApiKey>(store::WriteView&)> RevokeMutation(std::string id);
  void Remember(ApiKey key);

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const ApiKey>, IdHash, std::equal_to<>>
      keys_;                             // guarded by mu_
  std::atomic<uint64_t> generation_{0};  // bumped on every change of keys_
  const uint64_t instance_;              // tells the per-thread caches of two stores apart
};

}  // namespace strongbox::ops
