// Fuzz target: core::ParseJson, the one parser of untrusted JSON (request bodies, stored
// values, the config file), and DumpCompact, the canonical form values are stored and answered
// in.
//
// Checks: a document that parses serializes to compact text that parses back to an equal value
// and serializes to the same text again; a document that does not parse is kInvalidArgument.
// Deep nesting is ParseJson's to refuse (its depth limit), never a stack overflow here.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_util.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox::core;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto parsed = ParseJson(input);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  const std::string compact = DumpCompact(*parsed);
  auto again = ParseJson(compact);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *parsed);
  FUZZ_CHECK(DumpCompact(*again) == compact);
  return 0;
}
