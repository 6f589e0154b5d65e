// Rate limits, /metrics, request ids and JSON logs, backups and restore over the real binary
// (api.md §7).

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

TEST_CASE(
    "rate limit: a key past its budget gets 429 with headers, others go on, then it "
    "recovers",
    "[integration]") {
  ServerFixture f({"--rate-limit-datastore-per-key", "5", "--rate-limit-burst-seconds", "1"});
  int ok = 0;
  HttpResponse refused;
  std::vector<std::string> remaining;  // x-ratelimit-remaining of each success ("" = absent)
  for (int i = 0; i < 12; ++i) {
    auto r = f.client->Get(kEntries + "/a");
    if (r.status == 404) {
      ++ok;
      remaining.push_back(r.Header("x-ratelimit-remaining"));
      if (!remaining.back().empty()) CHECK(r.Header("x-ratelimit-limit") == "5");
    } else {
      REQUIRE(r.status == 429);
      refused = r;
    }
  }
  CHECK(ok >= 5);
  CHECK(ok < 12);
  // The headers appear once the bucket is below half: not on the first request, but on the
  // last ones before the limit.
  CHECK(remaining.front().empty());
  CHECK(remaining[4] == "0");
  REQUIRE(refused.status == 429);
  CHECK(refused.Json()["code"] == "RESOURCE_EXHAUSTED");
  CHECK(refused.Header("retry-after") == "1");
  CHECK(refused.Header("x-ratelimit-limit") == "5");
  CHECK(refused.Header("x-ratelimit-remaining") == "0");
  CHECK_FALSE(refused.Header("x-ratelimit-reset").empty());
  // Another family is not touched, and health is never limited.
  CHECK(
      f.client->Get("/cloud/v2/universes/42/ordered-data-stores/B/scopes/global/entries").status ==
      200);
  CHECK(f.client->Get("/healthz").status == 200);
  // A refused write wrote nothing.
  auto write = f.client->Patch(kEntries + "/a?allowMissing=true", R"({"value":1})");
  if (write.status == 429) CHECK(f.client->Get(kEntries + "/a").status != 200);
  // After retry-after the key is served again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(f.client->Get(kEntries + "/a").status != 429);
  auto metrics = f.client->Get("/metrics");
  CHECK(Metric(metrics.body,
               "strongbox_rate_limit_rejections_total{family=\"datastore\",bucket=\"key\"}") >= 1);
}

TEST_CASE("rate limit: the universe budget is shared by every key", "[integration]") {
  ServerFixture f(
      {"--rate-limit-memory-store-per-universe", "4", "--rate-limit-burst-seconds", "1"});
  auto created = f.client->Post(
      "/admin/v1/api-keys",
      json{{"name", "other"}, {"scopes", {{{"universe", "*"}, {"scope", "admin"}}}}}.dump());
  REQUIRE(created.status == 200);
  HttpClient other(f.server.port(), created.Json()["secret"]);
  const std::string map = "/cloud/v2/universes/42/memory-store/sorted-maps/M/items";
  int served = 0;
  for (int i = 0; i < 3; ++i) served += f.client->Get(map).status == 200;
  for (int i = 0; i < 3; ++i) served += other.Get(map).status == 200;
  CHECK(served == 4);
  // Universe 43 has its own budget.
  CHECK(other.Get("/cloud/v2/universes/43/memory-store/sorted-maps/M/items").status == 200);
}

TEST_CASE("/metrics moves with requests, commits, queues and locks", "[integration]") {
  ServerFixture f;
  const std::string not_found =
      "strongbox_http_requests_total{method=\"GET\",route=\"/cloud/v2/universes/{universe}/"
      "data-stores/{dataStore}/entries/{entry}\",status=\"404\"}";
  auto before = f.client->Get("/metrics");
  REQUIRE(before.status == 200);
  CHECK(before.Header("content-type").find("text/plain") == 0);
  const double batches_before = Metric(before.body, "strongbox_commit_batches_total");
  CHECK(Metric(before.body, not_found) == -1);

  CHECK(f.client->Get(kEntries + "/nope").status == 404);
  CHECK(f.client->Get(kEntries + "/nope").status == 404);
  REQUIRE(f.client->Patch(kEntries + "/a?allowMissing=true", R"({"value":1})").status == 200);
  const std::string queue = "/cloud/v2/universes/42/memory-store/queues/Jobs/items";
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f.client->Post(queue, R"({"data":1,"ttl":"60s"})").status == 200);
  }
  REQUIRE(
      f.client
          ->Post("/cloud/v2/universes/42/session-locks/p1:acquire", R"({"owner":"a","ttl":"60s"})")
          .status == 200);

  auto after = f.client->Get("/metrics");
  CHECK(Metric(after.body, not_found) == 2);
  CHECK(Metric(after.body, "strongbox_commit_batches_total") >= batches_before + 5);
  CHECK(Metric(after.body, "strongbox_queue_items{universe=\"42\",queue=\"Jobs\"}") == 3);
  CHECK(Metric(after.body, "strongbox_session_locks_held") == 1);
  CHECK(Metric(after.body, "strongbox_commit_write_seconds_count") >= 5);
  CHECK(Metric(after.body, "strongbox_commit_group_size_count") >= 5);
  CHECK(Metric(after.body, "strongbox_rocksdb_live_data_bytes") >= 0);
  CHECK(Metric(after.body, "strongbox_rocksdb_pending_compaction_bytes") >= 0);
  CHECK(after.body.find("strongbox_http_request_duration_seconds_bucket{method=\"GET\",route=\"/"
                        "cloud/v2/universes/{universe}/data-stores/{dataStore}/entries/{entry}\","
                        "status=\"404\",le=\"+Inf\"} 2") != std::string::npos);
  // Loopback reads it without a key by default.
  HttpClient anonymous(f.server.port());
  CHECK(anonymous.Get("/metrics").status == 200);
}

