#include "api/sorted_map_fields.h"

#include <cmath>
#include <string>

#include "api/request_fields.h"
#include "core/json_util.h"
#include "core/strings.h"
#include "core/time_format.h"

namespace strongbox::api {

using core::Result;
using core::Status;
using memstore::SortKey;

namespace {

void SkipSpaces(std::string_view* in) {
  while (!in->empty() && in->front() == ' ') in->remove_prefix(1);
}

// A double-quoted string with \" and \\ escapes, consumed from the front of `in`.
bool TakeQuoted(std::string_view* in, std::string* out) {
  if (in->empty() || in->front() != '"') return false;
  in->remove_prefix(1);
  while (!in->empty()) {
    char c = in->front();
    in->remove_prefix(1);
    if (c == '"') return true;
    if (c == '\\') {
      if (in->empty() || (in->front() != '"' && in->front() != '\\')) return false;
      c = in->front();
      in->remove_prefix(1);
    }
    out->push_back(c);
  }
  return false;
}

// A JSON-style number, consumed up to the next space or '&'.
bool TakeNumber(std::string_view* in, double* out) {
  size_t end = 0;
  while (end < in->size() && (*in)[end] != ' ' && (*in)[end] != '&') ++end;
  const std::string_view text = in->substr(0, end);
  if (text.empty()) return false;
  // JSON's number grammar, checked by the JSON parser: strtod alone also took "0x10", "inf"
  // and "1e" forms no JSON client writes (helper-32: `sortKey > 0x10` meant 16). The value is
  // still strtod's, which keeps -0's sign (the JSON parser reads "-0" as the integer 0).
  auto parsed = core::ParseJson(text);
  if (!parsed.ok() || !parsed->is_number()) return false;
  const std::string digits(text);
  char* parsed_end = nullptr;
  const double v = std::strtod(digits.c_str(), &parsed_end);
  if (parsed_end != digits.c_str() + digits.size() || !std::isfinite(v)) return false;
  *out = v;
  in->remove_prefix(end);
  return true;
}

}  // namespace

Status ParseSortedMapFilter(std::string_view text, memstore::SortedMapService::ListQuery* query) {
  const Status bad = Status::InvalidArgument(
      "Invalid filter; use clauses `id > \"a\"`, `id < \"b\"`, `sortKey > 10`, `sortKey < \"x\"` "
      "(exclusive bounds, strings double-quoted) joined by &&.");
  std::string_view in = text;
  SkipSpaces(&in);
  while (!in.empty()) {
    bool is_id;
    if (in.substr(0, 2) == "id") {
      is_id = true;
      in.remove_prefix(2);
    } else if (core::EqualsIgnoreCase(in.substr(0, 7), "sortKey")) {
      is_id = false;
      in.remove_prefix(7);
    } else {
      return bad;
    }
    SkipSpaces(&in);
    if (in.empty() || (in.front() != '<' && in.front() != '>')) return bad;
    const bool above = in.front() == '>';
    in.remove_prefix(1);
    SkipSpaces(&in);
    std::string text_value;
    double number = 0;
    const bool quoted = !in.empty() && in.front() == '"';
    if (quoted ? !TakeQuoted(&in, &text_value) : (is_id || !TakeNumber(&in, &number))) return bad;
    // Every clause must hold: a second bound on the same side keeps the tighter of the two
    // (the higher lower bound, the lower upper bound), never just the last one written.
    if (is_id) {
      std::optional<std::string>& bound = above ? query->id_above : query->id_below;
      if (!bound || (above ? text_value > *bound : text_value < *bound)) bound = text_value;
    } else {
      const SortKey key = quoted ? SortKey::String(text_value) : SortKey::Number(number);
      std::optional<SortKey>& bound = above ? query->sort_key_above : query->sort_key_below;
      // Compared as they are stored (numbers, then strings): the encoding keeps that order.
      std::string candidate, current;
      memstore::PutSortKey(&candidate, key);
      if (bound) memstore::PutSortKey(&current, *bound);
      if (!bound || (above ? candidate > current : candidate < current)) bound = key;
    }
    SkipSpaces(&in);
    if (in.empty()) break;
    if (in.substr(0, 2) != "&&") return bad;
    in.remove_prefix(2);
    SkipSpaces(&in);
    if (in.empty()) return bad;
  }
  return Status::Ok();
}

Result<bool> ParseSortedMapDescending(std::string_view text) {
  const std::string order = core::ToLowerAscii(text);
  if (order.empty() || order == "asc" || order == "id asc") return false;
  if (order == "desc" || order == "id desc") return true;
  return Status::InvalidArgument("Invalid orderBy; use \"asc\" (the default) or \"desc\".");
}

Result<memstore::SortedMapService::ItemWrite> DecodeItemWrite(const core::Json& body) {
  memstore::SortedMapService::ItemWrite write;
  const core::Json* value = core::FindMember(body, "value", /*ignore_case=*/true);
  if (value == nullptr) return Status::InvalidArgument("Field 'value' is required.");
  write.value = core::DumpCompact(*value);
  SB_ASSIGN_OR_RETURN(write.ttl, GetOptionalDuration(body, "ttl", /*ignore_case=*/true));
  const core::Json* numeric = core::FindMember(body, "numericSortKey", true);
  const core::Json* string_key = core::FindMember(body, "stringSortKey", true);
  if (numeric != nullptr && !numeric->is_null() && string_key != nullptr &&
      !string_key->is_null()) {
    return Status::InvalidArgument("Give numericSortKey or stringSortKey, not both.");
  }
  if (numeric != nullptr && !numeric->is_null()) {
    if (!numeric->is_number()) return Status::InvalidArgument("numericSortKey must be a number.");
    write.sort_key = SortKey::Number(numeric->get<double>());
  } else if (string_key != nullptr && !string_key->is_null()) {
    if (!string_key->is_string()) {
      return Status::InvalidArgument("stringSortKey must be a string.");
    }
    write.sort_key = SortKey::String(string_key->get<std::string>());
  }
  return write;
}

void AppendSortedMapItem(std::string* out, const memstore::SortedMapName& name,
                         const memstore::SortedMapItem& item, std::string_view collection) {
  out->append("{\"path\":");
  core::AppendJsonString(out, "cloud/v2/universes/" + std::to_string(name.universe) +
                                  "/memory-store/" + std::string(collection) + "/" +
                                  core::PercentEncodeSegment(name.map) + "/items/" +
                                  core::PercentEncodeSegment(item.id));
  out->append(",\"id\":");
  core::AppendJsonString(out, item.id);
  out->append(",\"value\":").append(item.record.value);
  out->append(",\"etag\":");
  core::AppendJsonString(out, memstore::FormatEtag(item.record));
  out->append(",\"expireTime\":");
  core::AppendJsonString(out, core::FormatRfc3339(item.record.expire_time));
  const SortKey& key = item.record.sort_key;
  if (key.kind == SortKey::Kind::kNumber) {
    out->append(",\"numericSortKey\":").append(core::FormatJsonNumber(key.number));
  } else if (key.kind == SortKey::Kind::kString) {
    out->append(",\"stringSortKey\":");
    core::AppendJsonString(out, key.text);
  }
  out->push_back('}');
}

}  // namespace strongbox::api
