// API keys, scopes, the bootstrap key and the keys command over the real binary (api.md §7).

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

const std::string kInvalidKeyBody = R"({"errors":[{"code":0,"message":"Invalid API Key"}]})";

// Creates a key through the admin API and returns its secret.
std::string CreateKey(HttpClient& admin, const json& scopes, const std::string& name = "test",
                      std::optional<std::string> expire = std::nullopt) {
  json body = {{"name", name}, {"scopes", scopes}};
  if (expire) body["expireTime"] = *expire;
  auto r = admin.Post("/admin/v1/api-keys", body.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json()["secret"];
}

json Scope(const std::string& name, const std::string& universe = "42") {
  return json::array({{{"universe", universe}, {"scope", name}}});
}

struct Probe {
  std::string scope;  // the one scope this request needs
  std::string method;
  std::string target;
  std::string body;
};

// One request per scope name of api.md §7, all on universe 42.
std::vector<Probe> Probes() {
  const std::string ds = "/cloud/v2/universes/42/data-stores";
  const std::string ms = "/cloud/v2/universes/42/memory-store";
  const std::string od = "/cloud/v2/universes/42/ordered-data-stores/B/scopes/global/entries";
  return {
      {"universe-datastores.objects:read", "GET", ds + "/S/entries/a", ""},
      {"universe-datastores.objects:create", "POST", ds + "/S/entries?id=new", R"({"value":1})"},
      {"universe-datastores.objects:update", "PATCH", ds + "/S/entries/a?allowMissing=true",
       R"({"value":2})"},
      {"universe-datastores.objects:delete", "DELETE", ds + "/S/entries/gone", ""},
      {"universe-datastores.objects:list", "GET", ds + "/S/entries", ""},
      {"universe-datastores.versions:read", "GET",
       "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry/versions/"
       "version?datastoreName=S&entryKey=a&versionId=x",
       ""},
      {"universe-datastores.versions:list", "GET", ds + "/S/entries/a:listRevisions", ""},
      {"universe-datastores.control:list", "GET", ds, ""},
      {"universe-datastores.control:create", "POST", ds + "/S:undelete", ""},
      {"universe-datastores.control:delete", "DELETE", ds + "/Missing", ""},
      {"universe.ordered-data-store.scope.entry:read", "GET", od, ""},
      {"universe.ordered-data-store.scope.entry:write", "POST", od + "/p1:increment",
       R"({"amount":1})"},
      {"memory-store.sorted-map:read", "GET", ms + "/sorted-maps/M/items", ""},
      {"memory-store.sorted-map:write", "POST", ms + "/sorted-maps/M/items?id=i1",
       R"({"value":1,"ttl":"60s"})"},
      {"memory-store.hash-map:read", "GET", ms + "/hash-maps/H/items", ""},
      {"memory-store.hash-map:write", "POST", ms + "/hash-maps/H/items?id=i1",
       R"({"value":1,"ttl":"60s"})"},
      {"memory-store.queue:add", "POST", ms + "/queues/Q/items", R"({"data":1,"ttl":"60s"})"},
      {"memory-store.queue:dequeue", "GET", ms + "/queues/Q/items:read", ""},
      {"memory-store.queue:discard", "POST", ms + "/queues/Q/items:discard?readId=none", ""},
      {"memory-store:flush", "GET", ms + "/operations/none", ""},
      {"session-locks:read", "GET", "/cloud/v2/universes/42/session-locks", ""},
      {"session-locks:write", "POST", "/cloud/v2/universes/42/session-locks/L:acquire",
       R"({"owner":"a","ttl":"30s"})"},
      {"admin", "GET", "/admin/v1/api-keys", ""},
  };
}

TEST_CASE("only /healthz and /readyz answer without a key, 401 has the contract's body",
          "[integration]") {
  ServerFixture f;
  HttpClient anonymous(f.server.port());
  CHECK(anonymous.Get("/healthz").status == 200);
  CHECK(anonymous.Get("/readyz").status == 200);
  for (const auto& probe : Probes()) {
    INFO(probe.method << " " << probe.target);
    auto r = anonymous.Send(probe.method, probe.target, probe.body);
    CHECK(r.status == 401);
    CHECK(r.body == kInvalidKeyBody);
  }
  HttpClient wrong(f.server.port(), "sb_admin_" + std::string(64, '0'));
  CHECK(wrong.Get(kEntries + "/a").body == kInvalidKeyBody);
  // Bearer works as well as x-api-key, and nothing was written by the refused requests.
  auto bearer = anonymous.Send("GET", kEntries + "/new", "",
                               {{"authorization", "Bearer " + f.server.admin_key()}});
  CHECK(bearer.status == 404);
}

TEST_CASE("the scope matrix: each scope opens exactly its routes", "[integration]") {
  ServerFixture f;
  const auto probes = Probes();
  for (const auto& own : probes) {
    if (own.scope == "admin") continue;  // admin opens everything: checked below
    HttpClient client(f.server.port(), CreateKey(*f.client, Scope(own.scope)));
    for (const auto& probe : probes) {
      INFO("key with " << own.scope << " → " << probe.method << " " << probe.target);
      auto r = client.Send(probe.method, probe.target, probe.body);
      CHECK(r.status != 401);
      if (probe.scope == own.scope) {
        CHECK(r.status != 403);
      } else {
        CHECK(r.status == 403);
      }
    }
  }
  // The admin key reaches every route.
  for (const auto& probe : probes) {
    INFO(probe.method << " " << probe.target);
    auto r = f.client->Send(probe.method, probe.target, probe.body);
    CHECK(r.status != 401);
    CHECK(r.status != 403);
  }
}

TEST_CASE("a scope holds for its universe and its named data stores only", "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Patch(kEntries + "/a?allowMissing=true", R"({"value":1})").status == 200);
  json narrowed = {{{"universe", "42"},
                    {"scope", "universe-datastores.objects:read"},
                    {"dataStores", {"Inventory"}}}};
  HttpClient reader(f.server.port(), CreateKey(*f.client, narrowed));
  CHECK(reader.Get(kEntries + "/a").status == 200);
  CHECK(reader.Get("/cloud/v2/universes/42/data-stores/Other/entries/a").status == 403);
  CHECK(reader.Get("/cloud/v2/universes/43/data-stores/Inventory/entries/a").status == 403);
  // v1 names the data store in the query.
  const std::string v1 =
      "/datastores/v1/universes/42/standard-datastores/datastore/entries/entry?entryKey=a&"
      "datastoreName=";
  CHECK(reader.Get(v1 + "Inventory").status == 200);
  auto denied = reader.Get(v1 + "Other");
  CHECK(denied.status == 403);
  CHECK(denied.Json()["error"] == "PERMISSION_DENIED");
  // A wildcard universe.
  HttpClient everywhere(f.server.port(),
                        CreateKey(*f.client, Scope("universe-datastores.objects:read", "*")));
  CHECK(everywhere.Get("/cloud/v2/universes/43/data-stores/Inventory/entries/a").status == 404);
  // A refused write changes nothing.
  CHECK(reader.Patch(kEntries + "/a", R"({"value":99})").status == 403);
  CHECK(f.client->Get(kEntries + "/a").Json()["value"] == 1);
}

TEST_CASE(
    "keys: create shows the secret once, list and get never, revoked and expired keys "
    "get 401",
    "[integration]") {
  ServerFixture f;
  auto created = f.client->Post(
      "/admin/v1/api-keys",
      json{{"name", "game"}, {"scopes", Scope("universe-datastores.objects:read")}}.dump());
  REQUIRE(created.status == 200);
  const std::string id = created.Json()["id"];
  const std::string secret = created.Json()["secret"];
  CHECK(secret.size() >= 32 + 4);
  auto listed = f.client->Get("/admin/v1/api-keys");
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find(secret) == std::string::npos);
  CHECK(listed.Json()["apiKeys"].size() == 2);  // admin and game
  auto got = f.client->Get("/admin/v1/api-keys/" + id);
  CHECK(got.Json()["state"] == "ACTIVE");
  CHECK_FALSE(got.Json().contains("secret"));
  CHECK(f.client->Get("/admin/v1/api-keys/nope").status == 404);

  HttpClient game(f.server.port(), secret);
  CHECK(game.Get(kEntries + "/a").status == 404);
  REQUIRE(f.client->Delete("/admin/v1/api-keys/" + id).status == 200);
  CHECK(game.Get(kEntries + "/a").body == kInvalidKeyBody);
  CHECK(f.client->Get("/admin/v1/api-keys/" + id).Json()["state"] == "REVOKED");

  // Bad requests are 400 and create nothing.
  CHECK(f.client
            ->Post("/admin/v1/api-keys", R"({"name":"x","scopes":[{"universe":"42",)"
                                         R"("scope":"everything"}]})")
            .status == 400);
  CHECK(f.client->Post("/admin/v1/api-keys", R"({"name":"x"})").status == 400);
  // The feed's scope narrowed to a data store would never grant the feed: refused, said why.
  auto narrowed_feed = f.client->Post(
      "/admin/v1/api-keys", R"({"name":"x","scopes":[{"universe":"42","scope":"changes:read",)"
                            R"("dataStores":["Inventory"]}]})");
  CHECK(narrowed_feed.status == 400);
  CHECK(narrowed_feed.body.find("grant nothing") != std::string::npos);
  CHECK(f.client->Get("/admin/v1/api-keys").Json()["apiKeys"].size() == 2);

  // An expiring key works until its expireTime.
  const auto soon = std::chrono::system_clock::now() + std::chrono::seconds(2);
  const std::time_t t = std::chrono::system_clock::to_time_t(soon);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  HttpClient brief(f.server.port(),
                   CreateKey(*f.client, Scope("universe-datastores.objects:read"), "brief", when));
  CHECK(brief.Get(kEntries + "/a").status == 404);
  auto state_of = [&](const std::string& name) {
    const json keys_now = f.client->Get("/admin/v1/api-keys").Json();
    for (const json& key : keys_now["apiKeys"]) {
      if (key["name"] == name) return key["state"].get<std::string>();
    }
    return std::string("absent");
  };
  CHECK(state_of("brief") == "ACTIVE");
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  CHECK(brief.Get(kEntries + "/a").body == kInvalidKeyBody);
  // Listed as what it is now, not as it was made.
  CHECK(state_of("brief") == "EXPIRED");

  // Revocation survives a restart.
  f.Restart();
  HttpClient after(f.server.port(), secret);
  CHECK(after.Get(kEntries + "/a").status == 401);
}

