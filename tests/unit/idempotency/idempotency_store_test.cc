#include "idempotency/idempotency_store.h"

#include <catch2/catch.hpp>

#include "gate/request_write.h"
#include "support/store_fixture.h"

namespace strongbox::idempotency {
namespace {

struct Fixture : testing::StoreFixture {
  Fixture() : clock(core::FromUnixNanos(1'700'000'000'000'000'000)) {
    store = std::make_unique<IdempotencyStore>(engine.get(), pipeline.get(), &clock,
                                               std::chrono::hours(1));
  }

  // Commits the stored answer of a request with this Idempotency-Key, as a write would.
  void StoreResponse(const std::string& key, uint64_t fingerprint = 7) {
    StoredResponse response{201, "application/json", {{"etag", "\"E1\""}}, R"({"ok":true})"};
    REQUIRE(pipeline
                ->CommitAndWait([&](store::WriteView& view) {
                  this->store->Stage(view, IdempotencyKey(1, "key-id", key), fingerprint, response);
                  return core::Status::Ok();
                })
                .ok());
  }

  size_t Records() {
    size_t n = 0;
    auto it = engine->NewIterator(store::ColumnFamily::kIdempotency);
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }

  core::ManualClock clock;
  std::unique_ptr<IdempotencyStore> store;
};

TEST_CASE("a stored answer comes back whole, and only to the same request", "[idempotency]") {
  Fixture f;
  f.StoreResponse("k", 7);
  auto same = f.store->Lookup(IdempotencyKey(1, "key-id", "k"), 7);
  REQUIRE(same.ok());
  REQUIRE(same->has_value());
  CHECK((*same)->status == 201);
  CHECK((*same)->body == R"({"ok":true})");
  CHECK((*same)->headers == std::vector<std::pair<std::string, std::string>>{{"etag", "\"E1\""}});
  auto other = f.store->Lookup(IdempotencyKey(1, "key-id", "k"), 8);
  CHECK(other.status().reason() == "KEY_REUSED");
  // Another caller's key of the same text is another record.
  auto stranger = f.store->Lookup(IdempotencyKey(1, "other-key", "k"), 7);
  REQUIRE(stranger.ok());
  CHECK_FALSE(stranger->has_value());
  f.clock.Advance(std::chrono::hours(2));
  auto expired = f.store->Lookup(IdempotencyKey(1, "key-id", "k"), 8);
  REQUIRE(expired.ok());
  CHECK_FALSE(expired->has_value());  // past its ttl it is ignored, even for another request
}

TEST_CASE("a record stored before an upgrade answers its retry by the earlier fingerprint",
          "[idempotency]") {
  // A v1 request's headers joined its fingerprint in stop 37: a retry across the upgrade
  // (earlier fingerprint 7, new one 9) is still a replay; after the upgrade only the new one is.
  Fixture f;
  f.StoreResponse("old", 7);
  f.clock.Advance(std::chrono::seconds(1));
  IdempotencyStore upgraded(f.engine.get(), f.pipeline.get(), &f.clock, std::chrono::hours(1));
  auto retried = upgraded.Lookup(IdempotencyKey(1, "key-id", "old"), 9, 7);
  REQUIRE(retried.ok());
  CHECK(retried->has_value());
  CHECK(upgraded.Lookup(IdempotencyKey(1, "key-id", "old"), 9).status().reason() == "KEY_REUSED");
  // Stored by this process: the earlier fingerprint is no excuse.
  f.clock.Advance(std::chrono::seconds(1));
  f.StoreResponse("new", 7);
  CHECK(upgraded.Lookup(IdempotencyKey(1, "key-id", "new"), 9, 7).status().reason() ==
        "KEY_REUSED");
}

TEST_CASE("a corrupt record is an internal error, never a replay", "[idempotency]") {
  IdempotencyRecord record{core::FromUnixNanos(5), 9, {200, "text/plain", {}, "x"}};
  std::string bytes = EncodeIdempotencyRecord(record);
  auto decoded = DecodeIdempotencyRecord(bytes);
  REQUIRE(decoded.ok());
  CHECK(decoded->fingerprint == 9);
  CHECK(decoded->response.body == "x");
  CHECK(IdempotencyRecordExpiry(bytes) == core::FromUnixNanos(5));
  bytes.pop_back();
  CHECK(DecodeIdempotencyRecord(bytes).status().code() == core::StatusCode::kInternal);
  CHECK(DecodeIdempotencyRecord("").status().code() == core::StatusCode::kInternal);
}

TEST_CASE("expired idempotency records are reclaimed in bounded passes", "[idempotency]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.StoreResponse("k" + std::to_string(i));
  REQUIRE(f.Records() == 5);
  CHECK(*f.Await(f.store->PurgeExpired(100)) == 0);  // nothing expired yet
  f.clock.Advance(std::chrono::minutes(30));
  f.StoreResponse("fresh");  // expires 30 minutes after the others
  f.clock.Advance(std::chrono::minutes(31));
  size_t deleted = 0;
  for (int pass = 0; pass < 10; ++pass) {
    auto n = f.Await(f.store->PurgeExpired(2));  // at most 2 records a pass
    REQUIRE(n.ok());
    CHECK(*n <= 2);
    deleted += *n;
  }
  CHECK(deleted == 5);
  CHECK(f.Records() == 1);  // the fresh one stays until it expires
}

}  // namespace
}  // namespace strongbox::idempotency

namespace strongbox::idempotency {
namespace {

TEST_CASE("inside a commit, an answer stored since the lookup is seen, staged or committed",
          "[idempotency]") {
  Fixture f;
  const std::string key = IdempotencyKey(1, "key-id", "k");
  auto answered = [&] {
    bool seen = false;
    REQUIRE(f.pipeline
                ->CommitAndWait([&](store::WriteView& view) {
                  auto a = f.store->Answered(view, key);
                  REQUIRE(a.ok());
                  seen = *a;
                  return core::Status::Ok();
                })
                .ok());
    return seen;
  };
  CHECK_FALSE(answered());
  f.StoreResponse("k");
  CHECK(answered());
  f.clock.Advance(std::chrono::hours(2));
  CHECK_FALSE(answered());  // expired: as if none
}

TEST_CASE("a request's commit refuses to run when its key was answered since the lookup",
          "[idempotency]") {
  Fixture f;
  gate::IdempotencyKey key{IdempotencyKey(1, "key-id", "k"), 7};
  gate::RequestWrite write(std::nullopt, key, f.store.get(), &f.clock);
  const auto check = write.CommitCheck();
  REQUIRE(check);
  auto run = [&] {
    return f.pipeline->CommitAndWait([&](store::WriteView& view) { return check(view); });
  };
  CHECK(run().ok());
  f.StoreResponse("k");  // e.g. an earlier request's commit, settled as committed by recovery
  const core::Status refused = run();
  CHECK(refused.code() == core::StatusCode::kAborted);
  CHECK(refused.reason() == gate::kIdempotentReplay);
}

}  // namespace
}  // namespace strongbox::idempotency
