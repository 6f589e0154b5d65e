#include "api/route_access.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

namespace strongbox::api {
namespace {

TEST_CASE("the access table: one row per route, known scope names, only health is public",
          "[api]") {
  std::set<std::string> seen;
  const auto& names = ops::KnownScopeNames();
  for (const auto& row : RouteAccessTable()) {
    INFO(row.method << " " << row.pattern);
    CHECK(seen.insert(row.method + " " + row.pattern).second);
    for (auto scope : row.scopes) {
      CHECK(std::find(names.begin(), names.end(), scope) != names.end());
    }
    if (row.kind == RouteAccess::Kind::kPublic) {
      CHECK((row.pattern == "/healthz" || row.pattern == "/readyz"));
    } else {
      CHECK_FALSE(row.scopes.empty());
    }
    if (row.pattern.rfind("/admin/", 0) == 0) {
      CHECK(row.scopes == std::vector<std::string_view>{ops::kAdminScope});
    }
  }
  CHECK(FindRouteAccess({"GET", "/nowhere", http::ErrorStyle::kCloudV2}).status().code() ==
        core::StatusCode::kInternal);
}

TEST_CASE("what a request needs: universe and data store from path or query", "[api]") {
  auto v2 = FindRouteAccess(
      {"GET", "/cloud/v2/universes/{universe}/data-stores/{dataStore}/entries/{entry}",
       http::ErrorStyle::kCloudV2});
  REQUIRE(v2.ok());
  http::Request request;
  request.params = {{"universe", "42"}, {"dataStore", "Inventory"}, {"entry", "a"}};
  auto need = NeedOf(**v2, request);
  REQUIRE(need.ok());
  CHECK(need->universe == 42);
  CHECK(need->data_store == std::optional<std::string_view>("Inventory"));
  CHECK(std::vector<std::string_view>(need->names.begin(), need->names.end()) ==
        std::vector<std::string_view>{"universe-datastores.objects:read"});

  auto v1 = FindRouteAccess({"POST",
                             "/datastores/v1/universes/{universe}/standard-datastores/datastore/"
                             "entries/entry",
                             http::ErrorStyle::kStandardV1});
  REQUIRE(v1.ok());
  http::Request set;
  set.params = {{"universe", "42"}};
  set.query = {{"datastoreName", "Coins"}};
  need = NeedOf(**v1, set);
  REQUIRE(need.ok());
  CHECK(need->data_store == std::optional<std::string_view>("Coins"));
  CHECK(need->names.size() == 2);  // create and update

  request.params["universe"] = "nope";
  CHECK(NeedOf(**v2, request).status().code() == core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strongbox::api
