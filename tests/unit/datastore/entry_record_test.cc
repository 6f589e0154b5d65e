#include "datastore/entry_record.h"

#include <catch2/catch.hpp>

namespace strongbox::datastore {
namespace {

TEST_CASE("entry records round-trip", "[datastore]") {
  EntryRecord r;
  r.value = R"({"gold":5,"name":"a\u0000b"})";
  r.create_time = core::FromUnixNanos(1'700'000'000'000'000'001);
  r.revision_time = core::FromUnixNanos(1'700'000'000'500'000'000);
  r.revision = 42;
  r.users = {7, 9'007'199'254'740'993};
  r.attributes = R"({"tier":"gold"})";
  auto back = DecodeEntryRecord(EncodeEntryRecord(r));
  REQUIRE(back.ok());
  CHECK(back->value == r.value);
  CHECK(back->create_time == r.create_time);
  CHECK(back->revision_time == r.revision_time);
  CHECK(back->revision == 42);
  CHECK_FALSE(back->deleted);
  CHECK(back->users == r.users);
  CHECK(back->attributes == r.attributes);

  r.deleted = true;
  r.value.clear();
  auto tombstone = DecodeEntryRecord(EncodeEntryRecord(r));
  REQUIRE(tombstone.ok());
  CHECK(tombstone->deleted);
}

TEST_CASE("records start with their format version and corrupt ones are refused", "[datastore]") {
  EntryRecord r;
  r.value = "1";
  const std::string bytes = EncodeEntryRecord(r);
  CHECK(static_cast<uint8_t>(bytes[0]) == kEntryRecordFormat);
  CHECK_FALSE(DecodeEntryRecord("").ok());
  CHECK_FALSE(DecodeEntryRecord(bytes.substr(0, bytes.size() - 1)).ok());
  CHECK_FALSE(DecodeEntryRecord(bytes + "x").ok());
  std::string wrong_version = bytes;
  wrong_version[0] = '\x7F';
  CHECK_FALSE(DecodeEntryRecord(wrong_version).ok());
}

}  // namespace
}  // namespace strongbox::datastore

#include "datastore/catalog.h"
#include "store/value_codec.h"

namespace strongbox::datastore {
namespace {

TEST_CASE("catalog rows round-trip and format 1 rows read as active", "[datastore]") {
  DataStoreInfo info;
  info.create_time = core::FromUnixNanos(5);
  info.deleted = true;
  info.delete_time = core::FromUnixNanos(9);
  auto back = DecodeDataStoreInfo(EncodeDataStoreInfo(info));
  REQUIRE(back.ok());
  CHECK(back->deleted);
  CHECK(back->delete_time == info.delete_time);
  CHECK(CheckNotDeleted(EncodeDataStoreInfo(info)).code() == core::StatusCode::kNotFound);
  std::string v1(1, '\x01');
  store::PutVarsint64(&v1, 42);
  auto old = DecodeDataStoreInfo(v1);
  REQUIRE(old.ok());
  CHECK(core::ToUnixNanos(old->create_time) == 42);
  CHECK_FALSE(old->deleted);
  CHECK(CheckNotDeleted(std::nullopt).ok());
  CHECK_FALSE(DecodeDataStoreInfo("\x07").ok());
}

}  // namespace
}  // namespace strongbox::datastore
