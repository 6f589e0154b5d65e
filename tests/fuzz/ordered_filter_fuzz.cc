// Fuzz target: the ordered data store list parameters (api/ordered_fields): the value filter
// (`entry >= N && entry <= M`) and the sort order.
//
// Checks:
//   - a filter that parses is empty text or has a bound, and its canonical text parses back to
//     the same bounds; an error is kInvalidArgument;
//   - an order parses exactly when it is one of the documented words, in any case.

#include <cstdint>
#include <string>
#include <string_view>

#include "api/ordered_fields.h"
#include "core/strings.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto range = api::ParseValueFilter(input);
  if (range.ok()) {
    FUZZ_CHECK(input.empty() || range->min || range->max);
    std::string canonical;
    if (range->min) canonical = "entry >= " + std::to_string(*range->min);
    if (range->min && range->max) canonical += " && ";
    if (range->max) canonical += "entry <= " + std::to_string(*range->max);
    auto again = api::ParseValueFilter(canonical);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->min == range->min);
    FUZZ_CHECK(again->max == range->max);
  } else {
    FUZZ_CHECK(range.status().code() == core::StatusCode::kInvalidArgument);
  }

  auto order = api::ParseSortOrder(input);
  const std::string lower = core::ToLowerAscii(input);
  const bool known = lower.empty() || lower == "asc" || lower == "desc" || lower == "value" ||
                     lower == "value asc" || lower == "value desc";
  FUZZ_CHECK(order.ok() == known);
  if (order.ok()) {
    const bool descending = lower == "desc" || lower == "value desc";
    FUZZ_CHECK((*order == leaderboard::SortOrder::kDescending) == descending);
  }
  return 0;
}
