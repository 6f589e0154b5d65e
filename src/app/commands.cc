#include "app/commands.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <optional>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "ops/backups.h"
#include "ops/key_store.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"
#include "store/pg_cache.h"
#include "store/pg_connection.h"
#include "store/pg_schema.h"

namespace strongbox::app {

namespace {

using core::Json;

constexpr const char* kKeysUsage =
    "usage: strongbox keys create --data-dir D --name N --scope UNIVERSE/SCOPE[/STORE,...] "
    "[--scope ...] [--expire-time RFC3339]\n"
    "       strongbox keys list --data-dir D\n"
    "       strongbox keys revoke --data-dir D KEY_ID\n"
    "UNIVERSE is an id or *; e.g. --scope '*/admin' or "
    "--scope 42/universe-datastores.objects:read/PlayerData\n";

// --name value pairs (repeatable) and the remaining positional words.
struct Args {
  std::multimap<std::string, std::string> flags;
  std::vector<std::string> words;
};

std::optional<Args> ParseArgs(const std::vector<std::string>& args, size_t from) {
  Args out;
  for (size_t i = from; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) == 0) {
      if (i + 1 >= args.size()) return std::nullopt;
      out.flags.emplace(args[i], args[i + 1]);
      ++i;
    } else {
      out.words.push_back(args[i]);
    }
  }
  return out;
}

std::string Flag(const Args& args, const std::string& name, std::string fallback = "") {
  auto it = args.flags.find(name);
  return it == args.flags.end() ? fallback : it->second;
}

int Fail(const std::string& message) {
  std::cerr << "strongbox: " << message << "\n";
  return 1;
}

core::Result<ops::KeyScope> ParseScopeFlag(const std::string& text) {
  ops::KeyScope scope;
  const size_t first = text.find('/');
  if (first == std::string::npos) {
    return core::Status::InvalidArgument("--scope " + text + ": expected UNIVERSE/SCOPE");
  }
  const std::string universe = text.substr(0, first);
  if (universe != "*") {
    auto id = core::ParseInt64(universe);
    if (!id || *id <= 0) return core::Status::InvalidArgument("--scope: bad universe " + universe);
    scope.universe = *id;
  }
  std::string rest = text.substr(first + 1);
  if (const size_t second = rest.find('/'); second != std::string::npos) {
    std::string stores = rest.substr(second + 1);
    rest = rest.substr(0, second);
    size_t start = 0;
    while (start <= stores.size()) {
      size_t comma = stores.find(',', start);
      if (comma == std::string::npos) comma = stores.size();
      scope.data_stores.push_back(stores.substr(start, comma - start));
      start = comma + 1;
    }
  }
  scope.name = rest;
  SB_RETURN_IF_ERROR(ops::ValidateScope(scope));
  return scope;
}

Json KeyLine(const ops::ApiKey& key, core::Timestamp now) {
  Json scopes = Json::array();
  for (const auto& s : key.scopes) {
    std::string text = (s.universe == 0 ? "*" : std::to_string(s.universe)) + "/" + s.name;
    for (size_t i = 0; i < s.data_stores.size(); ++i) {
      text += (i == 0 ? "/" : ",") + s.data_stores[i];
    }
    scopes.push_back(text);
  }
  Json line = {{"id", key.id}, {"name", key.name}, {"scopes", scopes}, {"state", key.StateAt(now)}};
  if (key.expire_time) line["expireTime"] = core::FormatRfc3339(*key.expire_time);
  return line;
}

}  // namespace

