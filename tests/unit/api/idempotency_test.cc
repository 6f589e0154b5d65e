#include "api/idempotency.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "support/store_fixture.h"

namespace strongbox::api {
namespace {

namespace asio = boost::asio;

struct Fixture : testing::StoreFixture {
  Fixture() : clock(core::FromUnixNanos(1'700'000'000'000'000'000)) {
    idempotency =
        std::make_unique<Idempotency>(engine.get(), pipeline.get(), &clock, std::chrono::hours(1));
  }

  // Commits an empty write carrying the hook of a request with this Idempotency-Key.
  void StoreResponse(const std::string& key) {
    http::Request request;
    request.method = "POST";
    request.target = "/x";
    request.params["universe"] = "1";
    request.headers.emplace_back("idempotency-key", key);
    auto hook =
        idempotency->Hook<int>(request, [](const int&) { return http::JsonResponse(200, "{}"); });
    REQUIRE(hook);
    REQUIRE(pipeline->CommitAndWait([&](store::WriteView& view) { return hook(view, 0); }).ok());
  }

  size_t Records() {
    size_t n = 0;
    auto it = engine->NewIterator(store::ColumnFamily::kIdempotency);
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }

  core::ManualClock clock;
  std::unique_ptr<Idempotency> idempotency;
};

TEST_CASE("expired idempotency records are reclaimed in bounded passes", "[api]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.StoreResponse("k" + std::to_string(i));
  REQUIRE(f.Records() == 5);
  CHECK(*f.Await(f.idempotency->PurgeExpired(100)) == 0);  // nothing expired yet
  f.clock.Advance(std::chrono::minutes(30));
  f.StoreResponse("fresh");  // expires 30 minutes after the others
  f.clock.Advance(std::chrono::minutes(31));
  size_t deleted = 0;
  for (int pass = 0; pass < 10; ++pass) {
    auto n = f.Await(f.idempotency->PurgeExpired(2));  // at most 2 records a pass
    REQUIRE(n.ok());
    CHECK(*n <= 2);
    deleted += *n;
  }
  CHECK(deleted == 5);
  CHECK(f.Records() == 1);  // the fresh one stays until it expires
}

TEST_CASE("requests without the header get no hook, bad keys none either", "[api]") {
  Fixture f;
  http::Request plain;
  plain.method = "POST";
  CHECK_FALSE(f.idempotency->Hook<int>(plain, [](const int&) { return http::Response(); }));
  http::Request bad = plain;
  bad.headers.emplace_back("idempotency-key", std::string(129, 'x'));
  CHECK_FALSE(f.idempotency->Hook<int>(bad, [](const int&) { return http::Response(); }));
}

}  // namespace
}  // namespace strongbox::api
