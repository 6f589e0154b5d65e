#include "datastore/entry_service.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "datastore/entry_keys.h"
#include "datastore/revision_id.h"
#include "support/store_fixture.h"

namespace strongbox::datastore {
namespace {

namespace asio = boost::asio;
using core::StatusCode;

struct Fixture : testing::StoreFixture {
  Fixture() : clock(core::FromUnixNanos(1'700'000'000'000'000'000)) {
    EntryLimits limits;
    limits.max_value_bytes = 1000;
    service = std::make_unique<EntryService>(engine.get(), pipeline.get(), &clock, limits);
  }

  core::ManualClock clock;
  std::unique_ptr<EntryService> service;
};

EntryName Name(std::string key) {
  EntryName n;
  n.universe = 42;
  n.data_store = "Inventory";
  n.key = std::move(key);
  return n;
}

EntryWrite Write(std::string value) {
  EntryWrite w;
  w.value = std::move(value);
  return w;
}

TEST_CASE("create, get, update, delete with revisions", "[datastore]") {
  Fixture f;
  auto created = f.Await(f.service->Create(Name("k"), Write(R"({"gold":1})")));
  REQUIRE(created.ok());
  CHECK(created->revision == 1);
  CHECK(f.Await(f.service->Create(Name("k"), Write("2"))).status().code() ==
        StatusCode::kAlreadyExists);

  f.clock.Advance(std::chrono::seconds(10));
  const std::string etag1 = FormatRevisionId(*created);
  auto updated = f.Await(f.service->Update(Name("k"), Write(R"({"gold":2})"), etag1, false));
  REQUIRE(updated.ok());
  CHECK(updated->revision == 2);
  CHECK(updated->create_time == created->create_time);
  CHECK(updated->revision_time > created->revision_time);

  // The old etag no longer matches; nothing changes.
  auto stale = f.Await(f.service->Update(Name("k"), Write("3"), etag1, false));
  CHECK(stale.status().code() == StatusCode::kAborted);
  CHECK(stale.status().reason() == "ETAG_MISMATCH");
  CHECK(f.service->Get(Name("k"))->value == R"({"gold":2})");

  // Revisions stay readable by id.
  auto first = f.service->GetRevision(Name("k"), etag1);
  REQUIRE(first.ok());
  CHECK(first->value == R"({"gold":1})");

  f.clock.Advance(std::chrono::seconds(10));
  auto deleted = f.Await(f.service->Delete(Name("k"), std::nullopt));
  REQUIRE(deleted.ok());
  CHECK(deleted->deleted);
  CHECK(deleted->revision == 3);
  CHECK(f.service->Get(Name("k")).status().code() == StatusCode::kNotFound);
  CHECK(f.Await(f.service->Delete(Name("k"), std::nullopt)).status().code() ==
        StatusCode::kNotFound);
  // The tombstone is a revision too.
  CHECK(f.service->GetRevision(Name("k"), FormatRevisionId(*deleted))->deleted);

  // A deleted key can be created again; its counter keeps growing.
  auto again = f.Await(f.service->Create(Name("k"), Write("4")));
  REQUIRE(again.ok());
  CHECK(again->revision == 4);
  CHECK(again->create_time > created->create_time);
}

TEST_CASE("update of a missing entry needs allowMissing", "[datastore]") {
  Fixture f;
  CHECK(f.Await(f.service->Update(Name("m"), Write("1"), std::nullopt, false)).status().code() ==
        StatusCode::kNotFound);
  CHECK_FALSE(f.engine->Get(store::ColumnFamily::kEntries, "anything")->has_value());
  auto upserted = f.Await(f.service->Update(Name("m"), Write("1"), std::nullopt, true));
  REQUIRE(upserted.ok());
  CHECK(upserted->revision == 1);
  // An etag on a missing entry can never match.
  CHECK(f.Await(f.service->Update(Name("n"), Write("1"), std::string("x"), true)).status().code() ==
        StatusCode::kAborted);
}

TEST_CASE("time travel reads the revision current at a time", "[datastore]") {
  Fixture f;
  const core::Timestamp t0 = f.clock.Now();
  REQUIRE(f.Await(f.service->Create(Name("t"), Write("1"))).ok());
  f.clock.Advance(std::chrono::seconds(60));
  REQUIRE(f.Await(f.service->Update(Name("t"), Write("2"), std::nullopt, false)).ok());
  f.clock.Advance(std::chrono::seconds(60));
  REQUIRE(f.Await(f.service->Delete(Name("t"), std::nullopt)).ok());

  CHECK(f.service->GetAt(Name("t"), t0 - std::chrono::seconds(1)).status().code() ==
        StatusCode::kNotFound);
  CHECK(f.service->GetAt(Name("t"), t0 + std::chrono::seconds(30))->value == "1");
  CHECK(f.service->GetAt(Name("t"), t0 + std::chrono::seconds(90))->value == "2");
  CHECK(f.service->GetAt(Name("t"), t0 + std::chrono::seconds(150)).status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("revision ids of another incarnation or malformed are invalid", "[datastore]") {
  Fixture f;
  auto a = f.Await(f.service->Create(Name("r"), Write("1")));
  REQUIRE(a.ok());
  std::string forged = FormatRevisionId(*a);
  forged[0] = forged[0] == '0' ? '1' : '0';  // same counter, other creation time
  CHECK(f.service->GetRevision(Name("r"), forged).status().message() == "Invalid version id.");
  CHECK(f.service->GetRevision(Name("r"), "nonsense").status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("names and limits are validated before anything is written", "[datastore]") {
  Fixture f;
  EntryName bad = Name(std::string(51, 'k'));
  CHECK(f.Await(f.service->Create(bad, Write("1"))).status().code() ==
        StatusCode::kInvalidArgument);
  EntryName bad_utf8 = Name("\xC3\x28");
  CHECK(f.Await(f.service->Create(bad_utf8, Write("1"))).status().code() ==
        StatusCode::kInvalidArgument);
  EntryName all_scopes = Name("k");
  all_scopes.scope = "-";
  CHECK_FALSE(f.Await(f.service->Create(all_scopes, Write("1"))).ok());
  auto too_big = f.Await(f.service->Create(Name("big"), Write(std::string(1001, '1'))));
  CHECK(too_big.status().code() == StatusCode::kPayloadTooLarge);
  CHECK(too_big.status().reason() == "LIMIT_EXCEEDED");
  EntryWrite many_users = Write("1");
  many_users.users = {1, 2, 3, 4, 5};
  CHECK(f.Await(f.service->Create(Name("u"), many_users)).status().code() ==
        StatusCode::kInvalidArgument);
  EntryWrite fat_attributes = Write("1");
  fat_attributes.attributes = R"({"a":")" + std::string(300, 'x') + R"("})";
  CHECK(f.Await(f.service->Create(Name("a"), fat_attributes)).status().reason() ==
        "LIMIT_EXCEEDED");
  // None of those wrote anything.
  auto it = f.engine->NewIterator(store::ColumnFamily::kEntries);
  it->SeekToFirst();
  CHECK_FALSE(it->Valid());
}

}  // namespace
}  // namespace strongbox::datastore

namespace strongbox::datastore {
namespace {

TEST_CASE("increment creates, adds, keeps metadata and refuses non-integers", "[datastore]") {
  Fixture f;
  auto first = f.Await(f.service->Increment(Name("n"), 5, std::vector<int64_t>{7}, std::nullopt));
  REQUIRE(first.ok());
  CHECK(first->value == "5");
  auto second = f.Await(f.service->Increment(Name("n"), -2, std::nullopt, std::nullopt));
  REQUIRE(second.ok());
  CHECK(second->value == "3");
  CHECK(second->users == std::vector<int64_t>{7});  // kept when not given
  CHECK(second->revision == 2);
  REQUIRE(f.Await(f.service->Create(Name("s"), Write(R"("text")"))).ok());
  CHECK(f.Await(f.service->Increment(Name("s"), 1, std::nullopt, std::nullopt)).status().code() ==
        StatusCode::kInvalidArgument);
  REQUIRE(f.Await(f.service->Create(Name("max"), Write("9223372036854775807"))).ok());
  CHECK(f.Await(f.service->Increment(Name("max"), 1, std::nullopt, std::nullopt)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(f.service->Get(Name("max"))->value == "9223372036854775807");
}

TEST_CASE("patch applies atomically, honours etag and allowMissing", "[datastore]") {
  Fixture f;
  EntryService::PatchRequest spend;
  spend.operations =
      *core::ParseJson(R"([{"op":"increment","path":"/coins","value":-30,"min":0}])");
  CHECK(f.Await(f.service->Patch(Name("w"), spend)).status().code() == StatusCode::kNotFound);

  EntryService::PatchRequest start = spend;
  start.allow_missing = true;
  start.initial_value = R"({"coins":50})";
  start.users = std::vector<int64_t>{9};
  auto created = f.Await(f.service->Patch(Name("w"), start));
  REQUIRE(created.ok());
  CHECK(created->value == R"({"coins":20})");
  auto refused = f.Await(f.service->Patch(Name("w"), spend));
  CHECK(refused.status().reason() == "BELOW_MIN");
  CHECK(f.service->Get(Name("w"))->value == R"({"coins":20})");
  CHECK(f.service->Get(Name("w"))->revision == 1);  // the refused patch wrote nothing

  EntryService::PatchRequest stale;
  stale.operations = *core::ParseJson(R"([{"op":"add","path":"/x","value":1}])");
  stale.etag = "08DCAA81744A406E.0000000009.08DCAA81744A406E.01";
  CHECK(f.Await(f.service->Patch(Name("w"), stale)).status().reason() == "ETAG_MISMATCH");
  stale.etag = FormatRevisionId(*created);
  auto ok = f.Await(f.service->Patch(Name("w"), stale));
  REQUIRE(ok.ok());
  CHECK(ok->users == std::vector<int64_t>{9});  // omitted users are kept by :patch
}

TEST_CASE("restoring a revision writes a new revision with its content", "[datastore]") {
  Fixture f;
  EntryWrite v1 = Write(R"({"v":1})");
  v1.users = {1};
  auto first = f.Await(f.service->Create(Name("r"), v1));
  REQUIRE(first.ok());
  f.clock.Advance(std::chrono::seconds(1));
  REQUIRE(f.Await(f.service->Update(Name("r"), Write(R"({"v":2})"), std::nullopt, false)).ok());
  f.clock.Advance(std::chrono::seconds(1));
  auto deleted = f.Await(f.service->Delete(Name("r"), std::nullopt));
  REQUIRE(deleted.ok());
  CHECK(f.Await(f.service->RestoreRevision(Name("r"), FormatRevisionId(*deleted), std::nullopt))
            .status()
            .code() == StatusCode::kInvalidArgument);
  auto restored =
      f.Await(f.service->RestoreRevision(Name("r"), FormatRevisionId(*first), std::nullopt));
  REQUIRE(restored.ok());
  CHECK(restored->value == R"({"v":1})");
  CHECK(restored->users == std::vector<int64_t>{1});
  CHECK(restored->revision == 4);
  CHECK(f.service->Get(Name("r"))->value == R"({"v":1})");
}

TEST_CASE("a restore whose revision goes before its commit writes nothing", "[datastore]") {
  Fixture f;
  auto first = f.Await(f.service->Create(Name("r"), Write(R"({"v":1})")));
  REQUIRE(first.ok());
  REQUIRE(f.Await(f.service->Update(Name("r"), Write(R"({"v":2})"), std::nullopt, false)).ok());
  // Read (outside the sequencer) while the revision is there...
  auto staged = f.service->StageRestoreRevision(Name("r"), FormatRevisionId(*first), std::nullopt);
  REQUIRE(staged.ok());
  // ...then retention (or an :eraseUser) removes it before the restore commits.
  REQUIRE(f.pipeline
              ->CommitAndWait([&](store::WriteView& view) {
                view.Delete(store::ColumnFamily::kRevisions, RevisionKey(Name("r"), 1));
                return core::Status::Ok();
              })
              .ok());
  const core::Status restored =
      f.pipeline->CommitAndWait([&](store::WriteView& view) { return (*staged)(view).status(); });
  CHECK(restored.code() == StatusCode::kInvalidArgument);
  CHECK(f.service->Get(Name("r"))->value == R"({"v":2})");
  CHECK(f.service->Get(Name("r"))->revision == 2);
}

TEST_CASE("revisions list newest first, page by page, within a time window", "[datastore]") {
  Fixture f;
  const core::Timestamp t0 = f.clock.Now();
  for (int i = 1; i <= 7; ++i) {
    REQUIRE(
        f.Await(f.service->Update(Name("h"), Write(std::to_string(i)), std::nullopt, true)).ok());
    f.clock.Advance(std::chrono::seconds(10));
  }
  EntryService::RevisionQuery q;
  q.page_size = 3;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = f.service->ListRevisions(Name("h"), q);
    REQUIRE(page.ok());
    for (const auto& r : page->revisions) seen.push_back(r.value);
    if (!page->next_after) break;
    q.after = page->next_after;
  }
  CHECK(seen == std::vector<std::string>{"7", "6", "5", "4", "3", "2", "1"});

  EntryService::RevisionQuery window;
  window.start = t0 + std::chrono::seconds(15);  // after revision 2
  window.end = t0 + std::chrono::seconds(45);    // up to revision 5
  auto page = f.service->ListRevisions(Name("h"), window);
  REQUIRE(page.ok());
  std::vector<std::string> values;
  for (const auto& r : page->revisions) values.push_back(r.value);
  CHECK(values == std::vector<std::string>{"5", "4", "3"});
  CHECK_FALSE(page->next_after.has_value());
}

}  // namespace
}  // namespace strongbox::datastore

namespace strongbox::datastore {
namespace {

TEST_CASE("revisions list oldest first too, with windows and paging", "[datastore]") {
  Fixture f;
  const core::Timestamp t0 = f.clock.Now();
  for (int i = 1; i <= 6; ++i) {
    REQUIRE(
        f.Await(f.service->Update(Name("o"), Write(std::to_string(i)), std::nullopt, true)).ok());
    f.clock.Advance(std::chrono::seconds(10));
  }
  EntryService::RevisionQuery q;
  q.oldest_first = true;
  q.page_size = 4;
  q.start = t0 + std::chrono::seconds(5);  // from revision 2
  std::vector<std::string> seen;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = f.service->ListRevisions(Name("o"), q);
    REQUIRE(page.ok());
    for (const auto& r : page->revisions) seen.push_back(r.value);
    if (!page->next_after) break;
    q.after = page->next_after;
  }
  CHECK(seen == std::vector<std::string>{"2", "3", "4", "5", "6"});
}

}  // namespace
}  // namespace strongbox::datastore

namespace strongbox::datastore {
namespace {

// Runs several staged writes in one mutation, as a :commit does (api.md §8).
core::Status CommitAll(Fixture& f, std::vector<store::Staged<EntryRecord>> staged) {
  return f.pipeline->CommitAndWait([&staged](store::WriteView& view) -> core::Status {
    for (auto& write : staged) SB_RETURN_IF_ERROR(write(view).status());
    return core::Status::Ok();
  });
}

TEST_CASE("staged writes commit together or not at all, each as its single call", "[datastore]") {
  Fixture f;
  REQUIRE(Fixture::Await(f.service->Create(Name("a"), Write("10"))).ok());
  const std::string etag = FormatRevisionId(*f.service->Get(Name("a")));
  // A later write sees the earlier one's staged revision: two increments of one entry.
  std::vector<store::Staged<EntryRecord>> staged;
  staged.push_back(*f.service->StageIncrement(Name("a"), 5, std::nullopt, std::nullopt));
  staged.push_back(*f.service->StageIncrement(Name("a"), 1, std::nullopt, std::nullopt));
  staged.push_back(*f.service->StageCreate(Name("b"), Write("1")));
  REQUIRE(CommitAll(f, std::move(staged)).ok());
  CHECK(f.service->Get(Name("a"))->value == "16");
  CHECK(f.service->Get(Name("a"))->revision == 3);  // one revision per write, as single calls
  CHECK(f.service->Get(Name("b"))->value == "1");

  // The last write's precondition fails (stale etag): the first is rolled back with it.
  staged.clear();
  staged.push_back(*f.service->StageUpdate(Name("b"), Write("2"), std::nullopt, false));
  staged.push_back(*f.service->StageUpdate(Name("a"), Write("0"), etag, false));
  core::Status failed = CommitAll(f, std::move(staged));
  CHECK(failed.reason() == "ETAG_MISMATCH");
  CHECK(f.service->Get(Name("b"))->value == "1");
  CHECK(f.service->Get(Name("a"))->value == "16");
  // Argument errors come before any commit.
  CHECK(f.service->StageCreate(Name(""), Write("1")).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("BatchGet answers each key from one snapshot", "[datastore]") {
  Fixture f;
  REQUIRE(Fixture::Await(f.service->Create(Name("a"), Write("1"))).ok());
  REQUIRE(Fixture::Await(f.service->Create(Name("gone"), Write("1"))).ok());
  REQUIRE(Fixture::Await(f.service->Delete(Name("gone"), std::nullopt)).ok());
  auto got = f.service->BatchGet(Name(""), {"a", "missing", "gone", "a"});
  REQUIRE(got.ok());
  REQUIRE(got->size() == 4);
  CHECK((*got)[0]->value == "1");
  CHECK((*got)[1].status().code() == StatusCode::kNotFound);
  CHECK((*got)[2].status().code() == StatusCode::kNotFound);
  CHECK((*got)[3]->value == "1");
  CHECK(f.service->BatchGet(Name(""), {std::string(600, 'k')}).status().code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strongbox::datastore