int RunKeysCommand(const std::vector<std::string>& args) {
  const std::string verb = args.size() >= 2 ? args[1] : "";
  auto parsed = ParseArgs(args, 2);
  if (!parsed || (verb != "create" && verb != "list" && verb != "revoke")) {
    std::cerr << kKeysUsage;
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  store::Engine::Options options;
  options.path = Flag(*parsed, "--data-dir", "./data");
  auto engine = store::Engine::Open(options);
  if (!engine.ok()) {
    return Fail("cannot open " + options.path +
                " (is the server still running?): " + engine.status().message());
  }
  if (store::pg::IsPostgresCache(**engine)) {
    // Written here, keys would reach only the cache, never PostgreSQL.
    return Fail(options.path +
                " caches a PostgreSQL database (storage mode postgres): manage its API keys "
                "through the running server, /admin/v1/api-keys");
  }
  store::CommitPipeline pipeline(engine->get(), {});
  core::SystemClock clock;
  ops::KeyStore keys(engine->get(), &pipeline, &clock);
  if (auto loaded = keys.Load(); !loaded.ok()) return Fail(loaded.message());

  int code = 0;
  if (verb == "list") {
    for (const auto& key : keys.List())
      std::cout << core::DumpCompact(KeyLine(key, clock.Now())) << "\n";
  } else if (verb == "revoke") {
    if (parsed->words.size() != 1) {
      std::cerr << kKeysUsage;
      code = 2;
    } else if (auto revoked = keys.RevokeAndWait(parsed->words[0]); !revoked.ok()) {
      code = Fail(revoked.status().message());
    } else {
      std::cout << core::DumpCompact(KeyLine(*revoked, clock.Now())) << "\n";
    }
  } else {
    ops::KeyStore::NewKey request;
    request.name = Flag(*parsed, "--name");
    for (auto [it, end] = parsed->flags.equal_range("--scope"); it != end; ++it) {
      auto scope = ParseScopeFlag(it->second);
      if (!scope.ok()) return Fail(scope.status().message());
      request.scopes.push_back(std::move(*scope));
    }
    if (const std::string expire = Flag(*parsed, "--expire-time"); !expire.empty()) {
      auto time = core::ParseRfc3339(expire);
      if (!time.ok()) return Fail("--expire-time: " + time.status().message());
      request.expire_time = *time;
    }
    auto created = keys.CreateAndWait(std::move(request));
    if (!created.ok()) {
      code = Fail(created.status().message());
    } else {
      Json line = KeyLine(created->key, clock.Now());
      line["secret"] = created->secret;
      std::cout << core::DumpCompact(line) << "\n";
    }
  }
  pipeline.Stop();
  if (auto closed = (*engine)->Close(); !closed.ok()) return Fail(closed.message());
  return code;
}

int RunRestoreCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, 1);
  const std::string backup_dir = parsed ? Flag(*parsed, "--backup-dir") : "";
  const std::string data_dir = parsed ? Flag(*parsed, "--data-dir") : "";
  if (!parsed || backup_dir.empty() || data_dir.empty() || !parsed->words.empty()) {
    std::cerr << "usage: strongbox restore --backup-dir B [--backup-id N] --data-dir D\n"
                 "D must be empty or absent; the server must not be running on it.\n";
    return 2;
  }
  std::optional<uint32_t> id;
  if (const std::string text = Flag(*parsed, "--backup-id"); !text.empty()) {
    auto value = core::ParseInt64(text);
    if (!value || *value <= 0 || *value > UINT32_MAX) return Fail("--backup-id: bad id " + text);
    id = static_cast<uint32_t>(*value);
  }
  core::Status restored = ops::Backups::Restore(backup_dir, id, data_dir);
  if (!restored.ok()) return Fail("restore: " + restored.message());
  std::cout << "restored " << (id ? "backup " + std::to_string(*id) : "the newest backup")
            << " from " << backup_dir << " into " << data_dir << "\n";
  return 0;
}

int RunDbCommand(const std::vector<std::string>& args) {
  const std::string verb = args.size() >= 2 ? args[1] : "";
  auto parsed = ParseArgs(args, 2);
  const std::string url = parsed ? Flag(*parsed, "--postgres-url") : "";
  if (!parsed || (verb != "init" && verb != "migrate") || url.empty() || !parsed->words.empty()) {
    std::cerr << "usage: strongbox db init|migrate --postgres-url URL [--postgres-partitions N]\n"
                 "init creates what is missing of the schema (partitions apply to a new "
                 "database only, default 64); migrate brings it to this build's version.\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  int64_t partitions = 64;
  if (const std::string text = Flag(*parsed, "--postgres-partitions"); !text.empty()) {
    auto value = core::ParseInt64(text);
    if (!value || *value < 1 || *value > 4096) {
      return Fail("--postgres-partitions: 1 to 4096, not " + text);
    }
    partitions = *value;
  }
  auto conn = store::pg::Connection::Open(url, "strongbox-db", std::chrono::seconds(10));
  if (!conn.ok()) return Fail("cannot connect to PostgreSQL: " + conn.status().message());
  auto schema = verb == "init" ? store::pg::InitSchema(**conn, static_cast<uint32_t>(partitions))
                               : store::pg::MigrateSchema(**conn);
  if (!schema.ok()) return Fail(verb + ": " + schema.status().message());
  std::cout << core::DumpCompact(core::Json{{"schemaVersion", schema->version},
                                            {"partitions", schema->partitions},
                                            {"databaseId", schema->database_id}})
            << "\n";
  return 0;
}

}  // namespace strongbox::app
