#include "api/entry_json.h"

#include <catch2/catch.hpp>

namespace strongbox::api {
namespace {

TEST_CASE("the entry resource is valid JSON with the contract's fields", "[api]") {
  datastore::EntryName name;
  name.universe = 42;
  name.data_store = "Inv/entory";
  name.key = "users:7 \"q\"";
  datastore::EntryRecord record;
  record.value = R"({"gold":9007199254740993})";
  record.revision = 3;
  record.users = {7, 8};
  record.attributes = R"({"tier":"vip"})";
  auto j = core::ParseJson(EntryResourceJson(name, /*scoped=*/true, record));
  REQUIRE(j.ok());
  CHECK((*j)["path"] ==
        "universes/42/data-stores/Inv%2Fentory/scopes/global/entries/users:7%20%22q%22");
  CHECK((*j)["id"] == name.key);
  CHECK((*j)["value"]["gold"].get<int64_t>() == 9007199254740993);
  CHECK((*j)["users"] == core::Json::array({"users/7", "users/8"}));
  CHECK((*j)["attributes"]["tier"] == "vip");
  CHECK((*j)["state"] == "ACTIVE");
  CHECK((*j)["etag"] == (*j)["revisionId"]);
  CHECK((*j)["createTime"] == "1970-01-01T00:00:00Z");

  record.deleted = true;
  auto tombstone = core::ParseJson(EntryResourceJson(name, /*scoped=*/false, record));
  REQUIRE(tombstone.ok());
  CHECK((*tombstone)["state"] == "DELETED");
  CHECK_FALSE(tombstone->contains("value"));
  CHECK((*tombstone)["path"] == "universes/42/data-stores/Inv%2Fentory/entries/users:7%20%22q%22");
}

TEST_CASE("entry writes are decoded and validated", "[api]") {
  auto w = DecodeEntryWrite(
      *core::ParseJson(R"({"value":{"a" : 1},"users":["users/7",8],"attributes":{"x":true}})"));
  REQUIRE(w.ok());
  CHECK(w->value == R"({"a":1})");
  CHECK(w->users == std::vector<int64_t>{7, 8});
  CHECK(w->attributes == R"({"x":true})");
  CHECK(DecodeEntryWrite(*core::ParseJson(R"({"value":null})"))->value == "null");
  CHECK_FALSE(DecodeEntryWrite(*core::ParseJson(R"({"users":[]})")).ok());
  CHECK_FALSE(DecodeEntryWrite(*core::ParseJson(R"({"value":1,"users":"users/7"})")).ok());
  CHECK_FALSE(DecodeEntryWrite(*core::ParseJson(R"({"value":1,"users":["users/-1"]})")).ok());
  CHECK_FALSE(DecodeEntryWrite(*core::ParseJson(R"({"value":1,"attributes":"x"})")).ok());
}

}  // namespace
}  // namespace strongbox::api
