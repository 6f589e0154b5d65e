#include "ops/key_store.h"

#include <catch2/catch.hpp>

#include "support/store_fixture.h"

namespace strongbox::ops {
namespace {

using core::StatusCode;

struct Fixture : testing::StoreFixture {
  Fixture() : clock(core::FromUnixNanos(1'700'000'000'000'000'000)) { Make(); }
  void Make() {
    keys = std::make_unique<KeyStore>(engine.get(), pipeline.get(), &clock);
    REQUIRE(keys->Load().ok());
  }
  void Restart() {
    keys.reset();
    Reopen();
    Make();
  }
  KeyStore::NewKey Reader() {
    return {"reader", {{42, "universe-datastores.objects:read", {}}}, std::nullopt};
  }
  core::ManualClock clock;
  std::unique_ptr<KeyStore> keys;
};

TEST_CASE("a created key authenticates with its secret, across a restart", "[ops]") {
  Fixture f;
  auto created = f.keys->CreateAndWait(f.Reader());
  REQUIRE(created.ok());
  auto found = f.keys->Authenticate(created->secret);
  REQUIRE(found.ok());
  CHECK((*found)->id == created->key.id);
  CHECK((*found)->name == "reader");
  f.Restart();
  REQUIRE(f.keys->Authenticate(created->secret).ok());
  CHECK(f.keys->List().size() == 1);
}

TEST_CASE("wrong, unknown, revoked and expired secrets all fail the same way", "[ops]") {
  Fixture f;
  auto created = f.keys->CreateAndWait(f.Reader());
  REQUIRE(created.ok());
  std::string wrong = created->secret;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  CHECK(f.keys->Authenticate(wrong).status().code() == StatusCode::kUnauthenticated);
  CHECK(f.keys->Authenticate("sb_ffffffffffffffff_00").status().code() ==
        StatusCode::kUnauthenticated);
  CHECK(f.keys->Authenticate("").status().code() == StatusCode::kUnauthenticated);

  auto expiring = f.Reader();
  expiring.expire_time = f.clock.Now() + std::chrono::seconds(60);
  auto short_lived = f.keys->CreateAndWait(expiring);
  REQUIRE(short_lived.ok());
  CHECK(f.keys->Authenticate(short_lived->secret).ok());
  f.clock.Advance(std::chrono::seconds(60));
  CHECK(f.keys->Authenticate(short_lived->secret).status().code() == StatusCode::kUnauthenticated);

  // Verified once (and so cached on this thread), then revoked: refused at once.
  REQUIRE(f.keys->Authenticate(created->secret).ok());
  auto revoked = f.keys->RevokeAndWait(created->key.id);
  REQUIRE(revoked.ok());
  CHECK(revoked->revoke_time.has_value());
  CHECK(f.keys->Authenticate(created->secret).status().code() == StatusCode::kUnauthenticated);
  f.Restart();  // revocation is durable
  CHECK_FALSE(f.keys->Authenticate(created->secret).ok());
  CHECK(f.keys->Get(created->key.id)->revoke_time.has_value());
  CHECK(f.keys->RevokeAndWait("nope").status().code() == StatusCode::kNotFound);
}

TEST_CASE("new keys are validated", "[ops]") {
  Fixture f;
  auto bad_scope = f.Reader();
  bad_scope.scopes[0].name = "everything";
  CHECK(f.keys->CreateAndWait(bad_scope).status().code() == StatusCode::kInvalidArgument);
  auto no_scopes = f.Reader();
  no_scopes.scopes.clear();
  CHECK(f.keys->CreateAndWait(no_scopes).status().code() == StatusCode::kInvalidArgument);
  auto past = f.Reader();
  past.expire_time = f.clock.Now();
  CHECK(f.keys->CreateAndWait(past).status().code() == StatusCode::kInvalidArgument);
  CHECK(f.keys->List().empty());
}

TEST_CASE("bootstrap: a first start creates admin once, a supplied secret replaces it", "[ops]") {
  Fixture f;
  auto first = f.keys->EnsureBootstrapKey(std::nullopt);
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  auto admin = f.keys->Authenticate(**first);
  REQUIRE(admin.ok());
  CHECK((*admin)->id == kBootstrapKeyId);
  const std::string_view admin_scope[] = {kAdminScope};
  CHECK(Grants(**admin, AccessNeed{admin_scope, 0, std::nullopt}));
  // Keys exist now: nothing new.
  auto second = f.keys->EnsureBootstrapKey(std::nullopt);
  REQUIRE(second.ok());
  CHECK_FALSE(second->has_value());

  const std::string supplied = "a-docker-secret-of-enough-length";
  REQUIRE(f.keys->EnsureBootstrapKey(supplied).ok());
  CHECK(f.keys->Authenticate(supplied).ok());
  CHECK_FALSE(f.keys->Authenticate(**first).ok());  // rotated
  CHECK(f.keys->EnsureBootstrapKey(std::string("short")).status().code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strongbox::ops
