#include "app/cluster_node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "app/startup_steps.h"

namespace strongbox::app {

namespace {

// Whether a key of `cf` (or a prefix of one that holds its universe) is in `partitions`.
bool InPartitions(store::ColumnFamily cf, std::string_view key,
                  const std::set<store::PartitionId>& partitions, uint32_t count) {
  const auto p = store::PartitionOfKey(cf, key, count);
  return p && partitions.count(*p) > 0;
}

}  // namespace

// The services' in-memory state per partition (cluster/partition_host.h).
class ClusterNode::Host final : public cluster::PartitionHost {
 public:
  Host(Services services, uint32_t partitions) : s_(services), partitions_(partitions) {}

  core::Status Load(const std::set<store::PartitionId>& partitions) override {
    auto rebuilt = s_.leaderboards->Rebuild([&](std::string_view board_key) {
      return InPartitions(store::ColumnFamily::kOrderedIndex, board_key, partitions, partitions_);
    });
    if (!rebuilt.ok()) return rebuilt.status();
    ForgetQueueHeads(partitions);
    if (partitions.count(partitions_)) {
      std::vector<std::pair<std::string, std::string>> rows;
      auto it = s_.engine->NewIterator(store::ColumnFamily::kAuth);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        rows.emplace_back(std::string(it->key()), std::string(it->value()));
      }
      SB_RETURN_IF_ERROR(it->status());
      SB_RETURN_IF_ERROR(s_.keys->Replace(rows));
    }
    return core::Status::Ok();
  }

  void Wake() override {
    s_.queues->WakeWaiters();
    s_.locks->WakeWaiters();
    if (s_.changes != nullptr) s_.changes->WakeWaiters();
  }

  void Drop(const std::set<store::PartitionId>& partitions) override {
    s_.leaderboards->Drop([&](std::string_view board_key) {
      return InPartitions(store::ColumnFamily::kOrderedIndex, board_key, partitions, partitions_);
    });
    ForgetQueueHeads(partitions);
  }

  core::Status ReplaceKeys(const std::vector<std::pair<std::string, std::string>>& rows) override {
    return s_.keys->Replace(rows);
  }

 private:
  // The hints live on the sequencer thread: forgotten inside a mutation that writes nothing.
  void ForgetQueueHeads(const std::set<store::PartitionId>& partitions) {
    core::Status forgot = s_.pipeline->CommitAndWait([&](store::WriteView&) {
      s_.queues->ForgetHeads([&](std::string_view prefix) {
        return InPartitions(store::ColumnFamily::kQueues, prefix, partitions, partitions_);
      });
      return core::Status::Ok();
    });
    if (!forgot.ok()) spdlog::warn("cluster: forgetting queue hints: {}", forgot.ToString());
  }

  Services s_;
  const uint32_t partitions_;
};

core::Result<std::unique_ptr<ClusterNode>> ClusterNode::Start(const config::Config& config,
                                                              PostgresStorage& storage,
                                                              Services services) {
  std::unique_ptr<ClusterNode> node(new ClusterNode());
  node->storage_ = &storage;
  const uint32_t partitions = storage.schema().partitions;
  node->map_ = std::make_unique<cluster::PartitionMap>(partitions);
  http::ForwardClient::Options client_options;
  client_options.timeout = std::chrono::milliseconds(config.forward_timeout_ms);
  // The partition map changes once a tick: asking more often than that learns nothing.
  client_options.recheck = std::chrono::milliseconds(config.cluster_tick_ms);
  // Whatever the owner answered is relayed whole: it is one of ours, and its answer is already
  // made (a :commit's or a :batchGet's can be many times body_limit_bytes). A cap here failed a
  // committed write with a retryable 503 PARTITION_MOVING — and every retry of it, its stored
  // Idempotency-Key answer being just as large.
  client_options.body_limit_bytes = std::numeric_limits<uint64_t>::max();
  // A peer closes a connection idle for io_timeout_ms (the nodes share one configuration): a
  // pooled one is reused only well within that, so the peer never closes it under a request.
  client_options.max_idle =
      std::min(client_options.max_idle, std::chrono::milliseconds(config.io_timeout_ms / 2));
  node->client_ = std::make_unique<http::ForwardClient>(client_options);
  node->placement_ = std::make_unique<cluster::NodePlacement>(storage.node_id(), node->map_.get(),
                                                              node->client_.get());
  node->host_ = std::make_unique<Host>(services, partitions);
  // Long polls that wait here and webhook deliveries ask, each time they wake, whether their
  // universe is still served here: owned, and within the lease (cut off from PostgreSQL, this
  // node keeps kOwned until its coordinator hears otherwise; another node may own it by then).
  auto serving = [map = node->map_.get()](int64_t universe) {
    const store::PartitionId p = store::PartitionOfUniverse(universe, map->partitions());
    return map->Serves(p, std::chrono::steady_clock::now()) ? core::Status::Ok()
                                                            : store::PartitionMoving(p);
  };
  services.queues->SetServing(serving);
  services.locks->SetServing(serving);
  if (services.changes != nullptr) services.changes->SetServing(serving);

  cluster::Coordinator::Options options;
  options.conninfo = config.postgres_url;
  options.node_id = storage.node_id();
  options.instance = storage.instance();
  options.advertise_url = config.advertise_url;
  options.lease = std::chrono::milliseconds(config.partition_lease_ms);
  options.renew_interval = std::chrono::milliseconds(config.partition_renew_ms);
  options.tick = std::chrono::milliseconds(config.cluster_tick_ms);
  options.timeout = std::chrono::milliseconds(config.postgres_timeout_ms);
  options.handoff_drain = std::chrono::milliseconds(config.handoff_drain_ms);
  node->coordinator_ = std::make_unique<cluster::Coordinator>(
      options, storage.schema(), services.engine, storage.commit(), services.pipeline,
      node->map_.get(), node->host_.get());
  cluster::Coordinator* coordinator = node->coordinator_.get();
  storage.OnPartitionLost([coordinator](store::PartitionId p) { coordinator->PartitionLost(p); });
  const auto started = std::chrono::steady_clock::now();
  core::Status first = coordinator->Start(/*load_in_memory=*/false);
  if (!first.ok()) {
    storage.OnPartitionLost(nullptr);
    return Because("cannot join the cluster", first);
  }
  spdlog::info("cluster: node '{}' ({}) owns {} of {} partitions after {} ms", storage.node_id(),
               config.advertise_url, coordinator->stats().owned, partitions + 1,
               MillisecondsSince(started));
  return node;
}

ClusterNode::~ClusterNode() {
  if (coordinator_) coordinator_->Stop();
  if (storage_) storage_->OnPartitionLost(nullptr);
}

bool ClusterNode::OwnsSystemPartition() const {
  return map_->StateOf(map_->partitions()) == cluster::PartitionMap::State::kOwned;
}

}  // namespace strongbox::app