TEST_CASE("metrics_access key: /metrics needs an admin key even on loopback", "[integration]") {
  ServerFixture f({"--metrics-access", "key"});
  HttpClient anonymous(f.server.port());
  CHECK(anonymous.Get("/metrics").status == 401);
  CHECK(f.client->Get("/metrics").status == 200);
  auto created = f.client->Post(
      "/admin/v1/api-keys",
      json{{"name", "r"},
           {"scopes", {{{"universe", "42"}, {"scope", "universe-datastores.objects:read"}}}}}
          .dump());
  HttpClient reader(f.server.port(), created.Json()["secret"]);
  CHECK(reader.Get("/metrics").status == 403);
}

TEST_CASE("x-request-id is echoed or generated, and JSON logs carry it", "[integration]") {
  ServerFixture f({"--log-format", "json", "--access-log", "on"});
  auto echoed = f.client->Send("GET", kEntries + "/a", "", {{"x-request-id", "trace-abc-123"}});
  CHECK(echoed.Header("x-request-id") == "trace-abc-123");
  auto generated = f.client->Get(kEntries + "/a");
  const std::string id = generated.Header("x-request-id");
  CHECK(id.size() >= 16);
  CHECK(f.client->Get(kEntries + "/a").Header("x-request-id") != id);
  // A header that is not a sane id is replaced.
  CHECK(f.client->Send("GET", kEntries + "/a", "", {{"x-request-id", std::string(300, 'x')}})
            .Header("x-request-id")
            .size() < 300);
  REQUIRE(f.server.Stop() == 0);
  std::istringstream log(f.server.Log());
  std::string line;
  int lines = 0;
  bool found = false;
  while (std::getline(log, line)) {
    INFO(line);
    json parsed = json::parse(line, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    CHECK(parsed.contains("time"));
    CHECK(parsed.contains("level"));
    ++lines;
    const std::string msg = parsed["msg"];
    if (msg.find("id=trace-abc-123") != std::string::npos) {
      found = true;
      CHECK(msg.find("status=404") != std::string::npos);
    }
    CHECK(msg.find(f.server.admin_key()) == std::string::npos);
  }
  CHECK(lines > 3);
  CHECK(found);
}

// Counts up `key` by 1 per acknowledged write until `stop`; records the last acknowledged value.
void Writer(uint16_t port, const std::string& secret, const std::string& key,
            std::atomic<bool>* stop, std::atomic<int64_t>* acked) {
  HttpClient client(port, secret);
  for (int64_t v = 1; !stop->load(); ++v) {
    auto r = client.Patch(kEntries + "/" + key + "?allowMissing=true", json{{"value", v}}.dump());
    if (r.status != 200) break;
    acked->store(v);
  }
}

TEST_CASE("a backup taken under write load restores everything acknowledged before it",
          "[integration][rocksdb]") {
  ServerFixture f;
  auto& c = *f.client;
  // Every kind of record, written before the backup.
  REQUIRE(c.Patch("/cloud/v2/universes/42/ordered-data-stores/B/scopes/global/entries/p1?"
                  "allowMissing=true",
                  R"({"value":77})")
              .status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/memory-store/queues/Q/items",
                 R"({"data":"job","ttl":"3600s"})")
              .status == 200);
  REQUIRE(c.Post("/cloud/v2/universes/42/memory-store/sorted-maps/M/items?id=i1",
                 R"({"value":"v","ttl":"3600s"})")
              .status == 200);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.Post("/cloud/v2/universes/42/session-locks/L:steal", R"({"owner":"a","ttl":"60s"})")
                .status == 200);
  }
  auto extra_key = c.Post("/admin/v1/api-keys",
                          R"({"name":"kept","scopes":[{"universe":"*","scope":"admin"}]})");
  REQUIRE(extra_key.status == 200);
  const std::string kept_secret = extra_key.Json()["secret"];

  constexpr int kWriters = 4;
  std::atomic<bool> stop{false};
  std::vector<std::atomic<int64_t>> acked(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    acked[i] = 0;
    writers.emplace_back(Writer, f.server.port(), f.server.admin_key(), "w" + std::to_string(i),
                         &stop, &acked[i]);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<int64_t> before(kWriters);
  for (int i = 0; i < kWriters; ++i) before[i] = acked[i].load();
  auto backup = c.Post("/admin/v1/backups", "");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : writers) t.join();
  INFO(backup.body);
  REQUIRE(backup.status == 200);
  CHECK(backup.Json()["id"] == "1");
  CHECK(backup.Json()["sizeBytes"].get<int64_t>() > 0);
  for (int i = 0; i < kWriters; ++i) CHECK(before[i] > 0);  // writes really were going on
  auto listed = c.Get("/admin/v1/backups");
  REQUIRE(listed.Json()["backups"].size() == 1);

  REQUIRE(f.server.Stop() == 0);
  const std::string backup_dir = f.server.data_dir() + "/backups";
  const std::string restored = f.dir.Child("restored");
  std::string out;
  REQUIRE(RunStrongbox({"restore", "--backup-dir", backup_dir, "--data-dir", restored}, &out) == 0);

  ServerProcess copy(f.dir.path(), restored);
  copy.Start();
  CHECK(copy.admin_key().empty());  // keys came back with the data: no new bootstrap key
  HttpClient r(copy.port(), kept_secret);
  for (int i = 0; i < kWriters; ++i) {
    auto got = r.Get(kEntries + "/w" + std::to_string(i));
    REQUIRE(got.status == 200);
    CHECK(got.Json()["value"].get<int64_t>() >= before[i]);
  }
  CHECK(r.Get("/cloud/v2/universes/42/ordered-data-stores/B/scopes/global/entries/p1")
            .Json()["value"] == 77);
  CHECK(r.Get("/cloud/v2/universes/42/memory-store/sorted-maps/M/items/i1").Json()["value"] == "v");
  auto read = r.Get("/cloud/v2/universes/42/memory-store/queues/Q/items:read");
  REQUIRE(read.status == 200);
  CHECK(read.Json()["data"][0] == "job");
  // The lock's fencing tokens go on from where they were: never reused after a restore.
  auto stolen =
      r.Post("/cloud/v2/universes/42/session-locks/L:steal", R"({"owner":"b","ttl":"60s"})");
  CHECK(stolen.Json()["fencingToken"] == "4");
  CHECK(copy.Stop() == 0);
}

