#include "ops/key_store.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "core/digest.h"
#include "store/key_codec.h"

namespace strongbox::ops {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

std::string StorageKey(std::string_view id) {
  std::string key;
  store::PutKeyString(&key, id);
  return key;
}

const Status kInvalidKey = Status::Unauthenticated("Invalid API Key");

std::atomic<uint64_t> next_instance{1};

}  // namespace

KeyStore::KeyStore(const store::Engine* engine, store::CommitPipeline* pipeline,
                   const core::Clock* clock)
    : engine_(engine), pipeline_(pipeline), clock_(clock), instance_(next_instance.fetch_add(1)) {}

Status KeyStore::Load() {
  auto it = engine_->NewIterator(ColumnFamily::kAuth);
  std::unique_lock lock(mu_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view in = it->key();
    std::string id;
    if (!store::GetKeyString(&in, &id)) return Status::Internal("corrupt API key row");
    SB_ASSIGN_OR_RETURN(ApiKey key, DecodeApiKey(id, it->value()));
    keys_[id] = std::make_shared<const ApiKey>(std::move(key));
  }
  return it->status();
}

Status KeyStore::Replace(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::unordered_map<std::string, std::shared_ptr<const ApiKey>, IdHash, std::equal_to<>> keys;
  for (const auto& [row_key, value] : rows) {
    std::string_view in = row_key;
    std::string id;
    if (!store::GetKeyString(&in, &id)) return Status::Internal("corrupt API key row");
    SB_ASSIGN_OR_RETURN(ApiKey key, DecodeApiKey(id, value));
    keys[id] = std::make_shared<const ApiKey>(std::move(key));
  }
  std::unique_lock lock(mu_);
  keys_ = std::move(keys);
  generation_.fetch_add(1, std::memory_order_release);
  return Status::Ok();
}

void KeyStore::Remember(ApiKey key) {
  std::unique_lock lock(mu_);
  std::string id = key.id;
  keys_[id] = std::make_shared<const ApiKey>(std::move(key));
  generation_.fetch_add(1, std::memory_order_release);
}

Status KeyStore::CheckNewKey(const NewKey& request) const {
  if (request.name.empty() || request.name.size() > 128) {
    return Status::InvalidArgument("A key's name must be 1-128 bytes.");
  }
  if (request.scopes.empty()) return Status::InvalidArgument("A key needs at least one scope.");
  for (const auto& scope : request.scopes) SB_RETURN_IF_ERROR(ValidateScope(scope));
  if (request.expire_time && *request.expire_time <= clock_->Now()) {
    return Status::InvalidArgument("expireTime must be in the future.");
  }
  return Status::Ok();
}

store::Mutation KeyStore::PutMutation(ApiKey key, bool must_be_new) {
  return [this, key = std::move(key), must_be_new](store::WriteView& view) -> Status {
    const std::string storage_key = StorageKey(key.id);
    if (must_be_new) {
      SB_ASSIGN_OR_RETURN(auto existing, view.Get(ColumnFamily::kAuth, storage_key));
      if (existing) return Status::AlreadyExists("API key " + key.id + " already exists.");
    }
    view.Put(ColumnFamily::kAuth, storage_key, EncodeApiKey(key));
    view.OnCommitted([this, key] { Remember(key); });
    return Status::Ok();
  };
}

Result<KeyStore::Created> KeyStore::Prepare(NewKey request) const {
  SB_RETURN_IF_ERROR(CheckNewKey(request));
  Created created;
  created.key.id = core::HexEncode(core::SecureRandomBytes(8));
  created.key.name = std::move(request.name);
  created.key.scopes = std::move(request.scopes);
  created.key.create_time = clock_->Now();
  created.key.expire_time = request.expire_time;
  created.secret = NewSecret(created.key.id);
  SetSecret(&created.key, created.secret);
  return created;
}

boost::asio::awaitable<Result<KeyStore::Created>> KeyStore::Create(NewKey request) {
  SB_CO_ASSIGN_OR_RETURN(Created created, Prepare(std::move(request)));
  Status committed = co_await pipeline_->Commit(PutMutation(created.key, true));
  SB_CO_RETURN_IF_ERROR(committed);
  co_return created;
}

Result<KeyStore::Created> KeyStore::CreateAndWait(NewKey request) {
  SB_ASSIGN_OR_RETURN(Created created, Prepare(std::move(request)));
  SB_RETURN_IF_ERROR(pipeline_->CommitAndWait(PutMutation(created.key, true)));
  return created;
}

std::function<Result<ApiKey>(store::WriteView&)> KeyStore::RevokeMutation(std::string id) {
  return [this, id = std::move(id)](store::WriteView& view) -> Result<ApiKey> {
    const std::string storage_key = StorageKey(id);
    SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kAuth, storage_key));
    if (!row) return Status::NotFound("API key " + id + " not found.");
    SB_ASSIGN_OR_RETURN(ApiKey key, DecodeApiKey(id, *row));
    if (!key.revoke_time) {
      key.revoke_time = clock_->Now();
      view.Put(ColumnFamily::kAuth, storage_key, EncodeApiKey(key));
      view.OnCommitted([this, key] { Remember(key); });
    }
    return key;
  };
}

