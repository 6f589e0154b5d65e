// Fuzz target: the memory-store sorted map list parameters (api/sorted_map_fields): the filter
// (`sortKey > 10 && id < "b"`, quoted strings with \" and \\ escapes) and orderBy.
//
// Checks:
//   - a filter that parses has a canonical text (each bound once, numbers with 17 significant
//     digits, strings re-escaped) that parses back to the same bounds; an error is
//     kInvalidArgument and says so;
//   - orderBy parses exactly when it is one of the documented words, in any case.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "api/sorted_map_fields.h"
#include "core/strings.h"
#include "fuzz/fuzz_check.h"

namespace strongbox::api {
namespace {

using memstore::SortKey;
using ListQuery = memstore::SortedMapService::ListQuery;

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string KeyText(const SortKey& key) {
  if (key.kind == SortKey::Kind::kString) return Quoted(key.text);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", key.number);
  return buf;
}

std::string Canonical(const ListQuery& q) {
  std::string out;
  auto clause = [&out](const std::string& text) {
    if (!out.empty()) out += " && ";
    out += text;
  };
  if (q.id_above) clause("id > " + Quoted(*q.id_above));
  if (q.id_below) clause("id < " + Quoted(*q.id_below));
  if (q.sort_key_above) clause("sortKey > " + KeyText(*q.sort_key_above));
  if (q.sort_key_below) clause("sortKey < " + KeyText(*q.sort_key_below));
  return out;
}

bool SameKey(const std::optional<SortKey>& a, const std::optional<SortKey>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->kind == b->kind && a->number == b->number && a->text == b->text);
}

}  // namespace
}  // namespace strongbox::api

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox;
  using namespace strongbox::api;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  ListQuery query;
  core::Status status = ParseSortedMapFilter(input, &query);
  if (status.ok()) {
    const std::string canonical = Canonical(query);
    ListQuery again;
    FUZZ_CHECK(ParseSortedMapFilter(canonical, &again).ok());
    FUZZ_CHECK(again.id_above == query.id_above);
    FUZZ_CHECK(again.id_below == query.id_below);
    FUZZ_CHECK(SameKey(again.sort_key_above, query.sort_key_above));
    FUZZ_CHECK(SameKey(again.sort_key_below, query.sort_key_below));
    FUZZ_CHECK(Canonical(again) == canonical);
  } else {
    FUZZ_CHECK(status.code() == core::StatusCode::kInvalidArgument);
  }

  auto descending = ParseSortedMapDescending(input);
  const std::string lower = core::ToLowerAscii(input);
  const bool asc = lower.empty() || lower == "asc" || lower == "id asc";
  const bool desc = lower == "desc" || lower == "id desc";
  FUZZ_CHECK(descending.ok() == (asc || desc));
  if (descending.ok()) FUZZ_CHECK(*descending == desc);
  return 0;
}
