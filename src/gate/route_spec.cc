#include "gate/route_spec.h"

#include <set>
#include <utility>

namespace strongbox::gate {

core::Status RouteTable::Validate() const {
  std::set<std::pair<std::string, std::string>> seen;
  for (const RouteSpec& spec : specs_) {
    auto incomplete = [&spec](const std::string& why) {
      return core::Status::Internal("route " + spec.method + " " + spec.pattern + ": " + why);
    };
    if (spec.method != "GET" && spec.method != "POST" && spec.method != "PATCH" &&
        spec.method != "DELETE") {
      return incomplete("method must be GET, POST, PATCH or DELETE");
    }
    if (spec.pattern.empty() || spec.pattern.front() != '/') {
      return incomplete("pattern must start with /");
    }
    if (!seen.emplace(spec.method, spec.pattern).second) return incomplete("declared twice");
    if (static_cast<bool>(spec.read) == static_cast<bool>(spec.write)) {
      return incomplete("needs exactly one handler, read or write");
    }
    // api.md §1: every POST/PATCH/DELETE takes Idempotency-Key and the lock guard.
    if (spec.method == "GET" && spec.mutates()) return incomplete("a GET cannot be a write route");
    if (spec.read_by_post && (spec.method != "POST" || spec.mutates())) {
      return incomplete("read_by_post needs a POST with a read handler");
    }
    if (spec.method != "GET" && !spec.mutates() && !spec.read_by_post) {
      return incomplete("a POST, PATCH or DELETE must be declared with a write handler");
    }
    if (spec.redact_stored && spec.commits != Commits::kMany) {
      return incomplete("redact_stored applies to Commits::kMany routes only");
    }
    switch (spec.access) {
      case Access::kPublic:
        if (!spec.scopes.empty()) return incomplete("a public route takes no scopes");
        break;
      case Access::kAnyKey:
        if (!spec.scopes.empty()) return incomplete("an any-key route takes no scopes");
        if (!spec.family) return incomplete("no rate-limit family declared");
        break;
      case Access::kMetrics:
      case Access::kKeyed:
        if (spec.scopes.empty() && !spec.scopes_per_operation) {
          return incomplete("no scopes declared");
        }
        if (spec.access == Access::kKeyed && !spec.family) {
          return incomplete("no rate-limit family declared");
        }
        break;
    }
  }
  return core::Status::Ok();
}

}  // namespace strongbox::gate
