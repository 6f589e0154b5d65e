#include "api/metrics_routes.h"

#include "core/process_memory.h"
#include "gate/access_gate.h"
#include "memstore/sorted_map_service.h"
#include "memstore/usage.h"
#include "ops/metrics_text.h"
#include "ops/rate_limiter.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Result;
using http::Request;
using http::Response;

namespace {

// Bounds the lock-row scan of one scrape. An in-memory held-lock count kept by
// LockService would make this O(1) and drop the bound.
constexpr size_t kMaxLockRowsPerScrape = 1'000'000;

// Storage mode postgres: the commit transactions, the sessions, the partitions and leases.
void RenderPostgresMetrics(const Services& s, ops::MetricsText& out) {
  const auto stats = s.postgres->stats();
  out.Family("strongbox_postgres_commit_seconds", "histogram",
             "Time of each commit transaction (one pipelined round trip; retries included).");
  out.HistogramSeries("strongbox_postgres_commit_seconds", {}, s.postgres->commit_seconds().Read());
  out.Family("strongbox_postgres_transactions_total", "counter", "Commit transactions committed.");
  out.Sample("strongbox_postgres_transactions_total", {}, static_cast<double>(stats.transactions));
  out.Family("strongbox_postgres_retries_total", "counter",
             "Commit transactions sent again after a serialization failure or deadlock.");
  out.Sample("strongbox_postgres_retries_total", {}, static_cast<double>(stats.retries));
  out.Family("strongbox_postgres_unknown_outcomes_total", "counter",
             "Commits whose session failed in flight, settled by claiming their partitions "
             "again.");
  out.Sample("strongbox_postgres_unknown_outcomes_total", {}, static_cast<double>(stats.unknown));
  out.Family("strongbox_postgres_reconnects_total", "counter", "New commit sessions opened.");
  out.Sample("strongbox_postgres_reconnects_total", {}, static_cast<double>(stats.reconnects));
  out.Family("strongbox_postgres_sessions", "gauge",
             "PostgreSQL sessions in use by role (1 up, 0 down): one commits, one renews "
             "leases.");
  out.Sample("strongbox_postgres_sessions", {{"role", "commit"}}, stats.connected ? 1.0 : 0.0);
  const auto leases = s.leases != nullptr ? s.leases->stats() : store::pg::LeaseKeeper::Stats{};
  if (s.leases != nullptr) {
    out.Sample("strongbox_postgres_sessions", {{"role", "lease"}}, leases.connected ? 1.0 : 0.0);
  }
  out.Family("strongbox_partitions_owned", "gauge", "Partitions this node claimed.");
  out.Sample("strongbox_partitions_owned", {}, static_cast<double>(stats.partitions_owned));
  if (s.leases != nullptr) {
    out.Family("strongbox_partition_lease_renewals_total", "counter", "Lease renewals made.");
    out.Sample("strongbox_partition_lease_renewals_total", {},
               static_cast<double>(leases.renewals));
    out.Family("strongbox_partition_lease_renew_failures_total", "counter",
               "Lease renewals that failed (the leases run out partition_lease_ms after the last "
               "success).");
    out.Sample("strongbox_partition_lease_renew_failures_total", {},
               static_cast<double>(leases.renew_failures));
    out.Family("strongbox_partition_lease_renew_seconds", "gauge",
               "Time the last lease renewal took.");
    out.Sample("strongbox_partition_lease_renew_seconds", {}, leases.last_renew_seconds);
  }
}

// Webhook delivery of this node (proto-docs/changes.md "Webhooks").
void RenderWebhookMetrics(const Services& s, ops::MetricsText& out) {
  const auto stats = s.webhooks->stats();
  out.Family("strongbox_webhook_batches_delivered_total", "counter",
             "Webhook POSTs a receiver acknowledged with 2xx.");
  out.Sample("strongbox_webhook_batches_delivered_total", {},
             static_cast<double>(stats.delivered_batches));
  out.Family("strongbox_webhook_changes_delivered_total", "counter",
             "Changes in the acknowledged webhook POSTs.");
  out.Sample("strongbox_webhook_changes_delivered_total", {},
             static_cast<double>(stats.delivered_changes));
  out.Family("strongbox_webhook_failed_attempts_total", "counter",
             "Webhook POSTs that failed (no answer, a timeout or a status other than 2xx); each "
             "is retried.");
  out.Sample("strongbox_webhook_failed_attempts_total", {},
             static_cast<double>(stats.failed_attempts));
  out.Family("strongbox_webhook_subscriptions", "gauge",
             "Subscriptions with a deliveryUrl this node delivers.");
  out.Sample("strongbox_webhook_subscriptions", {}, static_cast<double>(stats.subscriptions));
  out.Family("strongbox_webhook_subscriptions_retrying", "gauge",
             "Of those, the ones whose last attempt failed.");
  out.Sample("strongbox_webhook_subscriptions_retrying", {}, static_cast<double>(stats.retrying));
  out.Family("strongbox_webhook_subscriptions_stalled", "gauge",
             "Of those, the ones that cannot deliver until an operator acts (stalled: the log "
             "could not be read, e.g. CHANGES_EXPIRED; notAllowed: the host left the allow-list).");
  out.Sample("strongbox_webhook_subscriptions_stalled", {}, static_cast<double>(stats.stalled));
}

// Cluster mode: ownership, hand-offs, forwarding and lease renewal of this node.
void RenderClusterMetrics(const Services& s, ops::MetricsText& out) {
  const auto stats = s.cluster->stats();
  out.Family("strongbox_cluster_partitions_owned", "gauge", "Partitions this node owns.");
  out.Sample("strongbox_cluster_partitions_owned", {}, static_cast<double>(stats.owned));
  out.Family("strongbox_cluster_partition_claims_total", "counter",
             "Partitions claimed: takeovers of expired leases and hand-offs received.");
  out.Sample("strongbox_cluster_partition_claims_total", {}, static_cast<double>(stats.claims));
  out.Family("strongbox_cluster_handoffs_total", "counter", "Partitions handed off gracefully.");
  out.Sample("strongbox_cluster_handoffs_total", {}, static_cast<double>(stats.handoffs));
  out.Family("strongbox_cluster_partitions_lost_total", "counter",
             "Partitions dropped because another node claimed them (a lapsed lease).");
  out.Sample("strongbox_cluster_partitions_lost_total", {}, static_cast<double>(stats.lost));
  out.Family("strongbox_cluster_lease_renew_seconds", "histogram",
             "Time of each heartbeat and lease renewal transaction.");
  out.HistogramSeries("strongbox_cluster_lease_renew_seconds", {},
                      s.cluster->renew_seconds().Read());
  out.Family("strongbox_cluster_lease_renew_failures_total", "counter",
             "Heartbeats that failed (the leases run out partition_lease_ms after the last one).");
  out.Sample("strongbox_cluster_lease_renew_failures_total", {},
             static_cast<double>(stats.renew_failures));
  out.Family("strongbox_cluster_partition_load_seconds", "gauge",
             "How long the last claim took to load (cache catch-up and in-memory rebuild).");
  out.Sample("strongbox_cluster_partition_load_seconds", {}, stats.last_load_seconds);
  out.Family("strongbox_cluster_api_key_reloads_total", "counter",
             "Times the API keys were copied again from PostgreSQL.");
  out.Sample("strongbox_cluster_api_key_reloads_total", {}, static_cast<double>(stats.key_reloads));
  out.Family("strongbox_cluster_forwarded_requests_total", "counter",
             "Requests relayed to the node that owns their partition.");
  out.Sample("strongbox_cluster_forwarded_requests_total", {},
             static_cast<double>(s.placement->forwarded()));
  out.Family("strongbox_cluster_refused_requests_total", "counter",
             "Requests answered 503 PARTITION_MOVING (moving partition, owner unreachable).");
  out.Sample("strongbox_cluster_refused_requests_total", {},
             static_cast<double>(s.placement->refused()));
  const auto client = s.forward_client->stats();
  out.Family("strongbox_cluster_forward_connections_total", "counter",
             "Connections opened to other nodes for forwarding.");
  out.Sample("strongbox_cluster_forward_connections_total", {},
             static_cast<double>(client.connections));
}

std::string RenderMetrics(const Services& s) {
  ops::MetricsText out;
  if (s.gate != nullptr) s.gate->metrics().Render(out);

  const auto stats = s.pipeline->stats();
  out.Family("strongbox_commit_batches_total", "counter", "Durable writes made by the pipeline.");
  out.Sample("strongbox_commit_batches_total", {}, static_cast<double>(stats.batches));
  out.Family("strongbox_commit_mutations_total", "counter", "Mutations the pipeline evaluated.");
  out.Sample("strongbox_commit_mutations_total", {}, static_cast<double>(stats.mutations));
  out.Family("strongbox_commit_queue_pending", "gauge", "Mutations waiting for the sequencer.");
  out.Sample("strongbox_commit_queue_pending", {}, static_cast<double>(stats.queued));
  out.Family("strongbox_commit_group_size", "histogram", "Mutations per durable write.");
  out.HistogramSeries("strongbox_commit_group_size", {}, s.pipeline->group_sizes().Read());
  out.Family("strongbox_commit_write_seconds", "histogram",
             "Time of each durable write: the WAL write and, in sync durability, its fsync; in "
             "storage mode postgres, the commit transaction and the cache write.");
  out.HistogramSeries("strongbox_commit_write_seconds", {}, s.pipeline->write_seconds().Read());

  if (s.commits != nullptr) {
    out.Family("strongbox_transactions_total", "counter",
               ":commit transactions by outcome: committed; refused (an error, nothing "
               "written); unavailable (503: storage unreachable or the outcome unknown).");
    out.Sample("strongbox_transactions_total", {{"outcome", "committed"}},
               static_cast<double>(s.commits->committed.load()));
    out.Sample("strongbox_transactions_total", {{"outcome", "refused"}},
               static_cast<double>(s.commits->refused.load()));
    out.Sample("strongbox_transactions_total", {{"outcome", "unavailable"}},
               static_cast<double>(s.commits->unavailable.load()));
    out.Family("strongbox_transaction_operations_total", "counter",
               "Operations of committed transactions, by the resource they wrote.");
    for (size_t i = 0; i < kCommitResourceNames.size(); ++i) {
      out.Sample("strongbox_transaction_operations_total",
                 {{"resource", std::string(kCommitResourceNames[i])}},
                 static_cast<double>(s.commits->operations[i].load()));
    }
  }
  if (s.postgres != nullptr) RenderPostgresMetrics(s, out);
  if (s.cluster != nullptr) RenderClusterMetrics(s, out);
  if (s.webhooks != nullptr) RenderWebhookMetrics(s, out);

  const auto health = s.pipeline->health();
  out.Family("strongbox_storage_writable", "gauge",
             "1 while writes are accepted; 0 while a storage fault (full disk, IO error) stops "
             "them.");
  out.Sample("strongbox_storage_writable", {}, health.writable ? 1.0 : 0.0);
  out.Family("strongbox_storage_faults_total", "counter", "Times writes have stopped.");
  out.Sample("strongbox_storage_faults_total", {}, static_cast<double>(health.faults));
  if (health.free_bytes) {
    out.Family("strongbox_storage_free_bytes", "gauge",
               "Free bytes on the data directory's disk at the last check.");
    out.Sample("strongbox_storage_free_bytes", {}, static_cast<double>(*health.free_bytes));
  }

  if (auto resident = core::ResidentBytes()) {
    out.Family("process_resident_memory_bytes", "gauge", "Resident memory of the process.");
    out.Sample("process_resident_memory_bytes", {}, static_cast<double>(*resident));
  }
  if (auto limit = core::MemoryLimitBytes()) {
    out.Family("strongbox_memory_limit_bytes", "gauge",
               "The cgroup's memory limit (container, systemd MemoryMax=); absent when none.");
    out.Sample("strongbox_memory_limit_bytes", {}, static_cast<double>(*limit));
  }

  out.Family("strongbox_rocksdb_live_data_bytes", "gauge",
             "RocksDB's estimate of live data, over every column family.");
  out.Sample("strongbox_rocksdb_live_data_bytes", {},
             static_cast<double>(s.engine->SumIntProperty("rocksdb.estimate-live-data-size")));
  out.Family("strongbox_rocksdb_sst_bytes", "gauge", "Size of all SST files.");
  out.Sample("strongbox_rocksdb_sst_bytes", {},
             static_cast<double>(s.engine->SumIntProperty("rocksdb.total-sst-files-size")));
  out.Family("strongbox_rocksdb_pending_compaction_bytes", "gauge",
             "RocksDB's estimate of bytes compaction still has to rewrite.");
  out.Sample(
      "strongbox_rocksdb_pending_compaction_bytes", {},
      static_cast<double>(s.engine->SumIntProperty("rocksdb.estimate-pending-compaction-bytes")));

  out.Family("strongbox_queue_items", "gauge",
             "Items in a memory-store queue, visible and invisible (up to metrics_max_queues "
             "queues).");
  if (auto depths = s.queues->Depths(s.metrics_max_queues); depths.ok()) {
    for (const auto& d : *depths) {
      out.Sample("strongbox_queue_items",
                 {{"universe", std::to_string(d.name.universe)}, {"queue", d.name.queue}},
                 static_cast<double>(d.items));
    }
  }
  out.Family("strongbox_map_items", "gauge",
             "Items in a memory-store sorted map or hash map, by kind (up to metrics_max_queues "
             "maps of each kind).");
  for (const memstore::SortedMapService* maps : {s.sorted_maps, s.hash_maps}) {
    if (maps == nullptr) continue;
    const std::string kind = maps->layout().sorted ? "sorted_map" : "hash_map";
    if (auto depths = maps->Depths(s.metrics_max_queues); depths.ok()) {
      for (const auto& d : *depths) {
        out.Sample(
            "strongbox_map_items",
            {{"universe", std::to_string(d.name.universe)}, {"kind", kind}, {"map", d.name.map}},
            static_cast<double>(d.items));
      }
    }
  }
  out.Family("strongbox_memory_store_bytes", "gauge",
             "Item data bytes a universe holds in its sorted maps, hash maps and queues, counted "
             "against memstore_max_bytes_per_universe (up to metrics_max_queues universes).");
  if (auto usages = memstore::Usages(*s.engine, s.metrics_max_queues); usages.ok()) {
    for (const auto& u : *usages) {
      out.Sample("strongbox_memory_store_bytes", {{"universe", std::to_string(u.universe)}},
                 static_cast<double>(u.bytes));
    }
  }
  out.Family("strongbox_memory_store_quota_bytes", "gauge",
             "memstore_max_bytes_per_universe: each universe's memory-store quota (0: none).");
  out.Sample("strongbox_memory_store_quota_bytes", {},
             static_cast<double>(s.memstore_max_bytes_per_universe));
  out.Family("strongbox_session_locks_held", "gauge",
             "Session locks held now (lease not expired).");
  if (auto held = s.locks->CountHeld(kMaxLockRowsPerScrape); held.ok()) {
    out.Sample("strongbox_session_locks_held", {}, static_cast<double>(*held));
  }

  out.Family("strongbox_rate_limit_rejections_total", "counter",
             "Requests refused with 429, by rate-limit family and the bucket that was empty.");
  for (size_t f = 0; f < static_cast<size_t>(ops::RateFamily::kCount); ++f) {
    const auto family = static_cast<ops::RateFamily>(f);
    const std::string name(ops::RateFamilyName(family));
    out.Sample("strongbox_rate_limit_rejections_total", {{"family", name}, {"bucket", "key"}},
               static_cast<double>(s.limiter->rejected_by_key(family)));
    out.Sample("strongbox_rate_limit_rejections_total", {{"family", name}, {"bucket", "universe"}},
               static_cast<double>(s.limiter->rejected_by_universe(family)));
  }
  return out.text();
}

}  // namespace

void RegisterMetricsRoutes(gate::RouteTable& routes, const Services& services) {
  routes.Add({.method = "GET",
              .pattern = "/metrics",
              .access = gate::Access::kMetrics,
              .scopes = {ops::scopes::kAdmin},
              .read = [&services](Request&) -> asio::awaitable<Result<Response>> {
                Response response;
                response.content_type = std::string(ops::kMetricsContentType);
                response.body = RenderMetrics(services);
                co_return response;
              }});
}

}  // namespace strongbox::api
