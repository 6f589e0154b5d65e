#include "ops/api_key.h"

#include <algorithm>

#include "core/digest.h"
#include "store/value_codec.h"

namespace strongbox::ops {

const std::vector<std::string_view>& KnownScopeNames() {
  using namespace scopes;  // NOLINT: the list is the namespace
  static const std::vector<std::string_view> kNames = {
      kObjectsRead,  kObjectsCreate, kObjectsUpdate, kObjectsDelete, kObjectsList,
      kVersionsRead, kVersionsList,  kControlList,   kControlCreate, kControlDelete,
      kOrderedRead,  kOrderedWrite,  kMapRead,       kMapWrite,      kQueueAdd,
      kQueueDequeue, kQueueDiscard,  kFlush,         kLocksRead,     kLocksWrite,
      kAdmin,        kHashMapRead,   kHashMapWrite,  kChangesRead,   kChangesSubscribe,
  };
  return kNames;
}

core::Status ValidateScope(const KeyScope& scope) {
  const auto& names = KnownScopeNames();
  if (std::find(names.begin(), names.end(), scope.name) == names.end()) {
    return core::Status::InvalidArgument("Unknown scope \"" + scope.name +
                                         "\"; see api.md §7 for the scope names.");
  }
  if (scope.universe < 0) return core::Status::InvalidArgument("A scope's universe is invalid.");
  for (const auto& store : scope.data_stores) {
    if (store.empty() || store.size() > 50) {
      return core::Status::InvalidArgument("A scope's data store names must be 1-50 bytes.");
    }
  }
  // Narrowed, a scope grants only routes naming one of its data stores: on a scope whose routes
  // name none (memory store, session locks, the change feed) it would grant nothing at all.
  // (control:list lists data stores: its routes name none.)
  const bool names_data_stores =
      scope.name == kAdminScope ||
      (scope.name.starts_with("universe-datastores.") && scope.name != scopes::kControlList) ||
      scope.name.starts_with("universe.ordered-data-store.");
  if (!scope.data_stores.empty() && !names_data_stores) {
    return core::Status::InvalidArgument(
        "Scope \"" + scope.name +
        "\" cannot be narrowed with dataStores: its routes name no data store, so it would "
        "grant nothing.");
  }
  return core::Status::Ok();
}

namespace {

bool ScopeGrants(const KeyScope& scope, std::string_view name, const AccessNeed& need) {
  if (scope.universe != 0 && scope.universe != need.universe) return false;
  if (scope.name == kAdminScope) {
    // admin on one universe is every scope of that universe, never the server's own routes.
    if (scope.universe != 0 && name == kAdminScope) return false;
  } else if (scope.name != name) {
    return false;
  }
  if (scope.data_stores.empty()) return true;
  if (!need.data_store) return false;
  return std::find(scope.data_stores.begin(), scope.data_stores.end(), *need.data_store) !=
         scope.data_stores.end();
}

}  // namespace

bool Grants(const ApiKey& key, const AccessNeed& need) {
  for (std::string_view name : need.names) {
    const bool granted = std::any_of(key.scopes.begin(), key.scopes.end(),
                                     [&](const KeyScope& s) { return ScopeGrants(s, name, need); });
    if (!granted) return false;
  }
  return true;
}

bool GrantsAnyOn(const ApiKey& key, int64_t universe) {
  return std::any_of(key.scopes.begin(), key.scopes.end(), [universe](const KeyScope& s) {
    return s.universe == 0 || s.universe == universe;
  });
}

std::string NewSecret(std::string_view id) {
  return "sb_" + std::string(id) + "_" + core::HexEncode(core::SecureRandomBytes(32));
}

std::string_view KeyIdOfSecret(std::string_view secret) {
  if (secret.substr(0, 3) == "sb_") {
    const size_t end = secret.find('_', 3);
    if (end != std::string_view::npos && end > 3) return secret.substr(3, end - 3);
  }
  return kBootstrapKeyId;
}

namespace {
std::string SaltedHash(std::string_view salt, std::string_view secret) {
  std::string input(salt);
  input.append(secret);
  return core::Sha256(input);
}
}  // namespace

void SetSecret(ApiKey* key, std::string_view secret) {
  key->salt = core::SecureRandomBytes(16);
  key->hash = SaltedHash(key->salt, secret);
}

bool SecretMatches(const ApiKey& key, std::string_view secret) {
  // On the stack: this runs on every request.
  char input[16 + 1024];
  if (key.salt.size() + secret.size() > sizeof(input)) return false;
  std::copy(key.salt.begin(), key.salt.end(), input);
  std::copy(secret.begin(), secret.end(), input + key.salt.size());
  std::array<unsigned char, 32> digest;
  core::Sha256(std::string_view(input, key.salt.size() + secret.size()), digest);
  return core::ConstantTimeEquals(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()), key.hash);
}

