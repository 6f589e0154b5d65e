#include "datastore/mailbox.h"

#include <catch2/catch.hpp>

#include "datastore/entry_service.h"
#include "support/store_fixture.h"

namespace strongbox::datastore {
namespace {

using core::StatusCode;

struct Fixture : testing::StoreFixture {
  Fixture() : clock(core::FromUnixNanos(1'700'000'000'000'000'000)) { Make(); }
  void Make() {
    entries = std::make_unique<EntryService>(engine.get(), pipeline.get(), &clock, EntryLimits{});
    mailbox = std::make_unique<Mailbox>(engine.get(), pipeline.get(), &clock,
                                        MailboxLimits{.max_message_bytes = 100, .max_pending = 3});
  }
  core::Result<Message> Send(const std::string& key, const std::string& message) {
    return Await(mailbox->Send(Name(key), message));
  }
  // Adds `gold` to the entry's gold and consumes `ids` in the same write.
  core::Result<EntryRecord> Apply(const std::string& key, int gold, std::vector<std::string> ids) {
    EntryService::PatchRequest patch;
    patch.operations = *core::ParseJson(R"([{"op":"increment","path":"/gold","value":)" +
                                        std::to_string(gold) + "}]");
    patch.consume_messages = std::move(ids);
    return Await(entries->Patch(Name(key), std::move(patch)));
  }
  static EntryName Name(const std::string& key) {
    EntryName n;
    n.universe = 42;
    n.data_store = "Players";
    n.key = key;
    return n;
  }

  core::ManualClock clock;
  std::unique_ptr<EntryService> entries;
  std::unique_ptr<Mailbox> mailbox;
};

TEST_CASE("A gift in the mailbox is applied exactly once or not at all", "[datastore]") {
  Fixture f;
  // Only a live entry has a mailbox.
  CHECK(f.Send("p1", R"({"gold":5})").status().code() == StatusCode::kNotFound);
  EntryWrite write;
  write.value = R"({"gold":0})";
  REQUIRE(f.Await(f.entries->Create(Fixture::Name("p1"), write)).ok());
  auto first = f.Send("p1", R"({"gold":5})");
  REQUIRE(first.ok());
  CHECK(first->id == "1");
  auto second = f.Send("p1", R"({"gold":7})");
  REQUIRE(second.ok());
  CHECK(second->id == "2");
  auto got = f.entries->Get(Fixture::Name("p1"));
  REQUIRE(got.ok());
  CHECK(got->pending_messages == 2);
  auto listed = f.mailbox->List(Fixture::Name("p1"), std::nullopt, 10);
  REQUIRE(listed.ok());
  REQUIRE(listed->messages.size() == 2);
  CHECK(listed->messages[0].message == R"({"gold":5})");
  CHECK(listed->messages[1].id == "2");

  // The holder applies message 1 and consumes it in the same write.
  auto applied = f.Apply("p1", 5, {"1"});
  REQUIRE(applied.ok());
  CHECK(applied->value == R"({"gold":5})");
  CHECK(applied->pending_messages == 1);
  // A retry (or a second server) applying it again fails whole: the gold is not added twice.
  auto again = f.Apply("p1", 5, {"1"});
  CHECK(again.status().code() == StatusCode::kFailedPrecondition);
  CHECK(again.status().reason() == "MESSAGE_NOT_FOUND");
  // A list naming a message twice, or one never sent, fails the same way and consumes nothing.
  CHECK(f.Apply("p1", 14, {"2", "2"}).status().reason() == "MESSAGE_NOT_FOUND");
  CHECK(f.Apply("p1", 7, {"2", "99"}).status().reason() == "MESSAGE_NOT_FOUND");
  CHECK(f.Apply("p1", 7, {"02"}).status().reason() == "MESSAGE_NOT_FOUND");  // ids are exact
  got = f.entries->Get(Fixture::Name("p1"));
  CHECK(got->value == R"({"gold":5})");
  CHECK(got->pending_messages == 1);
  CHECK(got->revision == 2);

  // A new message gets a new id even after others were consumed; the mailbox survives a restart.
  REQUIRE(f.Apply("p1", 7, {"2"}).ok());
  CHECK(f.entries->Get(Fixture::Name("p1"))->pending_messages == 0);
  auto third = f.Send("p1", R"("hello")");
  REQUIRE(third.ok());
  CHECK(third->id == "3");
  f.entries.reset();
  f.mailbox.reset();
  f.Reopen();
  f.Make();
  listed = f.mailbox->List(Fixture::Name("p1"), std::nullopt, 10);
  REQUIRE(listed.ok());
  REQUIRE(listed->messages.size() == 1);
  CHECK(listed->messages[0].id == "3");
  CHECK(f.entries->Get(Fixture::Name("p1"))->pending_messages == 1);
}

TEST_CASE("A mailbox refuses messages past its limits and pages its list", "[datastore]") {
  Fixture f;
  EntryWrite write;
  write.value = R"({"gold":0})";
  REQUIRE(f.Await(f.entries->Create(Fixture::Name("p2"), write)).ok());
  CHECK(f.Send("p2", std::string(101, '1')).status().code() == StatusCode::kPayloadTooLarge);
  for (int i = 0; i < 3; ++i) REQUIRE(f.Send("p2", std::to_string(i)).ok());
  auto full = f.Send("p2", "3");
  CHECK(full.status().code() == StatusCode::kResourceExhausted);
  CHECK(full.status().reason() == "LIMIT_EXCEEDED");
  auto page = f.mailbox->List(Fixture::Name("p2"), std::nullopt, 2);
  REQUIRE(page.ok());
  REQUIRE(page->messages.size() == 2);
  REQUIRE(page->next_after);
  CHECK(*page->next_after == 2);
  page = f.mailbox->List(Fixture::Name("p2"), page->next_after, 2);
  REQUIRE(page.ok());
  REQUIRE(page->messages.size() == 1);
  CHECK(page->messages[0].id == "3");
  CHECK_FALSE(page->next_after);
  // Consuming makes room again.
  REQUIRE(f.Apply("p2", 1, {"1"}).ok());
  CHECK(f.Send("p2", "4").ok());
}

}  // namespace
}  // namespace strongbox::datastore
