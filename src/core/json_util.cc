#include "core/json_util.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <utility>
#include <vector>

#include "core/strings.h"

namespace strongbox::core {

namespace {
std::atomic<size_t> max_json_depth{kDefaultMaxJsonDepth};
}  // namespace

void SetMaxJsonDepth(size_t depth) { max_json_depth.store(depth, std::memory_order_relaxed); }
size_t MaxJsonDepth() { return max_json_depth.load(std::memory_order_relaxed); }

Status CheckJsonDepth(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char c = *p++;
    if (c == '"') {
      // Skip the string: its brackets are text. An escape hides the byte after it.
      while (p < end && *p != '"') {
        if (*p == '\\' && p + 1 < end) ++p;
        ++p;
      }
      if (p < end) ++p;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Status::InvalidArgument("JSON nested deeper than " + std::to_string(max_depth) +
                                       " arrays/objects (config max_json_depth).")
            .WithReason("LIMIT_EXCEEDED")
            .WithMetadata("limit", "max_json_depth")
            .WithMetadata("value", std::to_string(max_depth));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return Status::Ok();
}

JsonExtent MeasureJson(const Json& value, size_t max_depth, size_t max_bytes) {
  JsonExtent extent;
  // An explicit stack of (value, depth): no recursion, whatever the value's shape.
  std::vector<std::pair<const Json*, size_t>> stack;
  stack.emplace_back(&value, 0);
  while (!stack.empty()) {
    auto [j, depth] = stack.back();
    stack.pop_back();
    extent.bytes += 1;
    if (j->is_string()) {
      extent.bytes += j->get_ref<const std::string&>().size();
    } else if (j->is_object() || j->is_array()) {
      extent.depth = std::max(extent.depth, depth + 1);
      if (j->is_object()) {
        for (auto it = j->begin(); it != j->end(); ++it) {
          extent.bytes += it.key().size() + 3;
          stack.emplace_back(&*it, depth + 1);
        }
      } else {
        for (const Json& element : *j) stack.emplace_back(&element, depth + 1);
      }
    }
    if (extent.depth > max_depth || extent.bytes > max_bytes) break;
  }
  return extent;
}

Result<Json> ParseJson(std::string_view text) {
  SB_RETURN_IF_ERROR(CheckJsonDepth(text, MaxJsonDepth()));
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("Malformed JSON.");
  return j;
}

std::string DumpCompact(const Json& j) {
  // Values were validated as UTF-8 on parse; `replace` keeps dump() from ever throwing.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

const Json* FindMember(const Json& obj, std::string_view name, bool ignore_case) {
  if (!obj.is_object()) return nullptr;
  // The exact spelling first: a body that spells a field twice in different cases gets the
  // documented one, whatever the member order (objects iterate by byte order, "Ttl" first).
  if (auto exact = obj.find(name); exact != obj.end()) return &*exact;
  if (!ignore_case) return nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (EqualsIgnoreCase(it.key(), name)) return &*it;
  }
  return nullptr;
}

Result<std::optional<std::string>> GetOptionalString(const Json& obj, std::string_view name,
                                                     bool ignore_case) {
  const Json* m = FindMember(obj, name, ignore_case);
  if (m == nullptr || m->is_null()) return std::optional<std::string>();
  if (!m->is_string()) {
    return Status::InvalidArgument("Field '" + std::string(name) + "' must be a string.");
  }
  return std::optional<std::string>(m->get_ref<const std::string&>());
}

Result<std::optional<bool>> GetOptionalBool(const Json& obj, std::string_view name,
                                            bool ignore_case) {
  const Json* m = FindMember(obj, name, ignore_case);
  if (m == nullptr || m->is_null()) return std::optional<bool>();
  if (!m->is_boolean()) {
    return Status::InvalidArgument("Field '" + std::string(name) + "' must be a boolean.");
  }
  return std::optional<bool>(m->get<bool>());
}

std::string FormatJsonNumber(double v) {
  if (std::trunc(v) == v && std::fabs(v) < 9.0e15) return std::to_string(static_cast<int64_t>(v));
  return Json(v).dump();
}

namespace {

WholeNumber ToWholeNumber(const Json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return {0, WholeNumberError::kOutOfRange};
    return {static_cast<int64_t>(u), std::nullopt};
  }
  if (value.is_number_integer()) return {value.get<int64_t>(), std::nullopt};
  if (value.is_number_float()) return WholeNumberFromDouble(value.get<double>());
  // proto3 JSON writes int64 as a decimal string; accept that form only (a string is no
  // JSON number, so "1e3" is not one).
  if (value.is_string()) {
    if (auto v = ParseInt64(value.get_ref<const std::string&>())) return {*v, std::nullopt};
  }
  return {0, WholeNumberError::kNotANumber};
}

}  // namespace

Result<int64_t> JsonToInt64(const Json& value, std::string_view what) {
  const WholeNumber n = ToWholeNumber(value);
  if (n.error) return Status::InvalidArgument(WholeNumberMessage(what, *n.error));
  return n.value;
}

bool IsWholeInt64(const Json& value) { return !ToWholeNumber(value).error.has_value(); }

std::optional<uint64_t> JsonToUint64(const Json& value) {
  if (value.is_string()) return ParseUint64(value.get_ref<const std::string&>());
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (!value.is_number()) return std::nullopt;
  const WholeNumber n = ToWholeNumber(value);
  if (n.error || n.value < 0) return std::nullopt;
  return static_cast<uint64_t>(n.value);
}

Result<std::optional<int64_t>> GetOptionalInt64(const Json& obj, std::string_view name,
                                                bool ignore_case) {
  const Json* m = FindMember(obj, name, ignore_case);
  if (m == nullptr || m->is_null()) return std::optional<int64_t>();
  SB_ASSIGN_OR_RETURN(int64_t v, JsonToInt64(*m, "Field '" + std::string(name) + "'"));
  return std::optional<int64_t>(v);
}

}  // namespace strongbox::core
