#include "datastore/json_patch.h"

#include <catch2/catch.hpp>

namespace strongbox::datastore {
namespace {

using core::Json;

Json J(const char* text) { return *core::ParseJson(text); }

core::Result<Json> Apply(const char* value, const char* ops, PatchLimits limits = {}) {
  Json operations = J(ops);
  core::Status valid = ValidatePatchOperations(operations, limits);
  if (!valid.ok()) return valid;
  return ApplyPatch(J(value), operations, limits);
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
  // The client's mistake in its own words, not the JSON library's exception id.
  CHECK(missing.status().message().find("key 'nope' not found") != std::string::npos);
  CHECK(missing.status().message().find("json.exception") == std::string::npos);
  auto root = Apply(R"({"a":1})", R"([{"op":"remove","path":""}])");
  CHECK(root.status().message().find("json.exception") == std::string::npos);
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
    CHECK(ValidatePatchOperations(J(ops), {}).code() == core::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("increment takes whole numbers however they are spelled", "[datastore]") {
  // A client whose numbers are doubles sends 5.0; a value it stored reads back as 3.0.
  auto r = Apply(R"({"coins":3.0})",
                 R"([{"op":"increment","path":"/coins","value":5.0,"min":0.0,"max":1e3}])");
  REQUIRE(r.ok());
  CHECK(core::DumpCompact(*r) == R"({"coins":8})");
  CHECK(Apply(R"({"coins":3.5})", R"([{"op":"increment","path":"/coins","value":1}])")
            .status()
            .reason() == "NOT_A_NUMBER");
}

TEST_CASE("a patch cannot grow a value without bound", "[datastore]") {
  // Copying the whole document into a new member of itself doubles it and nests it a level
  // deeper each time.
  std::string ops = "[";
  for (int i = 0; i < 60; ++i) {
    ops += std::string(i ? "," : "") + R"({"op":"copy","from":"","path":"/c)" + std::to_string(i) +
           R"("})";
  }
  ops += "]";
  PatchLimits limits;
  limits.max_value_bytes = 1 << 20;
  auto grown = Apply(R"({"a":"xxxxxxxxxxxxxxxx"})", ops.c_str(), limits);
  REQUIRE_FALSE(grown.ok());
  CHECK(grown.status().reason() == "LIMIT_EXCEEDED");
  // Depth: each copy nests one level deeper; the limit stops it at the operation that passes it.
  limits.max_depth = 10;
  auto deep = Apply(R"({"a":1})", ops.c_str(), limits);
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().code() == core::StatusCode::kInvalidArgument);
  CHECK(deep.status().MetadataValue("limit") == "max_json_depth");
  CHECK(deep.status().MetadataValue("operationIndex") == "9");
  // Adding a value at a deep path counts the path too.
  limits.max_depth = 3;
  CHECK(Apply(R"({"a":{"b":{}}})", R"([{"op":"add","path":"/a/b/c","value":[1]}])", limits)
            .status()
            .MetadataValue("limit") == "max_json_depth");
  CHECK(Apply(R"({"a":{"b":{}}})", R"([{"op":"add","path":"/a/b/c","value":1}])", limits).ok());
  // Replacing a large member with a small one many times is not growth.
  limits = PatchLimits{};
  limits.max_value_bytes = 100;
  CHECK(Apply(R"({"s":"0123456789012345678901234567890123456789"})",
              R"([{"op":"replace","path":"/s","value":"01234567890123456789012345678901234567"},
                  {"op":"replace","path":"/s","value":"01234567890123456789012345678901234567"},
                  {"op":"replace","path":"/s","value":"01234567890123456789012345678901234567"}])",
              limits)
            .ok());
}

TEST_CASE("a patch has at most max_operations operations", "[datastore]") {
  PatchLimits limits;
  limits.max_operations = 2;
  const char* three = R"([{"op":"test","path":"","value":{}},{"op":"test","path":"","value":{}},
                          {"op":"test","path":"","value":{}}])";
  auto status = ValidatePatchOperations(J(three), limits);
  CHECK(status.code() == core::StatusCode::kInvalidArgument);
  CHECK(status.MetadataValue("limit") == "max_patch_operations");
  limits.max_operations = 3;
  CHECK(ValidatePatchOperations(J(three), limits).ok());
}

TEST_CASE("array indexes nlohmann cannot resolve are PATH_NOT_FOUND, not an exception",
          "[datastore]") {
  // Found by tests/fuzz/json_patch_fuzz.cc: json_pointer::contains threw out_of_range.
  for (const char* ops : {R"([{"op":"increment","path":"/slots/","value":5}])",
                          R"([{"op":"increment","path":"/slots/99999999999999999999","value":5}])",
                          R"([{"op":"replace","path":"/slots/","value":5}])",
                          R"([{"op":"replace","path":"/slots/99999999999999999999","value":5}])",
                          R"([{"op":"add","path":"/slots/99999999999999999999","value":5}])",
                          R"([{"op":"copy","from":"/slots/","path":"/x"}])"}) {
    INFO(ops);
    auto r = Apply(R"({"slots":[1]})", ops);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().reason() == "PATH_NOT_FOUND");
  }
}

TEST_CASE("add, copy and move into a scalar or null are PATH_NOT_FOUND and change nothing",
          "[datastore]") {
  // Found by tests/fuzz/json_patch_fuzz.cc: nlohmann asserted on add at "/stats/level/-" with
  // level a number (RFC 6902 §4.1 wants an existing object or array as the parent).
  for (const char* ops : {R"([{"op":"add","path":"/level/-","value":"bow"}])",
                          R"([{"op":"add","path":"/name/x","value":1}])",
                          R"([{"op":"add","path":"/flag/0","value":1}])",
                          R"([{"op":"add","path":"/none/x","value":1}])",
                          R"([{"op":"copy","from":"/name","path":"/level/-"}])",
                          R"([{"op":"move","from":"/name","path":"/flag/x"}])"}) {
    INFO(ops);
    auto r = Apply(R"({"level":3,"name":"Ana","flag":true,"none":null})", ops);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().reason() == "PATH_NOT_FOUND");
    CHECK(r.status().MetadataValue("operationIndex") == "0");
  }
  CHECK(*Apply(R"({"a":{"b":[]}})", R"([{"op":"add","path":"/a/b/-","value":1}])") ==
        J(R"({"a":{"b":[1]}})"));
}

TEST_CASE("appending at the end of an array (/-) is bounded like any other insert", "[datastore]") {
  // JSON Pointer cannot probe `/-` after the fact, so the bounds measure the operand first.
  std::string ops = "[";
  for (int i = 0; i < 40; ++i) {
    ops += std::string(i ? "," : "") + R"({"op":"copy","from":"","path":"/-"})";
  }
  ops += "]";
  PatchLimits limits;
  limits.max_value_bytes = 1 << 20;
  auto doubled = Apply(R"(["0123456789012345678901234567890123456789"])", ops.c_str(), limits);
  REQUIRE_FALSE(doubled.ok());
  CHECK(doubled.status().reason() == "LIMIT_EXCEEDED");
  limits.max_depth = 3;
  CHECK(Apply(R"({"a":[]})", R"([{"op":"add","path":"/a/-","value":[[1]]}])", limits)
            .status()
            .MetadataValue("limit") == "max_json_depth");
  CHECK(Apply(R"({"a":[]})", R"([{"op":"add","path":"/a/-","value":[1]}])", limits).ok());
}

}  // namespace
}  // namespace strongbox::datastore