boost::asio::awaitable<Result<ApiKey>> KeyStore::Revoke(std::string id) {
  auto revoke = RevokeMutation(std::move(id));
  co_return co_await pipeline_->Commit<ApiKey>(std::move(revoke));
}

Result<ApiKey> KeyStore::RevokeAndWait(const std::string& id) {
  auto revoke = RevokeMutation(id);
  std::optional<ApiKey> out;
  SB_RETURN_IF_ERROR(pipeline_->CommitAndWait([&](store::WriteView& view) -> Status {
    SB_ASSIGN_OR_RETURN(ApiKey key, revoke(view));
    out = std::move(key);
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<ApiKey> KeyStore::Get(const std::string& id) const {
  std::shared_lock lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return Status::NotFound("API key " + id + " not found.");
  return *it->second;
}

std::vector<ApiKey> KeyStore::List() const {
  std::vector<ApiKey> out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, key] : keys_) out.push_back(*key);
  }
  std::sort(out.begin(), out.end(), [](const ApiKey& a, const ApiKey& b) { return a.id < b.id; });
  return out;
}

namespace {

// Secrets this IO thread has verified, per key store. Checking one again is a hash-map lookup
// on thread-local memory: no lock, no shared reference count, no SHA-256, so IO threads never
// contend on the hot path. A change to any key (create, revoke, rotate) bumps the store's
// generation and empties every thread's cache at its next check; expiry is checked on each use.
// Only secrets that matched are cached, so a wrong guess always pays the salted hash.
struct VerifiedSecrets {
  uint64_t store = 0;  // KeyStore::instance_
  uint64_t generation = 0;
  std::unordered_map<std::string, std::shared_ptr<const ApiKey>, KeyStore::IdHash, std::equal_to<>>
      keys;
};
thread_local VerifiedSecrets verified_secrets;
constexpr size_t kMaxVerifiedSecrets = 4096;

}  // namespace

Result<const ApiKey*> KeyStore::Authenticate(std::string_view secret) const {
  if (secret.empty() || secret.size() > 1024) return kInvalidKey;
  VerifiedSecrets& cache = verified_secrets;
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (cache.store != instance_ || cache.generation != generation) {
    cache.keys.clear();
    cache.store = instance_;
    cache.generation = generation;
  }
  if (auto hit = cache.keys.find(secret); hit != cache.keys.end()) {
    if (!hit->second->ActiveAt(clock_->Now())) return kInvalidKey;
    return hit->second.get();
  }
  std::shared_ptr<const ApiKey> key;
  {
    std::shared_lock lock(mu_);
    const std::string_view id = KeyIdOfSecret(secret);
    if (auto it = keys_.find(id); it != keys_.end() && SecretMatches(*it->second, secret)) {
      key = it->second;
    } else if (id != kBootstrapKeyId) {
      // An operator's admin key file may hold any string of 16 or more characters, one shaped
      // like a generated key ("sb_prod_…") too: its id part names no key, the admin's does.
      if (auto admin = keys_.find(kBootstrapKeyId);
          admin != keys_.end() && SecretMatches(*admin->second, secret)) {
        key = admin->second;
      }
    }
  }
  if (key == nullptr || !key->ActiveAt(clock_->Now())) return kInvalidKey;
  if (cache.keys.size() >= kMaxVerifiedSecrets) cache.keys.clear();
  const ApiKey* found = key.get();
  cache.keys.emplace(std::string(secret), std::move(key));
  return found;
}

Result<std::optional<std::string>> KeyStore::EnsureBootstrapKey(
    const std::optional<std::string>& supplied) {
  if (supplied) {
    if (supplied->size() < 16) {
      return Status::InvalidArgument("the admin key file must hold at least 16 characters");
    }
    auto existing = Get(std::string(kBootstrapKeyId));
    if (existing.ok() && existing->ActiveAt(clock_->Now()) && SecretMatches(*existing, *supplied)) {
      return std::optional<std::string>();
    }
  } else {
    std::shared_lock lock(mu_);
    if (!keys_.empty()) return std::optional<std::string>();
  }
  ApiKey key;
  key.id = std::string(kBootstrapKeyId);
  key.name = "admin";
  key.scopes.push_back(KeyScope{0, std::string(kAdminScope), {}});
  key.create_time = clock_->Now();
  const std::string secret = supplied ? *supplied : NewSecret(key.id);
  SetSecret(&key, secret);
  SB_RETURN_IF_ERROR(pipeline_->CommitAndWait(PutMutation(std::move(key), false)));
  if (supplied) return std::optional<std::string>();
  return std::optional<std::string>(secret);
}

}  // namespace strongbox::ops