TEST_CASE("bootstrap: admin.key is written once, mode 0600, and never logged", "[integration]") {
  ServerFixture f;
  const std::string path = f.server.data_dir() + "/admin.key";
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string secret = f.server.admin_key();
  CHECK(secret.size() >= 32);
  CHECK(f.server.Log().find(secret) == std::string::npos);
  CHECK(f.server.Log().find(path) != std::string::npos);
  f.Restart();
  CHECK(f.server.admin_key() == secret);  // the same key, not a new one
  CHECK(f.client->Get("/admin/v1/api-keys").Json()["apiKeys"].size() == 1);
}

TEST_CASE("an admin key file (--admin-key-file) supplies the admin secret instead of admin.key",
          "[integration]") {
  TempDir dir;
  const std::string secret = "compose-secret-0123456789abcdef";
  std::ofstream(dir.Child("admin_secret")) << secret << "\n";
  ServerProcess server(dir.path(), dir.Child("data"),
                       {"--admin-key-file", dir.Child("admin_secret")});
  server.Start();
  CHECK(server.admin_key().empty());  // no admin.key written
  HttpClient admin(server.port(), secret);
  CHECK(admin.Get("/admin/v1/api-keys").status == 200);
  CHECK(server.Log().find(secret) == std::string::npos);
  CHECK(server.Stop() == 0);
  // Any string of 16 or more characters, one shaped like a generated key ("sb_<id>_…") too.
  const std::string shaped = "sb_prod_0123456789abcdef";
  std::ofstream(dir.Child("admin_secret")) << shaped << "\n";
  server.Start();
  CHECK(HttpClient(server.port(), shaped).Get("/admin/v1/api-keys").status == 200);
  CHECK(HttpClient(server.port(), secret).Get("/admin/v1/api-keys").status == 401);
  CHECK(HttpClient(server.port(), "sb_prod_0123456789abcdeX").Get("/admin/v1/api-keys").status ==
        401);
  CHECK(server.Stop() == 0);
}

