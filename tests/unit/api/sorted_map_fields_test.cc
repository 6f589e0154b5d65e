#include "api/sorted_map_fields.h"

#include <catch2/catch.hpp>

namespace strongbox::api {
namespace {

using memstore::SortKey;

TEST_CASE("The sorted map filter takes id and sortKey bounds joined by &&", "[api]") {
  memstore::SortedMapService::ListQuery q;
  REQUIRE(
      ParseSortedMapFilter(R"(sortKey > 10 && sortKey < "b\"x" && id > "a" && id < "z")", &q).ok());
  REQUIRE(q.sort_key_above->kind == SortKey::Kind::kNumber);
  REQUIRE(q.sort_key_above->number == 10);
  REQUIRE(q.sort_key_below->kind == SortKey::Kind::kString);
  REQUIRE(q.sort_key_below->text == "b\"x");
  REQUIRE(*q.id_above == "a");
  REQUIRE(*q.id_below == "z");
  memstore::SortedMapService::ListQuery tight;
  REQUIRE(ParseSortedMapFilter("sortKey>-1.5&&id<\"k\"", &tight).ok());
  REQUIRE(tight.sort_key_above->number == -1.5);
  memstore::SortedMapService::ListQuery none;
  REQUIRE(ParseSortedMapFilter("", &none).ok());
  REQUIRE_FALSE(none.id_above.has_value());

  for (const char* bad : {"id > 5", "id >= \"a\"", "sortKey = 1", "name > \"a\"", "id > \"a\" &&",
                          "id > \"a", "sortKey > 1e999", "id > \"a\" || id < \"b\""}) {
    INFO(bad);
    memstore::SortedMapService::ListQuery ignored;
    REQUIRE(ParseSortedMapFilter(bad, &ignored).code() == core::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Sorted map items decode case-insensitively and refuse two sort keys", "[api]") {
  auto write = DecodeItemWrite(
      core::ParseJson(R"({"Value":{"a":1},"Ttl":"30s","NumericSortKey":2.5})").value());
  REQUIRE(write.ok());
  REQUIRE(write->value == R"({"a":1})");
  REQUIRE(*write->ttl == std::chrono::seconds(30));
  REQUIRE(write->sort_key.number == 2.5);
  REQUIRE(DecodeItemWrite(core::ParseJson(R"({"ttl":"1s"})").value()).status().code() ==
          core::StatusCode::kInvalidArgument);
  REQUIRE(DecodeItemWrite(
              core::ParseJson(R"({"value":1,"numericSortKey":1,"stringSortKey":"a"})").value())
              .status()
              .code() == core::StatusCode::kInvalidArgument);
  REQUIRE(*ParseSortedMapDescending("id desc"));
  REQUIRE_FALSE(*ParseSortedMapDescending(""));
  REQUIRE(ParseSortedMapDescending("sortKey").status().code() ==
          core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strongbox::api
