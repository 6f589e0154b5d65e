#include "api/ordered_fields.h"

#include <string>

#include "core/strings.h"

namespace strongbox::api {

using core::Result;
using core::Status;

Result<leaderboard::SortOrder> ParseSortOrder(std::string_view text) {
  const std::string order = core::ToLowerAscii(text);
  if (order.empty() || order == "asc" || order == "value" || order == "value asc") {
    return leaderboard::SortOrder::kAscending;
  }
  if (order == "desc" || order == "value desc") return leaderboard::SortOrder::kDescending;
  return Status::InvalidArgument(
      "Invalid order; use \"value\" (ascending, the default) or \"value desc\" (\"asc\" and "
      "\"desc\" also work).");
}

Result<leaderboard::ValueRange> ParseValueFilter(std::string_view text) {
  leaderboard::ValueRange range;
  if (text.empty()) return range;
  const Status bad = Status::InvalidArgument(
      "Invalid filter; the accepted forms are \"entry >= N\", \"entry <= N\" and "
      "\"entry >= N && entry <= N\" (single spaces, N a 64-bit integer).");
  constexpr std::string_view kLower = "entry >= ";
  constexpr std::string_view kUpper = "entry <= ";
  constexpr std::string_view kAnd = " && ";
  std::string_view rest = text;
  if (rest.substr(0, kLower.size()) == kLower) {
    rest.remove_prefix(kLower.size());
    const size_t end = std::min(rest.find(' '), rest.size());
    auto min = core::ParseInt64(rest.substr(0, end));
    if (!min) return bad;
    range.min = *min;
    rest.remove_prefix(end);
    if (rest.empty()) return range;
    if (rest.substr(0, kAnd.size()) != kAnd) return bad;
    rest.remove_prefix(kAnd.size());
  }
  if (rest.substr(0, kUpper.size()) != kUpper) return bad;
  rest.remove_prefix(kUpper.size());
  auto max = core::ParseInt64(rest);
  if (!max) return bad;
  range.max = *max;
  return range;
}

Result<int64_t> RequiredInt64(const core::Json& body, std::string_view name) {
  auto value = core::GetOptionalInt64(body, name);
  if (value.ok() && value->has_value()) return **value;
  return Status::InvalidArgument(
      "Field '" + std::string(name) +
      "' is required: an integer from -9223372036854775808 to 9223372036854775807.");
}

}  // namespace strongbox::api
