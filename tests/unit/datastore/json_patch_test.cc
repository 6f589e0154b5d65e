#include "datastore/json_patch.h"

#include <catch2/catch.hpp>

namespace strongbox::datastore {
namespace {

using core::Json;

Json J(const char* text) { return *core::ParseJson(text); }

core::Result<Json> Apply(const char* value, const char* ops) {
  Json operations = J(ops);
  core::Status valid = ValidatePatchOperations(operations);
  if (!valid.ok()) return valid;
  return ApplyPatch(J(value), operations);
}

TEST_CASE("RFC 6902 operations apply in order", "[datastore]") {
  auto r = Apply(R"({"a":1,"list":[1,2]})", R"([
      {"op":"add","path":"/b","value":{"c":true}},
      {"op":"replace","path":"/a","value":2},
      {"op":"remove","path":"/list/0"},
      {"op":"copy","from":"/a","path":"/a2"},
      {"op":"move","from":"/b","path":"/moved"},
      {"op":"test","path":"/moved/c","value":true}])");
  REQUIRE(r.ok());
  CHECK(*r == J(R"({"a":2,"a2":2,"list":[2],"moved":{"c":true}})"));
}

TEST_CASE("increment with bounds, missing members counting as zero", "[datastore]") {
  CHECK(*Apply(R"({"coins":10})", R"([{"op":"increment","path":"/coins","value":-4}])") ==
        J(R"({"coins":6})"));
  CHECK(*Apply(R"({})", R"([{"op":"increment","path":"/gems","value":3}])") == J(R"({"gems":3})"));
  CHECK(*Apply("5", R"([{"op":"increment","path":"","value":3}])") == J("8"));
  auto below =
      Apply(R"({"coins":10})", R"([{"op":"increment","path":"/coins","value":-11,"min":0}])");
  CHECK(below.status().code() == core::StatusCode::kFailedPrecondition);
  CHECK(below.status().reason() == "BELOW_MIN");
  CHECK(below.status().MetadataValue("operationIndex") == "0");
  auto above =
      Apply(R"({"coins":10})", R"([{"op":"increment","path":"/coins","value":5,"max":12}])");
  CHECK(above.status().reason() == "ABOVE_MAX");
  auto overflow =
      Apply(R"({"n":9223372036854775807})", R"([{"op":"increment","path":"/n","value":1}])");
  CHECK(overflow.status().reason() == "ABOVE_MAX");
  CHECK(Apply(R"({"s":"x"})", R"([{"op":"increment","path":"/s","value":1}])").status().reason() ==
        "NOT_A_NUMBER");
  CHECK(Apply(R"({"f":1.5})", R"([{"op":"increment","path":"/f","value":1}])").status().reason() ==
        "NOT_A_NUMBER");
  CHECK(Apply(R"({})", R"([{"op":"increment","path":"/a/b","value":1}])").status().reason() ==
        "PATH_NOT_FOUND");
}

TEST_CASE("failures name the operation and change nothing", "[datastore]") {
  auto test_failed = Apply(R"({"a":1})", R"([{"op":"replace","path":"/a","value":5},
                                              {"op":"test","path":"/a","value":1}])");
  CHECK(test_failed.status().code() == core::StatusCode::kFailedPrecondition);
  CHECK(test_failed.status().reason() == "TEST_FAILED");
  CHECK(test_failed.status().MetadataValue("operationIndex") == "1");
  auto missing = Apply(R"({"a":1})", R"([{"op":"remove","path":"/nope"}])");
  CHECK(missing.status().reason() == "PATH_NOT_FOUND");
  CHECK(Apply(R"({"a":1})", R"([{"op":"replace","path":"/x/y","value":1}])").status().reason() ==
        "PATH_NOT_FOUND");
}

TEST_CASE("malformed operations are INVALID_ARGUMENT", "[datastore]") {
  for (const char* ops :
       {"[]", "{}", R"([{"path":"/a"}])", R"([{"op":"frobnicate","path":"/a"}])",
        R"([{"op":"add","path":"a","value":1}])", R"([{"op":"add","path":"/a"}])",
        R"([{"op":"move","path":"/a"}])", R"([{"op":"increment","path":"/a","value":"1"}])",
        R"([{"op":"increment","path":"/a","value":1.5}])",
        R"([{"op":"increment","path":"/a","value":1,"min":"0"}])"}) {
    INFO(ops);
    CHECK(ValidatePatchOperations(J(ops)).code() == core::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace strongbox::datastore
