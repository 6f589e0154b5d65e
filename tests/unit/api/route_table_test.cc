// The route table as the server declares it (api/*_routes.cc): complete, with known scope names,
// only health public, every POST/PATCH/DELETE a write route. Built from the real registrations.

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "api/server_routes.h"
#include "gate/access_gate.h"

namespace strongbox::api {
namespace {

const gate::RouteSpec* Find(const gate::RouteTable& table, std::string_view method,
                            std::string_view pattern) {
  for (const auto& spec : table.specs()) {
    if (spec.method == method && spec.pattern == pattern) return &spec;
  }
  return nullptr;
}

TEST_CASE(
    "the route table: complete, known scope names, only health and the console's files are "
    "public",
    "[api]") {
  Services services;
  const gate::RouteTable table = ServerRoutes(services);
  REQUIRE(table.Validate().ok());
  const auto& names = ops::KnownScopeNames();
  for (const auto& spec : table.specs()) {
    INFO(spec.method << " " << spec.pattern);
    for (auto scope : spec.scopes) {
      CHECK(std::find(names.begin(), names.end(), scope) != names.end());
    }
    if (spec.access == gate::Access::kPublic) {
      CHECK((spec.pattern == "/healthz" || spec.pattern == "/readyz" ||
             spec.pattern.starts_with("/console")));
      CHECK(spec.method == "GET");
    }
    // Any valid key, whatever its scopes, reads only itself.
    if (spec.access == gate::Access::kAnyKey) CHECK(spec.pattern == "/admin/v1/caller");
    if (spec.pattern.rfind("/admin/", 0) == 0 && spec.access != gate::Access::kAnyKey) {
      CHECK(spec.scopes == std::vector<std::string_view>{ops::kAdminScope});
    }
    // Every POST/PATCH/DELETE is a write, but for the batch reads that take their ids in a body.
    CHECK(spec.mutates() == (spec.method != "GET" && !spec.read_by_post));
    if (spec.read_by_post) CHECK(spec.pattern.ends_with(":batchGet"));
    // Only :commit checks scopes per operation, and it alone declares none.
    CHECK(spec.scopes_per_operation == spec.pattern.ends_with("}:commit"));
    if (spec.access == gate::Access::kKeyed && !spec.scopes_per_operation) {
      CHECK_FALSE(spec.scopes.empty());
    }
    // The one opt-out from the lock guard is the contract's (api.md §5).
    if (spec.mutates() && spec.guard == gate::Guard::kRefused) {
      CHECK(spec.pattern == "/cloud/v2/universes/{universe}/memory-store:flush");
    }
  }
}

TEST_CASE("an incomplete declaration stops the server at start", "[api]") {
  auto read = [](http::Request&) -> boost::asio::awaitable<core::Result<http::Response>> {
    co_return http::JsonResponse(200, "{}");
  };
  auto write = [](http::Request&,
                  gate::RequestWrite&) -> boost::asio::awaitable<core::Result<http::Response>> {
    co_return http::JsonResponse(200, "{}");
  };
  auto rejects = [](gate::RouteSpec spec, std::string_view why) {
    gate::RouteTable table;
    table.Add(std::move(spec));
    core::Status s = table.Validate();
    INFO(s.ToString());
    CHECK(s.code() == core::StatusCode::kInternal);
    CHECK(s.message().find(why) != std::string::npos);
  };
  const auto family = ops::RateFamily::kAdmin;
  rejects({.method = "GET", .pattern = "/x", .family = family, .read = read}, "no scopes");
  rejects({.method = "GET", .pattern = "/x", .scopes = {"admin"}, .read = read},
          "no rate-limit family");
  rejects({.method = "POST", .pattern = "/x", .scopes = {"admin"}, .family = family, .read = read},
          "write handler");
  rejects({.method = "GET", .pattern = "/x", .scopes = {"admin"}, .family = family, .write = write},
          "a GET cannot be a write route");
  rejects({.method = "PATCH",
           .pattern = "/x",
           .scopes = {"admin"},
           .family = family,
           .read = read,
           .read_by_post = true},
          "read_by_post needs a POST");
  rejects({.method = "PUT", .pattern = "/x", .scopes = {"admin"}, .family = family, .read = read},
          "method");
  gate::RouteTable twice;
  for (int i = 0; i < 2; ++i) {
    twice.Add(
        {.method = "GET", .pattern = "/x", .scopes = {"admin"}, .family = family, .read = read});
  }
  CHECK(twice.Validate().message().find("declared twice") != std::string::npos);
}

TEST_CASE("what a request needs: universe and data store from path or query", "[api]") {
  Services services;
  const gate::RouteTable table = ServerRoutes(services);
  const auto* v2 =
      Find(table, "GET", "/cloud/v2/universes/{universe}/data-stores/{dataStore}/entries/{entry}");
  REQUIRE(v2 != nullptr);
  http::Request request;
  request.params = {{"universe", "42"}, {"dataStore", "Inventory"}, {"entry", "a"}};
  auto need = gate::NeedOf(*v2, request);
  REQUIRE(need.ok());
  CHECK(need->universe == 42);
  CHECK(need->data_store == std::optional<std::string_view>("Inventory"));
  CHECK(std::vector<std::string_view>(need->names.begin(), need->names.end()) ==
        std::vector<std::string_view>{"universe-datastores.objects:read"});

  const auto* v1 = Find(table, "POST",
                        "/datastores/v1/universes/{universe}/standard-datastores/datastore/"
                        "entries/entry");
  REQUIRE(v1 != nullptr);
  CHECK(v1->surface == gate::Surface::kStandardV1);
  http::Request set;
  set.params = {{"universe", "42"}};
  set.query = {{"datastoreName", "Coins"}};
  need = gate::NeedOf(*v1, set);
  REQUIRE(need.ok());
  CHECK(need->data_store == std::optional<std::string_view>("Coins"));
  CHECK(need->names.size() == 2);  // create and update

  request.params["universe"] = "nope";
  CHECK(gate::NeedOf(*v2, request).status().code() == core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strongbox::api
