#include "api/request_fields.h"

#include <algorithm>

#include "core/strings.h"
#include "core/time_format.h"

namespace strongbox::api {

core::Result<bool> QueryBool(const http::Request& request, std::string_view name, bool fallback) {
  auto v = request.Query(name);
  if (!v) return fallback;
  if (core::EqualsIgnoreCase(*v, "true")) return true;
  if (core::EqualsIgnoreCase(*v, "false")) return false;
  return core::Status::InvalidArgument("Query parameter '" + std::string(name) +
                                       "' must be true or false.");
}

core::Result<std::optional<int64_t>> QueryInt64(const http::Request& request,
                                                std::string_view name) {
  auto v = request.Query(name);
  if (!v) return std::optional<int64_t>();
  const core::WholeNumber n = core::ParseWholeNumber(*v);
  if (n.error) {
    return core::Status::InvalidArgument(
        core::WholeNumberMessage("Query parameter '" + std::string(name) + "'", *n.error));
  }
  return std::optional<int64_t>(n.value);
}

core::Result<size_t> QueryPageSize(const http::Request& request, std::string_view name,
                                   size_t fallback, size_t max) {
  SB_ASSIGN_OR_RETURN(auto n, QueryInt64(request, name));
  if (!n) return fallback;
  if (*n < 0) {
    return core::Status::InvalidArgument("Query parameter '" + std::string(name) +
                                         "' must be a non-negative integer.");
  }
  if (*n == 0) return fallback;
  return std::min(static_cast<size_t>(*n), max);
}

core::Result<std::optional<std::chrono::nanoseconds>> QueryDuration(const http::Request& request,
                                                                    std::string_view name) {
  auto text = request.Query(name);
  if (!text) return std::optional<std::chrono::nanoseconds>();
  auto parsed = core::ParseDuration(*text);
  if (!parsed.ok()) {
    return core::Status::InvalidArgument("Query parameter '" + std::string(name) +
                                         "' must be a duration such as \"30s\".");
  }
  return std::optional<std::chrono::nanoseconds>(*parsed);
}

core::Result<std::string> ParseIdStartsWithFilter(const http::Request& request) {
  auto filter = request.Query("filter");
  if (!filter) return std::string();
  const core::Status bad = core::Status::InvalidArgument(
      "Invalid filter; the accepted form is id.startsWith(\"prefix\").");
  std::string_view f = *filter;
  constexpr std::string_view kOpen = "id.startsWith(\"";
  if (f.substr(0, kOpen.size()) != kOpen || f.size() < kOpen.size() + 2 ||
      f.substr(f.size() - 2) != "\")") {
    return bad;
  }
  f = f.substr(kOpen.size(), f.size() - kOpen.size() - 2);
  std::string prefix;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '"') return bad;
    if (f[i] == '\\') {
      if (i + 1 >= f.size() || (f[i + 1] != '"' && f[i + 1] != '\\')) return bad;
      ++i;
    }
    prefix.push_back(f[i]);
  }
  return prefix;
}

core::Result<std::optional<std::chrono::nanoseconds>> GetOptionalDuration(const core::Json& body,
                                                                          std::string_view name,
                                                                          bool ignore_case) {
  using Out = std::optional<std::chrono::nanoseconds>;
  const core::Json* field = core::FindMember(body, name, ignore_case);
  if (field == nullptr || field->is_null()) return Out();
  if (field->is_string()) {
    SB_ASSIGN_OR_RETURN(auto d, core::ParseDuration(field->get_ref<const std::string&>()));
    return Out(d);
  }
  if (field->is_number()) {
    if (auto d = core::DurationFromSeconds(field->get<double>())) return Out(*d);
  }
  return core::Status::InvalidArgument("Field '" + std::string(name) +
                                       "' must be a duration such as \"30s\".");
}

core::Result<core::Json> JsonObjectBody(const http::Request& request) {
  if (request.body.empty()) return core::Json::object();
  SB_ASSIGN_OR_RETURN(core::Json body, core::ParseJson(request.body));
  if (!body.is_object()) {
    return core::Status::InvalidArgument("Request body must be a JSON object.");
  }
  return body;
}

core::Status RefuseUnknownMembers(const core::Json& object, std::string_view where,
                                  std::span<const std::string_view> known, bool ignore_case) {
  std::vector<bool> seen(known.size(), false);
  for (const auto& [member, value] : object.items()) {
    size_t i = 0;
    for (std::string_view k : known) {
      if (ignore_case ? core::EqualsIgnoreCase(member, k) : member == k) break;
      ++i;
    }
    if (i == known.size()) {
      std::string names;
      for (std::string_view k : known) names += (names.empty() ? "" : ", ") + std::string(k);
      return core::Status::InvalidArgument("Unknown member '" + member + "' in '" +
                                           std::string(where) + "' (it takes " +
                                           (names.empty() ? "nothing" : names) + ").");
    }
    if (seen[i]) {
      return core::Status::InvalidArgument("'" + std::string(where) + "' names '" +
                                           std::string(known[i]) + "' twice (in two spellings).");
    }
    seen[i] = true;
  }
  return core::Status::Ok();
}

}  // namespace strongbox::api
