#include "http/router.h"

#include <algorithm>

#include "core/strings.h"

namespace strongbox::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

void Router::Add(std::string method, std::string_view pattern, Handler handler) {
  Route r;
  r.method = std::move(method);
  r.handler = std::move(handler);
  r.info = RouteInfo{r.method, std::string(pattern), routes_.size()};
  auto parts = SplitPath(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (i + 1 == parts.size()) {
      // A ':' after the closing '}' (or anywhere in a literal) starts the custom method.
      size_t search_from = part.rfind('}');
      size_t colon = part.find(':', search_from == std::string_view::npos ? 0 : search_from);
      if (colon != std::string_view::npos) {
        r.verb = std::string(part.substr(colon + 1));
        part = part.substr(0, colon);
      }
    }
    Segment s;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      s.capture = true;
      s.text = std::string(part.substr(1, part.size() - 2));
    } else {
      s.text = std::string(part);
      ++r.literals;
    }
    r.segments.push_back(std::move(s));
  }
  routes_.push_back(std::move(r));
}

bool Router::Matches(const Route& route, const std::vector<std::string_view>& segments,
                     std::string_view last, std::string_view verb,
                     std::map<std::string, std::string>* params,
                     std::map<std::string, std::string>* raw_params, bool* bad_escape) {
  // Fixed segments and custom methods match case-insensitively (`orderedDatastores`, api.md §1);
  // captured ids, names and keys are taken as sent.
  if (route.segments.size() != segments.size() || !core::EqualsIgnoreCase(route.verb, verb)) {
    return false;
  }
  auto raw_at = [&](size_t i) { return i + 1 == segments.size() ? last : segments[i]; };
  // Literals first: most routes fail here, before anything is decoded or allocated.
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = route.segments[i];
    if (s.capture ? raw_at(i).empty() : !core::EqualsIgnoreCase(raw_at(i), s.text)) return false;
  }
  params->clear();
  raw_params->clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = route.segments[i];
    if (!s.capture) continue;
    auto decoded = core::PercentDecode(raw_at(i));
    if (!decoded) {
      *bad_escape = true;
      return false;
    }
    (*params)[s.text] = std::move(*decoded);
    (*raw_params)[s.text] = std::string(raw_at(i));
  }
  return true;
}

boost::asio::awaitable<Response> Router::Dispatch(Request& request) const {
  const auto segments = SplitPath(request.path);
  // Candidate (last segment, verb) splits: at the last literal ':' first, then none.
  std::vector<std::pair<std::string_view, std::string_view>> splits;
  if (!segments.empty()) {
    std::string_view last = segments.back();
    if (auto colon = last.rfind(':'); colon != std::string_view::npos) {
      splits.emplace_back(last.substr(0, colon), last.substr(colon + 1));
    }
    splits.emplace_back(last, std::string_view());
  }

  const Route* best = nullptr;
  std::map<std::string, std::string> best_params;
  std::map<std::string, std::string> best_raw_params;
  std::string best_verb;
  bool path_known = false;
  bool bad_escape = false;
  for (const auto& [last, verb] : splits) {
    for (const auto& route : routes_) {
      std::map<std::string, std::string> params;
      std::map<std::string, std::string> raw_params;
      if (!Matches(route, segments, last, verb, &params, &raw_params, &bad_escape)) continue;
      path_known = true;
      if (route.method != request.method) continue;
      if (best == nullptr || route.literals > best->literals) {
        best = &route;
        best_params = std::move(params);
        best_raw_params = std::move(raw_params);
        best_verb = std::string(verb);
      }
    }
    if (best != nullptr) break;
  }

  if (best == nullptr) {
    auto answer = [&](const core::Status& status) {
      return unrouted_ ? unrouted_(request, status) : ErrorResponse(status);
    };
    if (bad_escape) {
      co_return answer(core::Status::InvalidArgument("Malformed percent-encoding in path."));
    }
    if (path_known) {
      // The methods of the routes matching the path: gathered only here, off the routed path.
      std::vector<std::string_view> allowed;
      std::map<std::string, std::string> params;
      std::map<std::string, std::string> raw_params;
      for (const auto& [last, verb] : splits) {
        for (const auto& route : routes_) {
          if (Matches(route, segments, last, verb, &params, &raw_params, &bad_escape) &&
              std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
            allowed.push_back(route.method);
          }
        }
      }
      std::sort(allowed.begin(), allowed.end());
      std::string methods;
      for (std::string_view m : allowed) methods += (methods.empty() ? "" : ", ") + std::string(m);
      Response r = answer(core::Status::MethodNotAllowed(
          "Method " + request.method + " is not allowed on this path; it takes " + methods + "."));
      r.headers.emplace_back("allow", methods);
      co_return r;
    }
    co_return answer(
        core::Status::NotFound("No such route: " + request.method + " " + request.path));
  }
  request.params = std::move(best_params);
  request.raw_params = std::move(best_raw_params);
  request.verb = std::move(best_verb);
  if (interceptor_) {
    Response response = co_await interceptor_(request, best->info, best->handler);
    co_return response;
  }
  core::Result<Response> result = co_await best->handler(request);
  if (!result.ok()) co_return ErrorResponse(result.status());
  co_return std::move(result).value();
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const auto& route : routes_) out.push_back(route.info);
  return out;
}

}  // namespace strongbox::http