TEST_CASE("strongbox keys create/list/revoke work on a stopped server's data dir",
          "[integration][rocksdb]") {
  ServerFixture f;
  const std::string data = f.server.data_dir();
  std::string out;
  // While the server runs the database is locked: a clear failure, not a corruption.
  CHECK(RunStrongbox({"keys", "list", "--data-dir", data}, &out) != 0);
  REQUIRE(f.server.Stop() == 0);
  REQUIRE(RunStrongbox({"keys", "create", "--data-dir", data, "--name", "cli", "--scope",
                        "42/universe-datastores.objects:read/Inventory"},
                       &out) == 0);
  const json created = json::parse(out);
  const std::string secret = created["secret"];
  const std::string id = created["id"];
  CHECK(created["scopes"][0] == "42/universe-datastores.objects:read/Inventory");
  CHECK(RunStrongbox(
            {"keys", "create", "--data-dir", data, "--name", "bad", "--scope", "42/no-such-scope"},
            &out) != 0);
  REQUIRE(RunStrongbox({"keys", "list", "--data-dir", data}, &out) == 0);
  CHECK(out.find("\"cli\"") != std::string::npos);
  CHECK(out.find(secret) == std::string::npos);

  f.server.Start();
  HttpClient cli(f.server.port(), secret);
  CHECK(cli.Get(kEntries + "/a").status == 404);
  CHECK(cli.Get("/cloud/v2/universes/42/data-stores/Other/entries/a").status == 403);
  REQUIRE(f.server.Stop() == 0);
  REQUIRE(RunStrongbox({"keys", "revoke", "--data-dir", data, id}, &out) == 0);
  CHECK(out.find("REVOKED") != std::string::npos);
  f.server.Start();
  HttpClient revoked(f.server.port(), secret);
  CHECK(revoked.Get(kEntries + "/a").status == 401);
}

