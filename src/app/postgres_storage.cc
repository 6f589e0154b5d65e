#include "app/postgres_storage.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <climits>
#include <filesystem>

#include "app/startup_steps.h"
#include "core/digest.h"
#include "store/pg_cache.h"
#include "store/pg_connection.h"
#include "store/pg_schema.h"

namespace strongbox::app {

std::string NodeIdOf(const config::Config& config) {
  if (!config.node_id.empty()) return config.node_id;
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::error_code ec;
  const auto dir = std::filesystem::absolute(config.data_dir, ec).lexically_normal();
  return std::string(host) + ":" + (ec ? config.data_dir : dir.string());
}

core::Result<std::unique_ptr<PostgresStorage>> PostgresStorage::Open(const config::Config& config,
                                                                     store::Engine* engine) {
  std::unique_ptr<PostgresStorage> storage(new PostgresStorage());
  storage->conninfo_ = config.postgres_url;
  storage->node_id_ = NodeIdOf(config);
  storage->instance_ = core::HexEncode(core::SecureRandomBytes(16));
  storage->timeout_ = std::chrono::milliseconds(config.postgres_timeout_ms);
  const auto lease = std::chrono::milliseconds(config.partition_lease_ms);
  const auto started = std::chrono::steady_clock::now();

  auto conn =
      store::pg::Connection::Open(config.postgres_url, "strongbox-commit", storage->timeout_);
  if (!conn.ok()) return Because("cannot connect to PostgreSQL (postgres_url)", conn.status());
  auto schema = store::pg::InitSchema(**conn, static_cast<uint32_t>(config.postgres_partitions));
  if (!schema.ok()) return Because("cannot create or read the schema", schema.status());
  storage->schema_ = *schema;

  store::pg::PostgresCommit::Options commit_options;
  commit_options.conninfo = config.postgres_url;
  commit_options.node_id = storage->node_id_;
  commit_options.timeout = storage->timeout_;
  commit_options.lease = lease;
  if (config.cluster == config::Cluster::kOn) {
    commit_options.instance = storage->instance_;
    // Claims, cache loads and renewals are the cluster coordinator's (started by the app once
    // the services exist); the commit step starts owning nothing.
    commit_options.drop_lost_partitions = true;
    commit_options.on_lost = [s = storage.get()](store::PartitionId p) {
      std::lock_guard<std::mutex> lock(s->lost_mu_);
      if (s->on_lost_) s->on_lost_(p);
    };
    storage->commit_ = std::make_unique<store::pg::PostgresCommit>(
        engine, commit_options, *schema, std::map<store::PartitionId, store::pg::PartitionClaim>{},
        std::move(*conn));
    storage->claimed_ = true;  // Close releases whatever the coordinator left claimed
    spdlog::info("postgres: node '{}' joins the cluster on database {} ({} partitions)",
                 storage->node_id_, schema->database_id, schema->partitions + 1);
    return storage;
  }
  auto claims = store::pg::ClaimAll(**conn, storage->node_id_, schema->partitions, lease);
  if (!claims.ok()) return Because("cannot claim the partitions", claims.status());
  storage->claimed_ = true;
  storage->claims_ = *claims;
  spdlog::info("postgres: node '{}' claimed {} partitions of database {}", storage->node_id_,
               claims->size(), schema->database_id);

  // Renewed from now on: loading a large cache may take longer than a lease.
  store::pg::LeaseKeeper::Options lease_options;
  lease_options.conninfo = config.postgres_url;
  lease_options.node_id = storage->node_id_;
  lease_options.lease = lease;
  lease_options.renew_interval = std::chrono::milliseconds(config.partition_renew_ms);
  lease_options.timeout = storage->timeout_;
  lease_options.partitions_owned = claims->size();
  storage->leases_ = std::make_unique<store::pg::LeaseKeeper>(lease_options);

  std::map<store::PartitionId, int64_t> seqs;
  for (const auto& [p, claim] : *claims) seqs[p] = claim.commit_seq;
  store::pg::CatchUpStats stats;
  core::Status caught_up = store::pg::CatchUp(*engine, **conn, *schema, seqs, &stats);
  if (!caught_up.ok()) {
    return Because("cannot bring the local cache level with PostgreSQL", caught_up);
  }
  spdlog::info("postgres: local cache ready in {} ms: {} partitions current, {} loaded ({} rows)",
               MillisecondsSince(started), stats.partitions_current, stats.partitions_loaded,
               stats.rows_loaded);

  storage->commit_ = std::make_unique<store::pg::PostgresCommit>(
      engine, commit_options, *schema, std::move(*claims), std::move(*conn));
  return storage;
}

void PostgresStorage::Close() {
  if (closed_ || !claimed_) return;
  closed_ = true;
  if (leases_) leases_->Stop();
  if (commit_) {
    commit_->Release();  // at the epochs it holds: never another process's claim
    return;
  }
  // Start failed after the claim: release what was claimed, at those epochs.
  auto conn = store::pg::Connection::Open(conninfo_, "strongbox-release", timeout_);
  if (!conn.ok()) {
    spdlog::warn(
        "postgres: could not release the partitions ({}); they are free once their leases "
        "expire",
        conn.status().ToString());
    return;
  }
  store::pg::Release(**conn, node_id_, claims_);
}

PostgresStorage::~PostgresStorage() { Close(); }

void PostgresStorage::OnPartitionLost(std::function<void(store::PartitionId)> sink) {
  std::lock_guard<std::mutex> lock(lost_mu_);
  on_lost_ = std::move(sink);
}

}  // namespace strongbox::app
