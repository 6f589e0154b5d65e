#include "http/router.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace strongbox::http {
namespace {

namespace asio = boost::asio;

// Echoes which route ran and what it captured.
Handler Echo(std::string name) {
  return [name](Request& r) -> asio::awaitable<core::Result<Response>> {
    nlohmann::json j;
    j["route"] = name;
    j["verb"] = r.verb;
    for (const auto& [k, v] : r.params) j["params"][k] = v;
    co_return JsonResponse(200, j.dump());
  };
}

Response Run(const Router& router, std::string method, std::string target) {
  Request req;
  req.method = std::move(method);
  req.target = target;
  REQUIRE(ParseTarget(target, &req.path, &req.query));
  asio::io_context ioc;
  auto fut = asio::co_spawn(ioc, router.Dispatch(req), asio::use_future);
  ioc.run();
  return fut.get();
}

Router MakeRouter() {
  Router r;
  r.Add("GET", "/v2/u/{universe}/entries/{entry}", Echo("get"));
  r.Add("POST", "/v2/u/{universe}/entries/{entry}:increment", Echo("increment"));
  r.Add("GET", "/v2/u/{universe}/entries/{entry}:listRevisions", Echo("revisions"));
  r.Add("POST", "/v2/u/{universe}/data-stores:snapshot", Echo("snapshot"));
  r.Add("GET", "/v2/u/{universe}/entries/special", Echo("literal"));
  r.Add("GET", "/v2/u/{universe}/failing", [](Request&) -> asio::awaitable<core::Result<Response>> {
    co_return core::Status::FailedPrecondition("guard failed").WithReason("TEST_FAILED");
  });
  return r;
}

nlohmann::json Body(const Response& r) { return nlohmann::json::parse(r.body); }

TEST_CASE("captures are percent-decoded and the verb split at the last literal colon", "[http]") {
  Router router = MakeRouter();
  auto r = Run(router, "POST", "/v2/u/42/entries/users%3A42:increment");
  REQUIRE(r.status == 200);
  CHECK(Body(r)["route"] == "increment");
  CHECK(Body(r)["params"]["entry"] == "users:42");
  CHECK(Body(r)["params"]["universe"] == "42");
}

TEST_CASE("an unencoded colon that names no verb stays part of the id", "[http]") {
  Router router = MakeRouter();
  auto r = Run(router, "GET", "/v2/u/42/entries/users:42");
  REQUIRE(r.status == 200);
  CHECK(Body(r)["route"] == "get");
  CHECK(Body(r)["params"]["entry"] == "users:42");
  auto revisions = Run(router, "GET", "/v2/u/42/entries/users:42:listRevisions");
  CHECK(Body(revisions)["route"] == "revisions");
  CHECK(Body(revisions)["params"]["entry"] == "users:42");
}

TEST_CASE("literal routes with a verb and literal segments win over captures", "[http]") {
  Router router = MakeRouter();
  CHECK(Body(Run(router, "POST", "/v2/u/1/data-stores:snapshot"))["route"] == "snapshot");
  CHECK(Body(Run(router, "GET", "/v2/u/1/entries/special"))["route"] == "literal");
}

TEST_CASE("repeated slashes count as one", "[http]") {
  Router router = MakeRouter();
  auto r = Run(router, "GET", "//v2//u/7///entries/k?x=1");
  REQUIRE(r.status == 200);
  CHECK(Body(r)["params"]["entry"] == "k");
}

TEST_CASE("unknown routes, wrong methods and bad escapes answer JSON errors", "[http]") {
  Router router = MakeRouter();
  auto missing = Run(router, "GET", "/v2/nothing/here");
  CHECK(missing.status == 404);
  CHECK(Body(missing)["code"] == "NOT_FOUND");
  auto wrong_method = Run(router, "DELETE", "/v2/u/1/entries/k");
  CHECK(wrong_method.status == 405);
  CHECK(Body(wrong_method)["code"] == "METHOD_NOT_ALLOWED");
  // RFC 9110 §15.5.6: a 405 says which methods the path takes.
  auto allow = std::find_if(wrong_method.headers.begin(), wrong_method.headers.end(),
                            [](const auto& h) { return h.first == "allow"; });
  REQUIRE(allow != wrong_method.headers.end());
  CHECK(allow->second == "GET");
  auto bad = Run(router, "GET", "/v2/u/1/entries/bad%zz");
  CHECK(bad.status == 400);
  CHECK(Body(bad)["code"] == "INVALID_ARGUMENT");
}

TEST_CASE("a handler's error status becomes the error body", "[http]") {
  Router router = MakeRouter();
  auto r = Run(router, "GET", "/v2/u/1/failing");
  CHECK(r.status == 412);
  CHECK(Body(r)["details"][0]["reason"] == "TEST_FAILED");
}

TEST_CASE("query parsing: decoding, plus as space, empty equals absent", "[http]") {
  Request req;
  REQUIRE(ParseTarget("/p?filter=&id=a%3Ab+c&flag", &req.path, &req.query));
  CHECK(req.path == "/p");
  CHECK(req.Query("id") == std::optional<std::string_view>("a:b c"));
  CHECK_FALSE(req.Query("filter").has_value());
  CHECK_FALSE(req.Query("flag").has_value());
  CHECK_FALSE(ParseTarget("/p?x=%G1", &req.path, &req.query));
}

}  // namespace
}  // namespace strongbox::http

namespace strongbox::http {
namespace {

TEST_CASE("custom methods on a capture after routes without one", "[http]") {
  Router router;
  router.Add("POST", "/v2/u/{universe}/entries", Echo("create"));
  router.Add("GET", "/v2/u/{universe}/entries/{entry}", Echo("get"));
  router.Add("POST", "/v2/u/{universe}/entries/{entry}:increment", Echo("increment"));
  router.Add("GET", "/v2/u/{universe}/entries/{entry}:listRevisions", Echo("revisions"));
  auto r = Run(router, "POST", "/v2/u/42/entries/c:increment");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(Body(r)["route"] == "increment");
  CHECK(Body(Run(router, "GET", "/v2/u/42/entries/c:listRevisions"))["route"] == "revisions");
}

TEST_CASE("fixed segments and verbs match in any case, captures keep theirs", "[http]") {
  Router r = MakeRouter();
  auto b = Body(Run(r, "POST", "/V2/U/42/ENTRIES/Users%3A7:Increment"));
  CHECK(b["route"] == "increment");
  CHECK(b["params"]["entry"] == "Users:7");  // the id exactly as sent
  CHECK(Body(Run(r, "GET", "/v2/u/42/entries/SPECIAL"))["route"] == "literal");
  CHECK(Body(Run(r, "GET", "/v2/u/42/entries/x:LISTREVISIONS"))["route"] == "revisions");
}

TEST_CASE("query parameter names match in any case", "[http]") {
  Request req;
  REQUIRE(ParseTarget("/p?AllScopes=True&datastorename=D", &req.path, &req.query));
  CHECK(req.Query("allScopes") == std::optional<std::string_view>("True"));
  CHECK(req.Query("datastoreName") == std::optional<std::string_view>("D"));
  CHECK_FALSE(req.Query("scope").has_value());
}

}  // namespace
}  // namespace strongbox::http