// Record: format byte, name, salt, hash, create time, expire time (0 = none), revoke time
// (0 = active), scope count, then per scope: universe, name, data store count, names.
std::string EncodeApiKey(const ApiKey& key) {
  std::string out(1, static_cast<char>(kApiKeyRecordFormat));
  store::PutLengthPrefixed(&out, key.name);
  store::PutLengthPrefixed(&out, key.salt);
  store::PutLengthPrefixed(&out, key.hash);
  store::PutVarsint64(&out, core::ToUnixNanos(key.create_time));
  store::PutVarsint64(&out, key.expire_time ? core::ToUnixNanos(*key.expire_time) : 0);
  store::PutVarsint64(&out, key.revoke_time ? core::ToUnixNanos(*key.revoke_time) : 0);
  store::PutVarint64(&out, key.scopes.size());
  for (const auto& scope : key.scopes) {
    store::PutVarsint64(&out, scope.universe);
    store::PutLengthPrefixed(&out, scope.name);
    store::PutVarint64(&out, scope.data_stores.size());
    for (const auto& store_name : scope.data_stores) store::PutLengthPrefixed(&out, store_name);
  }
  return out;
}

core::Result<ApiKey> DecodeApiKey(std::string_view id, std::string_view bytes) {
  const auto corrupt = core::Status::Internal("corrupt API key record " + std::string(id));
  ApiKey key;
  key.id = std::string(id);
  uint8_t format = 0;
  std::string_view name, salt, hash;
  int64_t create = 0, expire = 0, revoke = 0;
  uint64_t scopes = 0;
  if (!store::GetByte(&bytes, &format) || format != kApiKeyRecordFormat ||
      !store::GetLengthPrefixed(&bytes, &name) || !store::GetLengthPrefixed(&bytes, &salt) ||
      !store::GetLengthPrefixed(&bytes, &hash) || !store::GetVarsint64(&bytes, &create) ||
      !store::GetVarsint64(&bytes, &expire) || !store::GetVarsint64(&bytes, &revoke) ||
      !store::GetVarint64(&bytes, &scopes) || scopes > bytes.size()) {
    return corrupt;
  }
  key.name = std::string(name);
  key.salt = std::string(salt);
  key.hash = std::string(hash);
  key.create_time = core::FromUnixNanos(create);
  if (expire != 0) key.expire_time = core::FromUnixNanos(expire);
  if (revoke != 0) key.revoke_time = core::FromUnixNanos(revoke);
  for (uint64_t i = 0; i < scopes; ++i) {
    KeyScope scope;
    std::string_view scope_name;
    uint64_t stores = 0;
    if (!store::GetVarsint64(&bytes, &scope.universe) ||
        !store::GetLengthPrefixed(&bytes, &scope_name) || !store::GetVarint64(&bytes, &stores) ||
        stores > bytes.size()) {
      return corrupt;
    }
    scope.name = std::string(scope_name);
    for (uint64_t j = 0; j < stores; ++j) {
      std::string_view store_name;
      if (!store::GetLengthPrefixed(&bytes, &store_name)) return corrupt;
      scope.data_stores.emplace_back(store_name);
    }
    key.scopes.push_back(std::move(scope));
  }
  return key;
}

}  // namespace strongbox::ops
