#include "core/json_util.h"

#include <cmath>

#include "core/strings.h"

namespace strongbox::core {

Result<Json> ParseJson(std::string_view text) {
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
  if (!ignore_case) {
    auto it = obj.find(name);
    return it == obj.end() ? nullptr : &*it;
  }
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

Result<std::optional<int64_t>> GetOptionalInt64(const Json& obj, std::string_view name,
                                                bool ignore_case) {
  const Json* m = FindMember(obj, name, ignore_case);
  if (m == nullptr || m->is_null()) return std::optional<int64_t>();
  if (m->is_number_integer() && !(m->is_number_unsigned() && m->get<uint64_t>() > INT64_MAX)) {
    return std::optional<int64_t>(m->get<int64_t>());
  }
  if (m->is_string()) {
    // proto3 JSON writes int64 as a string; accept it.
    if (auto v = ParseInt64(m->get_ref<const std::string&>())) return std::optional<int64_t>(*v);
  }
  return Status::InvalidArgument("Field '" + std::string(name) + "' must be a 64-bit integer.");
}

}  // namespace strongbox::core