TEST_CASE("restore refuses a non-empty data dir and leaves it alone", "[integration][rocksdb]") {
  ServerFixture f;
  REQUIRE(f.client->Patch(kEntries + "/a?allowMissing=true", R"({"value":1})").status == 200);
  REQUIRE(f.client->Post("/admin/v1/backups", "").status == 200);
  REQUIRE(f.client->Post("/admin/v1/backups", "").status == 200);
  auto listed = f.client->Get("/admin/v1/backups").Json()["backups"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["id"] == "2");  // newest first
  CHECK(f.client->Delete("/admin/v1/backups/1").status == 200);
  CHECK(f.client->Delete("/admin/v1/backups/1").status == 404);
  CHECK(f.client->Delete("/admin/v1/backups/x").status == 400);
  CHECK(f.client->Get("/admin/v1/backups").Json()["backups"].size() == 1);
  REQUIRE(f.server.Stop() == 0);

  const std::string backup_dir = f.server.data_dir() + "/backups";
  const std::string target = f.dir.Child("occupied");
  std::filesystem::create_directories(target);
  std::ofstream(target + "/precious") << "keep me";
  std::string out;
  CHECK(RunStrongbox({"restore", "--backup-dir", backup_dir, "--data-dir", target}, &out) != 0);
  CHECK(out.find("not empty") != std::string::npos);
  std::ifstream kept(target + "/precious");
  std::string text;
  std::getline(kept, text);
  CHECK(text == "keep me");
  CHECK(std::distance(std::filesystem::directory_iterator(target),
                      std::filesystem::directory_iterator()) == 1);
  // Restoring the deleted backup or a missing directory fails too.
  CHECK(RunStrongbox({"restore", "--backup-dir", backup_dir, "--backup-id", "1", "--data-dir",
                      f.dir.Child("fresh")},
                     &out) != 0);
  CHECK(RunStrongbox(
            {"restore", "--backup-dir", f.dir.Child("none"), "--data-dir", f.dir.Child("fresh2")},
            &out) != 0);
  CHECK(RunStrongbox({"restore", "--backup-dir", backup_dir, "--backup-id", "2", "--data-dir",
                      f.dir.Child("fresh3")},
                     &out) == 0);
}

TEST_CASE("scheduled backups run on their interval and keep only backup_keep",
          "[integration][rocksdb]") {
  ServerFixture f({"--backup-interval-seconds", "1", "--backup-keep", "2"});
  REQUIRE(f.client->Patch(kEntries + "/a?allowMissing=true", R"({"value":1})").status == 200);
  json backups;
  for (int i = 0; i < 100; ++i) {  // at most 10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    backups = f.client->Get("/admin/v1/backups").Json()["backups"];
    if (!backups.empty() && std::stoi(backups[0]["id"].get<std::string>()) >= 3) break;
  }
  REQUIRE(backups.size() == 2);  // three or more were taken, two kept
  CHECK(std::stoi(backups[0]["id"].get<std::string>()) >= 3);
}

}  // namespace
}  // namespace strongbox::testing