TEST_CASE("Idempotency-Key records belong to the key that made them", "[integration]") {
  ServerFixture f;
  json writer_scopes =
      json::array({{{"universe", "42"}, {"scope", "universe-datastores.objects:update"}},
                   {{"universe", "42"}, {"scope", "universe-datastores.objects:read"}}});
  HttpClient a(f.server.port(), CreateKey(*f.client, writer_scopes, "a"));
  HttpClient b(f.server.port(), CreateKey(*f.client, writer_scopes, "b"));
  const std::vector<std::pair<std::string, std::string>> idem = {{"Idempotency-Key", "buy-1"}};
  const std::string body = R"({"amount":5})";
  REQUIRE(a.Send("POST", kEntries + "/gold:increment", body, idem).status == 200);
  // The same Idempotency-Key from another API key is another request, not a replay.
  auto from_b = b.Send("POST", kEntries + "/gold:increment", body, idem);
  REQUIRE(from_b.status == 200);
  CHECK(from_b.Header("idempotent-replayed").empty());
  CHECK(from_b.Json()["value"] == 10);
  auto replay = a.Send("POST", kEntries + "/gold:increment", body, idem);
  CHECK(replay.Header("idempotent-replayed") == "true");
  CHECK(a.Get(kEntries + "/gold").Json()["value"] == 10);
}

}  // namespace
}  // namespace strongbox::testing
