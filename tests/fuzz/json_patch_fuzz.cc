// Fuzz target: `:patch` bodies (datastore/json_patch): RFC 6902 operations plus the bounded
// increment, validated and then applied.
//
// Input: JSON, either {"value": <document>, "operations": [...]} or a bare operations array
// applied to a small player document. Checks:
//   - validation and application never throw (nlohmann's exceptions must all become Status);
//   - a rejected operation list is kInvalidArgument; one naming an operation names one that
//     exists;
//   - a failed application names an operation that exists, with one of the documented
//     reasons: kFailedPrecondition for a failed test, bound or path, LIMIT_EXCEEDED for growth
//     past the default PatchLimits;
//   - a successful one is a value ParseJson reads back equal from its compact form (so it can
//     be stored and read again), and only `test` operations leave the document as it was.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_util.h"
#include "core/strings.h"
#include "datastore/json_patch.h"
#include "fuzz/fuzz_check.h"

namespace {

bool ValidOperationIndex(const strongbox::core::Status& status, size_t count) {
  auto index = strongbox::core::ParseUint64(status.MetadataValue("operationIndex"));
  return index && *index < count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox;
  using core::Json;
  auto parsed = core::ParseJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.ok()) return 0;
  Json value = Json::parse(R"({"coins":100,"inventory":["sword","shield"],)"
                           R"("stats":{"level":3,"xp":1200},"name":"Ana"})");
  Json operations = *parsed;
  if (parsed->is_object() && parsed->contains("operations")) {
    operations = (*parsed)["operations"];
    value = parsed->value("value", Json());
  }

  const datastore::PatchLimits limits;
  const core::Status valid = datastore::ValidatePatchOperations(operations, limits);
  if (!valid.ok()) {
    FUZZ_CHECK(valid.code() == core::StatusCode::kInvalidArgument);
    if (valid.reason() == "INVALID_OPERATION") {
      FUZZ_CHECK(ValidOperationIndex(valid, operations.size()));
    }
    return 0;
  }

  auto patched = datastore::ApplyPatch(value, operations, limits);
  if (!patched.ok()) {
    const core::Status& failed = patched.status();
    const std::string& reason = failed.reason();
    if (reason == "LIMIT_EXCEEDED") {
      FUZZ_CHECK(failed.code() == core::StatusCode::kInvalidArgument ||
                 failed.code() == core::StatusCode::kPayloadTooLarge);
    } else {
      FUZZ_CHECK(failed.code() == core::StatusCode::kFailedPrecondition);
      FUZZ_CHECK(reason == "TEST_FAILED" || reason == "BELOW_MIN" || reason == "ABOVE_MAX" ||
                 reason == "PATH_NOT_FOUND" || reason == "NOT_A_NUMBER");
    }
    FUZZ_CHECK(ValidOperationIndex(failed, operations.size()));
    return 0;
  }
  auto reread = core::ParseJson(core::DumpCompact(*patched));
  FUZZ_CHECK(reread.ok());
  FUZZ_CHECK(*reread == *patched);
  bool only_tests = true;
  for (const Json& op : operations) only_tests = only_tests && op["op"] == "test";
  if (only_tests) FUZZ_CHECK(*patched == value);
  return 0;
}
