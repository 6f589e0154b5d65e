#pragma once

// API key model (api.md §7): a named credential with scopes. The secret itself is never
// stored: only a random salt and SHA-256(salt || secret). Secrets are "sb_<id>_<64 hex>"
// (256 random bits), so a presented secret names the key to check it against; the bootstrap
// key supplied by --admin-key-file may be any string and has the fixed id "admin".

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace strongbox::ops {

// One grant: a scope name on one universe (0 = every universe, "*"), optionally narrowed to
// named data stores (then it grants nothing on routes that name no data store).
struct KeyScope {
  int64_t universe = 0;
  std::string name;
  std::vector<std::string> data_stores;
};

struct ApiKey {
  std::string id;
  std::string name;
  std::string salt;  // raw bytes
  std::string hash;  // raw SHA-256(salt || secret)
  std::vector<KeyScope> scopes;
  core::Timestamp create_time{};
  std::optional<core::Timestamp> expire_time;
  std::optional<core::Timestamp> revoke_time;

  bool ActiveAt(core::Timestamp now) const {
    return !revoke_time && (!expire_time || now < *expire_time);
  }
  // What a listing shows (proto-docs/operations.md): "REVOKED", "EXPIRED" (past expire_time,
  // refused with 401 as a revoked key is) or "ACTIVE".
  std::string_view StateAt(core::Timestamp now) const {
    if (revoke_time) return "REVOKED";
    return ActiveAt(now) ? "ACTIVE" : "EXPIRED";
  }
};

inline constexpr std::string_view kAdminScope = "admin";

// The scope names of api.md §7: Roblox's Open Cloud names, then Strongbox's own.
namespace scopes {
inline constexpr std::string_view kObjectsRead = "universe-datastores.objects:read";
inline constexpr std::string_view kObjectsCreate = "universe-datastores.objects:create";
inline constexpr std::string_view kObjectsUpdate = "universe-datastores.objects:update";
inline constexpr std::string_view kObjectsDelete = "universe-datastores.objects:delete";
inline constexpr std::string_view kObjectsList = "universe-datastores.objects:list";
inline constexpr std::string_view kVersionsRead = "universe-datastores.versions:read";
inline constexpr std::string_view kVersionsList = "universe-datastores.versions:list";
inline constexpr std::string_view kControlList = "universe-datastores.control:list";
inline constexpr std::string_view kControlCreate = "universe-datastores.control:create";
inline constexpr std::string_view kControlDelete = "universe-datastores.control:delete";
inline constexpr std::string_view kOrderedRead = "universe.ordered-data-store.scope.entry:read";
inline constexpr std::string_view kOrderedWrite = "universe.ordered-data-store.scope.entry:write";
inline constexpr std::string_view kMapRead = "memory-store.sorted-map:read";
inline constexpr std::string_view kMapWrite = "memory-store.sorted-map:write";
// [SB] hash maps (api.md §10): Open Cloud has no hash map scopes; these follow the sorted map's.
inline constexpr std::string_view kHashMapRead = "memory-store.hash-map:read";
inline constexpr std::string_view kHashMapWrite = "memory-store.hash-map:write";
inline constexpr std::string_view kQueueAdd = "memory-store.queue:add";
inline constexpr std::string_view kQueueDequeue = "memory-store.queue:dequeue";
inline constexpr std::string_view kQueueDiscard = "memory-store.queue:discard";
inline constexpr std::string_view kFlush = "memory-store:flush";
inline constexpr std::string_view kLocksRead = "session-locks:read";
inline constexpr std::string_view kLocksWrite = "session-locks:write";
// [SB] the change feed (api.md §11): reading every change of a universe.
inline constexpr std::string_view kChangesRead = "changes:read";
// [SB] durable subscriptions (api.md §11): create, delete and acknowledge.
inline constexpr std::string_view kChangesSubscribe = "changes:subscribe";
inline constexpr std::string_view kAdmin = kAdminScope;
}  // namespace scopes
inline constexpr std::string_view kBootstrapKeyId = "admin";

// Every scope name a key may hold: Roblox's (api.md §7) plus session-locks and admin.
const std::vector<std::string_view>& KnownScopeNames();
core::Status ValidateScope(const KeyScope& scope);

// What a route needs: each of `names` on `universe` (0 = the route has none, e.g. /admin),
// and on `data_store` when the route names one.
struct AccessNeed {
  std::span<const std::string_view> names;  // borrowed: the route table outlives every request
  int64_t universe = 0;
  std::optional<std::string_view> data_store;
};

// True when the key's scopes grant every name of `need`. `admin` on "*" grants everything;
// `admin` on one universe grants every route of that universe.
bool Grants(const ApiKey& key, const AccessNeed& need);
// True when the key holds any scope on `universe` (or on every universe): what a route that
// checks scopes per operation (:commit) asks before it costs that universe anything.
bool GrantsAnyOn(const ApiKey& key, int64_t universe);

// A fresh secret for `id`, and the id a presented secret claims (kBootstrapKeyId when it is
// not in the "sb_<id>_…" form).
std::string NewSecret(std::string_view id);
std::string_view KeyIdOfSecret(std::string_view secret);

// Sets salt and hash for `secret`; true when `secret` matches (constant time).
void SetSecret(ApiKey* key, std::string_view secret);
bool SecretMatches(const ApiKey& key, std::string_view secret);

inline constexpr uint8_t kApiKeyRecordFormat = 1;
std::string EncodeApiKey(const ApiKey& key);
core::Result<ApiKey> DecodeApiKey(std::string_view id, std::string_view bytes);

}  // namespace strongbox::ops
