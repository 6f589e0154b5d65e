#include "ops/api_key.h"

#include <catch2/catch.hpp>

namespace strongbox::ops {
namespace {

ApiKey KeyWith(std::vector<KeyScope> scopes) {
  ApiKey key;
  key.id = "k1";
  key.scopes = std::move(scopes);
  return key;
}

// What a route needing `names` asks, checked against `key`.
bool Allowed(const ApiKey& key, std::vector<std::string_view> names, int64_t universe,
             std::optional<std::string_view> store = std::nullopt) {
  return Grants(key, AccessNeed{names, universe, store});
}

constexpr std::string_view kRead = "universe-datastores.objects:read";
constexpr std::string_view kWrite = "universe-datastores.objects:update";

TEST_CASE("a scope grants its name on its universe only", "[ops]") {
  const ApiKey key = KeyWith({{42, std::string(kRead), {}}});
  CHECK(Allowed(key, {kRead}, 42, "Inventory"));
  CHECK(Allowed(key, {kRead}, 42));
  CHECK_FALSE(Allowed(key, {kRead}, 43, "Inventory"));
  CHECK_FALSE(Allowed(key, {kWrite}, 42, "Inventory"));
  CHECK_FALSE(Allowed(key, {kAdminScope}, 0));
}

TEST_CASE("a universe wildcard grants every universe", "[ops]") {
  const ApiKey key = KeyWith({{0, std::string(kRead), {}}});
  CHECK(Allowed(key, {kRead}, 1));
  CHECK(Allowed(key, {kRead}, 999));
}

TEST_CASE("a scope narrowed to data stores grants only those, and no store-less route", "[ops]") {
  const ApiKey key = KeyWith({{42, std::string(kRead), {"PlayerData", "Inventory"}}});
  CHECK(Allowed(key, {kRead}, 42, "PlayerData"));
  CHECK(Allowed(key, {kRead}, 42, "Inventory"));
  CHECK_FALSE(Allowed(key, {kRead}, 42, "Other"));
  CHECK_FALSE(Allowed(key, {kRead}, 42));
}

TEST_CASE("a route needing two scopes needs both", "[ops]") {
  CHECK_FALSE(Allowed(KeyWith({{42, std::string(kRead), {}}}), {kRead, kWrite}, 42, "S"));
  CHECK(Allowed(KeyWith({{42, std::string(kRead), {}}, {42, std::string(kWrite), {}}}),
                {kRead, kWrite}, 42, "S"));
}

TEST_CASE("admin on * grants everything, admin on a universe only that universe's routes",
          "[ops]") {
  const ApiKey root = KeyWith({{0, std::string(kAdminScope), {}}});
  CHECK(Allowed(root, {kRead}, 7, "S"));
  CHECK(Allowed(root, {"memory-store:flush"}, 9));
  CHECK(Allowed(root, {kAdminScope}, 0));
  const ApiKey tenant = KeyWith({{7, std::string(kAdminScope), {}}});
  CHECK(Allowed(tenant, {kRead}, 7, "S"));
  CHECK_FALSE(Allowed(tenant, {kRead}, 8, "S"));
  CHECK_FALSE(Allowed(tenant, {kAdminScope}, 0));  // key and backup administration
}

TEST_CASE("scope names are checked against the contract's list", "[ops]") {
  CHECK(ValidateScope({1, "memory-store.queue:dequeue", {}}).ok());
  CHECK(ValidateScope({0, "session-locks:write", {}}).ok());
  CHECK_FALSE(ValidateScope({1, "universe-datastores.objects:everything", {}}).ok());
  CHECK_FALSE(ValidateScope({1, std::string(kRead), {""}}).ok());
  // Narrowing to data stores only where routes name one: elsewhere it would grant nothing.
  CHECK(ValidateScope({1, std::string(kRead), {"PlayerData"}}).ok());
  CHECK(ValidateScope({1, "universe.ordered-data-store.scope.entry:read", {"Wins"}}).ok());
  CHECK(ValidateScope({1, "admin", {"PlayerData"}}).ok());
  for (const char* name :
       {"changes:read", "changes:subscribe", "memory-store.queue:add",
        "universe-datastores.control:list", "memory-store.hash-map:read", "session-locks:write"}) {
    INFO(name);
    CHECK(ValidateScope({1, name, {}}).ok());
    core::Status narrowed = ValidateScope({1, name, {"PlayerData"}});
    CHECK(narrowed.code() == core::StatusCode::kInvalidArgument);
    CHECK(narrowed.message().find("grant nothing") != std::string::npos);
  }
}

TEST_CASE("secrets: 256 random bits, matched only exactly, never stored", "[ops]") {
  const std::string secret = NewSecret("abc123");
  CHECK(secret.rfind("sb_abc123_", 0) == 0);
  CHECK(secret.size() == 10 + 64);
  CHECK(NewSecret("abc123") != secret);
  CHECK(KeyIdOfSecret(secret) == "abc123");
  CHECK(KeyIdOfSecret("some-file-secret") == kBootstrapKeyId);

  ApiKey key;
  SetSecret(&key, secret);
  CHECK(key.salt.size() == 16);
  CHECK(key.hash.size() == 32);
  CHECK(key.hash.find(secret) == std::string::npos);
  CHECK(SecretMatches(key, secret));
  CHECK_FALSE(SecretMatches(key, secret + "x"));
  CHECK_FALSE(SecretMatches(key, secret.substr(0, secret.size() - 1)));
  // The same secret under another salt hashes differently.
  ApiKey other;
  SetSecret(&other, secret);
  CHECK(other.hash != key.hash);
}

TEST_CASE("an API key record round-trips", "[ops]") {
  ApiKey key = KeyWith({{42, std::string(kRead), {"A", "B"}}, {0, std::string(kAdminScope), {}}});
  key.name = "game server";
  SetSecret(&key, "secret-value-0123456789");
  key.create_time = core::FromUnixNanos(1'700'000'000'000'000'001);
  key.expire_time = core::FromUnixNanos(1'800'000'000'000'000'000);
  auto decoded = DecodeApiKey("k1", EncodeApiKey(key));
  REQUIRE(decoded.ok());
  CHECK(decoded->name == key.name);
  CHECK(decoded->salt == key.salt);
  CHECK(decoded->hash == key.hash);
  CHECK(decoded->create_time == key.create_time);
  CHECK(decoded->expire_time == key.expire_time);
  CHECK_FALSE(decoded->revoke_time);
  REQUIRE(decoded->scopes.size() == 2);
  CHECK(decoded->scopes[0].universe == 42);
  CHECK(decoded->scopes[0].data_stores == std::vector<std::string>{"A", "B"});
  CHECK(decoded->scopes[1].name == kAdminScope);
  CHECK_FALSE(DecodeApiKey("k1", EncodeApiKey(key).substr(0, 20)).ok());
}

TEST_CASE("a key is active until revoked or expired", "[ops]") {
  ApiKey key;
  const auto now = core::FromUnixNanos(1'700'000'000'000'000'000);
  CHECK(key.ActiveAt(now));
  key.expire_time = now + std::chrono::seconds(1);
  CHECK(key.ActiveAt(now));
  CHECK_FALSE(key.ActiveAt(now + std::chrono::seconds(1)));
  key.expire_time.reset();
  key.revoke_time = now;
  CHECK_FALSE(key.ActiveAt(now));
}

}  // namespace
}  // namespace strongbox::ops
