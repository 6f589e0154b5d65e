// Storage mode `postgres` (issue #15, proto-docs/storage-postgres.md) over the real binary and
// a real PostgreSQL 15: PostgreSQL is the truth (kill -9 plus the loss of the data directory
// loses nothing), partitions are fenced (a second process is refused, a stale one can never
// write), and database faults — a session killed during COMMIT, a restart, a failover to a
// synchronous standby — answer 503 and never lose or half-apply an acknowledged write.
//
// Tagged [postgres]: only the suite's postgres pass runs them (tests/CMakeLists.txt). The
// fault tests start a PostgreSQL of their own (ScratchPostgres) so the shared one stays up.
// Every loop is bounded in count and time.

#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "integration/fixture.h"
#include "integration/scratch_postgres.h"

namespace strongbox::testing {
namespace {

using Clock = std::chrono::steady_clock;

// What the clients were told: entry id → (value, etag) of its last acknowledged write.
struct Acknowledged {
  std::mutex mu;
  std::map<std::string, std::pair<int64_t, std::string>> entries;
  std::atomic<int> ok{0};
  std::atomic<int> unavailable{0};  // 503s seen
};

// Threads that stop and are joined however the test leaves its scope (a failed REQUIRE
// included), so nothing outlives the server it talks to.
struct Workers {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  void Join() {
    stop = true;
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
  ~Workers() { Join(); }
};

// `writers` clients each create or overwrite their own entries until `stop`, at most `limit`
// writes each, recording what was acknowledged. A write that fails (503, or no answer because
// the server died) is not recorded: only acknowledged writes are promised.
void WriteUntil(uint16_t port, const std::string& key, int writer, int limit,
                std::atomic<bool>& stop, Acknowledged& acked) {
  HttpClient client(port, key);
  for (int n = 0; n < limit && !stop.load(); ++n) {
    const std::string id = "w" + std::to_string(writer) + "-" + std::to_string(n % 40);
    try {
      auto r = client.Patch(kEntries + "/" + id + "?allowMissing=true",
                            R"({"value":)" + std::to_string(n) + "}");
      if (r.status == 200) {
        std::lock_guard<std::mutex> lock(acked.mu);
        acked.entries[id] = {n, r.Json()["etag"].get<std::string>()};
        ++acked.ok;
      } else if (r.status == 503) {
        ++acked.unavailable;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the server is down
    }
  }
}

// Every acknowledged write reads back: with its value and etag, or overwritten by a later
// write of the same writer (each writes increasing values, one at a time) whose answer was
// lost — a 503 of unknown outcome that had committed, or the server killed before answering.
void CheckAcknowledged(HttpClient& client, Acknowledged& acked) {
  std::lock_guard<std::mutex> lock(acked.mu);
  REQUIRE(!acked.entries.empty());
  for (const auto& [id, written] : acked.entries) {
    auto r = client.Get(kEntries + "/" + id);
    INFO(id);
    REQUIRE(r.status == 200);
    const int64_t value = r.Json()["value"].get<int64_t>();
    CHECK(value >= written.first);
    if (value == written.first) CHECK(r.Json()["etag"] == written.second);
  }
}

// The data directory is a cache, but admin.key in it is the bootstrap secret the first start
// handed out (the key itself lives in PostgreSQL): an operator keeps it, and so do the tests
// when they wipe a data directory or start a second node.
void CopyAdminKey(const std::string& from_data_dir, const std::string& to_data_dir) {
  std::filesystem::create_directories(to_data_dir);
  std::filesystem::copy_file(from_data_dir + "/admin.key", to_data_dir + "/admin.key",
                             std::filesystem::copy_options::overwrite_existing);
}

// Deletes the data directory but the admin key.
void WipeCache(const std::string& data_dir, const std::string& scratch) {
  CopyAdminKey(data_dir, scratch);
  std::filesystem::remove_all(data_dir);
  CopyAdminKey(scratch, data_dir);
}

// The server log's storage lines (not the access lines), for a failure's message.
std::string StorageLog(const ServerProcess& server) {
  std::string out;
  std::istringstream in(server.Log());
  for (std::string line; std::getline(in, line);) {
    if (line.find("storage:") != std::string::npos || line.find("postgres:") != std::string::npos) {
      out += line + "\n";
    }
  }
  return out.size() > 4000 ? out.substr(out.size() - 4000) : out;
}

// `count` writers on `server` until `writers` stops (WriteUntil, unbounded in count).
void StartWriters(const ServerProcess& server, int count, Workers& writers, Acknowledged& acked) {
  for (int w = 0; w < count; ++w) {
    writers.threads.emplace_back(
        [&, w] { WriteUntil(server.port(), server.admin_key(), w, 100000, writers.stop, acked); });
  }
}

HttpResponse Increment(HttpClient& client, const std::string& idempotency_key) {
  return client.Send("POST", kEntries + "/coins:increment", R"({"amount":1})",
                     {{"Idempotency-Key", idempotency_key}});
}

TEST_CASE("every acknowledged write survives kill -9 and the loss of the data directory",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  ServerFixture f;
  Acknowledged acked;
  Workers writers;
  for (int w = 0; w < 4; ++w) {
    writers.threads.emplace_back(
        [&, w] { WriteUntil(f.server.port(), f.server.admin_key(), w, 400, writers.stop, acked); });
  }
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (acked.ok.load() < 200 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  f.server.Kill();  // writes in flight, some acknowledged a moment ago
  writers.Join();
  REQUIRE(acked.ok.load() >= 200);

  // The local RocksDB is only a cache: without it the next start streams everything back.
  WipeCache(f.server.data_dir(), f.dir.Child("saved"));
  f.server.Start();
  CHECK(f.server.Log().find("partitions current, 65 loaded") != std::string::npos);
  auto client = f.NewClient();
  CheckAcknowledged(*client, acked);
}

TEST_CASE("a bad or unreachable database stops the start with a clear message",
          "[integration][postgres]") {
  TempDir dir;
  std::string out;
  CHECK(RunStrongbox({"--storage", "postgres", "--data-dir", dir.Child("a")}, &out) == 2);
  CHECK(out.find("postgres_url") != std::string::npos);
  CHECK(RunStrongbox({"--storage", "postgres", "--data-dir", dir.Child("b"), "--port", "0",
                      "--postgres-url", "host=127.0.0.1 port=1 dbname=none"},
                     &out) == 1);
  CHECK(out.find("cannot connect to PostgreSQL") != std::string::npos);
  CHECK(RunStrongbox({"--storage", "postgres", "--data-dir", dir.Child("c"), "--port", "0",
                      "--postgres-url", "this is not a connection string"},
                     &out) == 1);
  CHECK(out.find("cannot connect to PostgreSQL") != std::string::npos);
}

// The JSON line a `strongbox db` command prints last (warnings may come before it).
nlohmann::json LastJsonLine(const std::string& output) {
  const size_t end = output.find_last_not_of('\n');
  const size_t start = output.rfind('\n', end);
  return nlohmann::json::parse(output.substr(start == std::string::npos ? 0 : start + 1));
}

TEST_CASE("strongbox db init and migrate make and check the schema, and a server finds it",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  TempDir dir;
  const std::string url = TestDatabaseUrl(dir.Child("data"));
  std::string out;
  REQUIRE(RunStrongbox({"db", "init", "--postgres-url", url, "--postgres-partitions", "8"}, &out) ==
          0);
  const auto first = LastJsonLine(out);
  CHECK(first["schemaVersion"] == 3);
  CHECK(first["partitions"] == 8);
  // Again: nothing changes (partitions are fixed once initialised), the same database id.
  REQUIRE(RunStrongbox({"db", "init", "--postgres-url", url}, &out) == 0);
  CHECK(out.find("initialised with 8 partitions") != std::string::npos);
  CHECK(LastJsonLine(out) == first);
  REQUIRE(RunStrongbox({"db", "migrate", "--postgres-url", url}, &out) == 0);
  CHECK(LastJsonLine(out) == first);
  CHECK(RunStrongbox({"db", "drop", "--postgres-url", url}, &out) == 2);
  CHECK(RunStrongbox({"db", "init", "--postgres-url", "host=127.0.0.1 port=1"}, &out) == 1);
  CHECK(out.find("cannot connect to PostgreSQL") != std::string::npos);
  // A server on that database claims its 8 partitions and the system one.
  ServerProcess server(dir.path(), dir.Child("data"));
  server.Start();
  CHECK(server.Log().find("claimed 9 partitions of database " +
                          first["databaseId"].get<std::string>()) != std::string::npos);
  server.Stop();
  std::string unused;
  // A version 2 schema (before the node table's instance column) is brought up to 3.
  REQUIRE(RunCommand({"psql", url, "-qc",
                      "ALTER TABLE strongbox_nodes DROP COLUMN instance; UPDATE strongbox_meta "
                      "SET value = '2' WHERE name = 'schema_version'"},
                     &unused) == 0);
  REQUIRE(RunStrongbox({"db", "migrate", "--postgres-url", url}, &out) == 0);
  CHECK(LastJsonLine(out)["schemaVersion"] == 3);
  REQUIRE(RunCommand({"psql", url, "-tAc",
                      "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                      "'strongbox_nodes' AND column_name = 'instance'"},
                     &out) == 0);
  CHECK(out.find('1') != std::string::npos);
  // A schema from a newer Strongbox is refused, not guessed at.
  REQUIRE(RunCommand({"psql", url, "-qc",
                      "UPDATE strongbox_meta SET value = '99' WHERE name = 'schema_version'"},
                     &unused) == 0);
  CHECK(RunStrongbox({"db", "migrate", "--postgres-url", url}, &out) == 1);
  CHECK(out.find("newer than this build") != std::string::npos);
}

TEST_CASE("neither mode opens the other's data directory, and backups are PostgreSQL's own",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  ServerFixture f;
  auto backup = f.client->Post("/admin/v1/backups", "");
  CHECK(backup.status == 400);
  CHECK(backup.Json()["code"] == "FAILED_PRECONDITION");
  CHECK(backup.Json()["message"].get<std::string>().find("pg_dump") != std::string::npos);
  CHECK(f.client->Get("/admin/v1/backups").status == 400);
  REQUIRE(f.server.Stop() == 0);

  std::string out;
  // The embedded mode would take the cache for the truth.
  CHECK(RunStrongbox({"--data-dir", f.server.data_dir(), "--port", "0"}, &out) == 1);
  CHECK(out.find("is a cache of a PostgreSQL database") != std::string::npos);
  // The keys command would write to the cache only.
  CHECK(RunStrongbox({"keys", "list", "--data-dir", f.server.data_dir()}, &out) != 0);
  CHECK(out.find("/admin/v1/api-keys") != std::string::npos);
  // And the postgres mode never overwrites embedded data it cannot find in PostgreSQL.
  TempDir embedded;
  REQUIRE(RunStrongbox({"keys", "create", "--data-dir", embedded.Child("data"), "--name", "k",
                        "--scope", "*/admin"},
                       &out) == 0);
  CHECK(RunStrongbox({"--storage", "postgres", "--data-dir", embedded.Child("data"), "--port", "0",
                      "--postgres-url", TestDatabaseUrl(embedded.Child("data"))},
                     &out) == 1);
  CHECK(out.find("holds data of the embedded storage mode") != std::string::npos);
}

TEST_CASE("a second strongbox on the same database is refused while the first holds it",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  ServerFixture first;
  REQUIRE(first.client->Post(kEntries + "?id=a", R"({"value":1})").status == 200);
  TempDir other;
  ServerProcess second(other.path(), other.Child("data"),
                       {"--postgres-url", TestDatabaseUrl(first.server.data_dir())});
  try {
    second.Start();
    FAIL("the second strongbox started on a database the first one holds");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("is owned by node") != std::string::npos);
  }
  // The first one never noticed.
  CHECK(first.client->Post(kEntries + "/a:increment", R"({"amount":1})").status == 200);
  CHECK(first.client->Get(kEntries + "/a").Json()["value"] == 2);
}

TEST_CASE("a paused owner whose partitions were taken over can never write again",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  const std::vector<std::string> short_lease = {"--partition-lease-ms", "1000",
                                                "--partition-renew-ms", "300"};
  ServerFixture old_owner(short_lease);
  REQUIRE(old_owner.client->Post(kEntries + "?id=a", R"({"value":1})").status == 200);
  // Paused (a GC pause, a frozen VM) past its lease…
  REQUIRE(kill(old_owner.server.pid(), SIGSTOP) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // …while another node claims the partitions (a new epoch) and writes.
  TempDir other;
  std::vector<std::string> args = short_lease;
  args.insert(args.end(), {"--postgres-url", TestDatabaseUrl(old_owner.server.data_dir())});
  CopyAdminKey(old_owner.server.data_dir(), other.Child("data"));
  ServerProcess new_owner(other.path(), other.Child("data"), args);
  new_owner.Start();
  HttpClient fresh(new_owner.port(), new_owner.admin_key());
  REQUIRE(fresh.Post(kEntries + "/a:increment", R"({"amount":10})").status == 200);
  REQUIRE(kill(old_owner.server.pid(), SIGCONT) == 0);

  // The old owner's cache still says 1; its write must be refused, not land on top.
  auto stale = old_owner.client->Post(kEntries + "/a:increment", R"({"amount":100})");
  CHECK(stale.status == 503);
  CHECK(stale.Json()["details"].dump().find("PARTITION_LOST") != std::string::npos);
  CHECK(old_owner.client->Get("/readyz").status == 503);
  CHECK(fresh.Get(kEntries + "/a").Json()["value"] == 11);
}

TEST_CASE("sessions killed during commits answer 503 and the Idempotency-Key retry settles each",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  ServerFixture f({"--storage-recovery-interval-ms", "50"});
  REQUIRE(f.client->Post(kEntries + "?id=coins", R"({"value":0})").status == 200);
  const std::string database = TestDatabaseUrl(f.server.data_dir());

  // Terminates the commit session over and over: some kills land between statements, some
  // during COMMIT, where the outcome is unknown until the node settles it.
  Workers killer;
  std::atomic<int> kills{0};
  killer.threads.emplace_back([&] {
    while (!killer.stop.load()) {
      std::string out;
      RunCommand({"psql", database, "-qtAc",
                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                  "application_name = 'strongbox-commit' AND datname = current_database()"},
                 &out);
      if (out.find('1') != std::string::npos) ++kills;
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
  });
  constexpr int kWriters = 3;
  constexpr int kIncrements = 40;
  std::mutex mu;
  std::map<std::string, int64_t> answered;  // Idempotency-Key → the value its increment made
  std::atomic<int> unavailable{0};
  const auto deadline = Clock::now() + std::chrono::seconds(60);  // the whole test's bound
  // On an idle machine the first increments can all commit before the killer's first psql
  // lands; writers go on (until 20 s before the deadline) until a kill has cost a commit.
  const auto keep_going_until = deadline - std::chrono::seconds(20);
  Workers writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.threads.emplace_back([&, w] {
      HttpClient client(f.server.port(), f.server.admin_key());
      for (int n = 0;
           n < kIncrements || (unavailable.load() == 0 && Clock::now() < keep_going_until); ++n) {
        const std::string key = "inc-" + std::to_string(w) + "-" + std::to_string(n);
        while (Clock::now() < deadline) {
          auto r = Increment(client, key);
          if (r.status == 200) {
            std::lock_guard<std::mutex> lock(mu);
            answered[key] = r.Json()["value"].get<int64_t>();
            break;
          }
          if (r.status == 503) ++unavailable;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    });
  }
  writers.Join();
  killer.Join();

  INFO("kills " << kills.load() << ", 503s " << unavailable.load());
  INFO(StorageLog(f.server));
  CHECK(kills.load() > 0);
  CHECK(unavailable.load() > 0);  // the faults were real
  REQUIRE(answered.size() >= kWriters * kIncrements);
  const int64_t total = static_cast<int64_t>(answered.size());
  // Each increment applied exactly once: the counter is their number, and each retry's answer
  // is a distinct step of it (a double application would skip or repeat a value).
  CHECK(f.client->Get(kEntries + "/coins").Json()["value"] == total);
  std::set<int64_t> values;
  for (const auto& [key, value] : answered) values.insert(value);
  CHECK(values.size() == answered.size());
  CHECK(*values.begin() == 1);
  CHECK(*values.rbegin() == total);
  // The faults show in /metrics.
  const std::string metrics = f.client->Get("/metrics").body;
  CHECK(metrics.find("strongbox_partitions_owned 65") != std::string::npos);
  CHECK(metrics.find("strongbox_postgres_sessions{role=\"commit\"}") != std::string::npos);
  CHECK(metrics.find("strongbox_postgres_commit_seconds_bucket") != std::string::npos);
  CHECK(metrics.find("strongbox_postgres_reconnects_total 0") == std::string::npos);
  // And a late retry replays the recorded answer.
  auto replay = Increment(*f.client, "inc-0-0");
  CHECK(replay.status == 200);
  CHECK(replay.Header("idempotent-replayed") == "true");
  CHECK(replay.Json()["value"] == answered["inc-0-0"]);
}

TEST_CASE("a commit stuck past postgres_timeout_ms: 503, then settled exactly once",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  ServerFixture f({"--postgres-timeout-ms", "1000", "--storage-recovery-interval-ms", "100"});
  REQUIRE(f.client->Post(kEntries + "?id=coins", R"({"value":0})").status == 200);
  const std::string database = TestDatabaseUrl(f.server.data_dir());
  // Another session holds every partition row for 3 s (a stuck transaction, a lock storm):
  // the commit waits on its fence past the timeout, and so does recovery's claim, more than
  // once — each time leaving a session with answers still to come, which must never be
  // read as the answers of later statements.
  std::atomic<bool> locked{false};
  Workers holder;
  holder.threads.emplace_back([&] {
    std::string out;
    locked = true;
    RunCommand({"psql", database, "-qtAc",
                "BEGIN; SELECT partition FROM strongbox_partitions FOR UPDATE; "
                "SELECT pg_sleep(3); COMMIT;"},
               &out);
  });
  while (!locked.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the rows are held now
  auto first = Increment(*f.client, "stuck-1");
  CHECK(first.status == 503);
  holder.Join();
  HttpResponse retried;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    retried = Increment(*f.client, "stuck-1");
    if (retried.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(StorageLog(f.server));
  REQUIRE(retried.status == 200);
  CHECK(retried.Json()["value"] == 1);  // applied once, whichever way the stuck commit went
  CHECK(Increment(*f.client, "stuck-2").Json()["value"] == 2);
  CHECK(f.client->Get(kEntries + "/coins").Json()["value"] == 2);
  CHECK(f.client->Get("/readyz").status == 200);
}

TEST_CASE("PostgreSQL restarted under load: 503 while it is down, nothing acknowledged is lost",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  TempDir dir;
  ScratchPostgres pg(dir.Child("pg"));
  pg.Exec("CREATE DATABASE strongbox");
  ServerProcess server(dir.path(), dir.Child("data"),
                       {"--postgres-url", pg.Url("strongbox"), "--storage-recovery-interval-ms",
                        "100", "--postgres-timeout-ms", "2000"});
  server.Start();
  Acknowledged acked;
  Workers writers;
  StartWriters(server, 3, writers, acked);
  REQUIRE(WaitFor([&] { return acked.ok.load() >= 100; }, std::chrono::seconds(10)));
  pg.Kill();  // a crash of the database, not a polite shutdown
  REQUIRE(WaitFor([&] { return acked.unavailable.load() >= 5; }, std::chrono::seconds(10)));
  pg.Start();
  const int before = acked.ok.load();
  // Writes resume by themselves once the database is back.
  CHECK(WaitFor([&] { return acked.ok.load() >= before + 100; }, std::chrono::seconds(20)));
  writers.Join();
  HttpClient client(server.port(), server.admin_key());
  CHECK(client.Get("/readyz").status == 200);
  // Read back through a fresh cache, so every value comes from PostgreSQL.
  server.Kill();
  WipeCache(dir.Child("data"), dir.Child("saved"));
  server.Start();
  HttpClient after(server.port(), server.admin_key());
  CheckAcknowledged(after, acked);
}

TEST_CASE("a synchronous standby promoted after the primary dies holds every acknowledged write",
          "[integration][postgres]") {
  REQUIRE(PostgresMode());
  TempDir dir;
  ScratchPostgres primary(dir.Child("primary"));
  primary.Exec("CREATE DATABASE strongbox");
  ScratchPostgres standby = primary.Standby(dir.Child("standby"));
  // Both hosts; libpq picks the one that accepts writes, so the failover needs no code of ours.
  const std::string url = "host=127.0.0.1,127.0.0.1 port=" + std::to_string(primary.port()) + "," +
                          std::to_string(standby.port()) +
                          " user=postgres dbname=strongbox target_session_attrs=read-write";
  ServerProcess server(dir.path(), dir.Child("data"),
                       {"--postgres-url", url, "--storage-recovery-interval-ms", "100",
                        "--postgres-timeout-ms", "2000"});
  server.Start();
  Acknowledged acked;
  Workers writers;
  StartWriters(server, 3, writers, acked);
  REQUIRE(WaitFor([&] { return acked.ok.load() >= 150; }, std::chrono::seconds(10)));
  primary.Kill();
  standby.Promote();
  const int at_failover = acked.ok.load();
  CHECK(WaitFor([&] { return acked.ok.load() >= at_failover + 100; }, std::chrono::seconds(20)));
  writers.Join();
  // Everything acknowledged, before and after the failover, is on the promoted standby: read
  // it back through an empty cache.
  server.Kill();
  WipeCache(dir.Child("data"), dir.Child("saved"));
  server.Start();
  HttpClient after(server.port(), server.admin_key());
  CheckAcknowledged(after, acked);
}

}  // namespace
}  // namespace strongbox::testing
