#include "cluster/coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "store/pg_cache.h"

namespace strongbox::cluster {

namespace pg = store::pg;
using store::PartitionId;
using Clock = std::chrono::steady_clock;

namespace {

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Sizes of sets in the log, not the partitions themselves: "8 partitions (3, 5, …)".
std::string Describe(const std::set<PartitionId>& partitions) {
  std::string out =
      std::to_string(partitions.size()) + " partition" + (partitions.size() == 1 ? "" : "s") + " (";
  size_t shown = 0;
  for (PartitionId p : partitions) {
    if (shown == 8) {
      out += ", …";
      break;
    }
    out += (shown++ ? ", " : "") + std::to_string(p);
  }
  return out + ")";
}

}  // namespace

Coordinator::Coordinator(Options options, pg::SchemaInfo schema, store::Engine* engine,
                         pg::PostgresCommit* commit, store::CommitPipeline* pipeline,
                         PartitionMap* map, PartitionHost* host)
    : options_(std::move(options)),
      schema_(std::move(schema)),
      engine_(engine),
      commit_(commit),
      pipeline_(pipeline),
      map_(map),
      host_(host) {}

Coordinator::~Coordinator() { Stop(); }

core::Status Coordinator::Start(bool load_in_memory) {
  SB_ASSIGN_OR_RETURN(
      conn_, pg::Connection::Open(options_.conninfo, "strongbox-cluster", options_.timeout));
  SB_RETURN_IF_ERROR(WaitForNodeIdToLapse());
  SB_RETURN_IF_ERROR(Renew(conn_));  // registers this node before it counts the live ones
  SB_RETURN_IF_ERROR(Tick(load_in_memory));
  // Rows of partitions this node does not own (an earlier run's) must not linger in the cache:
  // the background jobs scan it.
  std::set<PartitionId> others;
  for (PartitionId p = 0; p <= schema_.partitions; ++p) {
    if (owned_.count(p) == 0) others.insert(p);
  }
  SB_RETURN_IF_ERROR(pg::DropPartitions(*engine_, others, schema_.partitions));
  // Renewals from now on: the caller's load of in-memory state may outlast a short lease.
  renew_thread_ = std::thread([this] { RenewLoop(); });
  return core::Status::Ok();
}

core::Status Coordinator::WaitForNodeIdToLapse() {
  // Ownership is by node id: a second live process with this id would renew this node's leases
  // and serve from its own cache beside it (two containers whose default ids, host:data dir,
  // agree). A heartbeat of this id from another advertise URL within the lease is such a
  // process, or this node's previous run on another port: wait for it to lapse (one lease at
  // most), and refuse to start if it keeps beating.
  const auto deadline = Clock::now() + 2 * options_.lease;
  for (;;) {
    SB_ASSIGN_OR_RETURN(pg::ClusterView view, pg::ReadCluster(*conn_));
    const pg::NodeRow* twin = nullptr;
    for (const pg::NodeRow& row : view.nodes) {
      if (row.node_id == options_.node_id && row.advertise_url != options_.advertise_url &&
          row.heartbeat_age_ms < options_.lease.count()) {
        twin = &row;
      }
    }
    if (twin == nullptr) return core::Status::Ok();
    if (Clock::now() >= deadline) {
      return core::Status::FailedPrecondition(
          "node id '" + options_.node_id + "' is in use by a live node at " + twin->advertise_url +
          " (heartbeat " + std::to_string(twin->heartbeat_age_ms) +
          " ms ago): every node needs its own --node-id");
    }
    std::this_thread::sleep_for(options_.lease / 10);
  }
}

void Coordinator::Run() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void Coordinator::RenewLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  bool was_draining = false;
  while (!stopping_) {
    // A drain is told to the others at once, not at the next renewal.
    cv_.wait_for(lock, options_.renew_interval,
                 [this, was_draining] { return stopping_ || draining_ != was_draining; });
    if (stopping_) break;
    was_draining = draining_;
    lock.unlock();
    core::Status renewed = Renew(renew_conn_);
    if (!renewed.ok() && renewed.reason() != "NODE_ID_TAKEN") {  // that one is logged once
      spdlog::warn(
          "cluster: heartbeat and lease renewal failed ({}); the leases last {} ms from "
          "the last renewal",
          renewed.ToString(), options_.lease.count());
    }
    lock.lock();
  }
}

void Coordinator::BeginDrain() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_ = true;
  }
  cv_.notify_all();
}

bool Coordinator::Drained() const {
  std::lock_guard<std::mutex> lock(mu_);
  return drained_;
}

void Coordinator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (renew_thread_.joinable()) renew_thread_.join();
}

void Coordinator::PartitionLost(PartitionId partition) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    lost_.insert(partition);
  }
  cv_.notify_all();
}

Coordinator::Stats Coordinator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

pg::ClusterView Coordinator::view() const {
  std::lock_guard<std::mutex> lock(mu_);
  return view_;
}

void Coordinator::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.tick,
                 [this] { return stopping_ || !lost_.empty() || !gone_.empty(); });
    if (stopping_) break;
    lock.unlock();
    core::Status ticked = Tick(/*load_in_memory=*/true);
    if (!ticked.ok()) spdlog::warn("cluster: {}", ticked.ToString());
    lock.lock();
  }
}

bool Coordinator::Live(const pg::NodeRow& node) const {
  return node.heartbeat_age_ms < options_.lease.count() && !node.draining;
}

core::Status Coordinator::Renew(std::unique_ptr<pg::Connection>& conn) {
  bool draining = false;
  std::map<PartitionId, uint64_t> asked;  // partition → its adoption, as renewed now
  std::vector<PartitionId> mine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (drained_) return core::Status::Ok();  // deregistered: no heartbeat brings it back
    // A successor holds the id: no heartbeat either (one would re-register this process once
    // the successor deregisters, and others would count it live and hand it partitions).
    if (!superseded_.ok()) return superseded_;
    draining = draining_;
    asked = adopted_;
    for (const auto& [p, adoption] : asked) mine.push_back(p);
  }
  const auto started = Clock::now();
  if (conn == nullptr || !conn->healthy()) {
    conn.reset();
    auto opened = pg::Connection::Open(options_.conninfo, "strongbox-lease", options_.timeout);
    if (!opened.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.renew_failures;
      return opened.status();
    }
    conn = std::move(*opened);
  }
  // The first heartbeat of this process takes the node id over (Start checked for a live twin
  // first); every later one only refreshes a row that still holds this process's token.
  const bool take_over = !registered_.load();
  auto owned = pg::Heartbeat(*conn, options_.node_id, options_.instance, take_over,
                             options_.advertise_url, draining, mine, options_.lease);
  if (!owned.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.renew_failures;
    if (owned.status().reason() == "NODE_ID_TAKEN") {
      // A successor holds this id: nothing of this process's may be served from now on (its
      // lease window is not extended, so reads stop at once), and the next tick drops it all.
      spdlog::error("cluster: {}", owned.status().message());
      superseded_ = owned.status();
      for (const auto& [p, adoption] : adopted_) {
        map_->Set(p, PartitionMap::Entry{PartitionMap::State::kMoving, "", ""});
        gone_[p] = adoption;
      }
      cv_.notify_all();
    }
    return owned.status();
  }
  registered_.store(true);
  const double seconds = SecondsSince(started);
  renew_seconds_.Observe(seconds);
  if (seconds * 4 > std::chrono::duration<double>(options_.lease).count()) {
    spdlog::warn("cluster: a heartbeat took {:.3f} s of a {} ms lease", seconds,
                 options_.lease.count());
  }
  std::set<PartitionId> still;
  for (const auto& [p, epoch] : *owned) still.insert(p);
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Renewed for these partitions and refused: another node claimed them. Marked moving (under
    // mu_, so a drop and re-claim on the balancing thread cannot slip between) before the lease
    // window is extended: the next tick drops them, but no read may come from this cache now.
    for (const auto& [p, adoption] : asked) {
      auto now_adopted = adopted_.find(p);
      if (still.count(p) || now_adopted == adopted_.end() || now_adopted->second != adoption) {
        continue;
      }
      map_->Set(p, PartitionMap::Entry{PartitionMap::State::kMoving, "", ""});
      gone_[p] = adoption;
    }
    ++stats_.renewals;
    stats_.last_renew_seconds = seconds;
  }
  // The database set lease_expires after `started`; a tenth is kept as a margin for clock rate.
  map_->SetLeaseValidUntil(started + options_.lease - options_.lease / 10);
  cv_.notify_all();
  return core::Status::Ok();
}

core::Status Coordinator::Tick(bool load_in_memory) {
  if (conn_ == nullptr || !conn_->healthy()) {
    conn_.reset();
    SB_ASSIGN_OR_RETURN(
        conn_, pg::Connection::Open(options_.conninfo, "strongbox-cluster", options_.timeout));
  }
  std::set<PartitionId> lost;
  bool draining = false;
  std::set<PartitionId> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lost.swap(lost_);
    draining = draining_;
    for (const auto& [p, adoption] : gone_) {
      auto it = adopted_.find(p);
      if (it != adopted_.end() && it->second == adoption) gone.insert(p);
    }
    gone_.clear();
  }
  std::set<PartitionId> fenced;
  for (PartitionId p : lost) {
    if (owned_.count(p)) fenced.insert(p);
  }
  if (!fenced.empty()) Drop(fenced, "its commit was fenced: another node claimed it");
  if (!gone.empty()) Drop(gone, "another node claimed it (this node's lease had lapsed)");
  // Cache rows of dropped partitions go once the pipeline writes again: a group it still holds
  // (a local write that failed) must not land after them (store/pg_cache.h).
  const bool writable = pipeline_->health().writable;
  if (writable && !pending_drop_.empty()) {
    core::Status dropped = pg::DropPartitions(*engine_, pending_drop_, schema_.partitions);
    if (dropped.ok()) pending_drop_.clear();
    if (!dropped.ok()) spdlog::warn("cluster: dropping cache rows: {}", dropped.ToString());
  }

  SB_ASSIGN_OR_RETURN(pg::ClusterView view, pg::ReadCluster(*conn_));
  {
    std::lock_guard<std::mutex> lock(mu_);
    view_ = view;
  }
  size_t live = 0;
  for (const pg::NodeRow& node : view.nodes) live += Live(node) ? 1 : 0;
  const size_t total = schema_.partitions + 1;
  const size_t share = (total + std::max<size_t>(live, 1) - 1) / std::max<size_t>(live, 1);
  if (draining) {
    // Everything goes, a batch per tick, to the live node that owns the fewest.
    size_t fewest = SIZE_MAX;
    const pg::NodeRow* to = Receiver(view, &fewest);
    std::set<PartitionId> batch;
    for (PartitionId p : owned_) {
      if (batch.size() == options_.handoffs_per_tick && to != nullptr) break;
      batch.insert(p);
    }
    if (!batch.empty() && writable) HandOff(batch, to ? *to : pg::NodeRow{});
    if (owned_.empty() && pending_drop_.empty()) {
      (void)pg::Deregister(*conn_, options_.node_id, options_.instance);
      std::lock_guard<std::mutex> lock(mu_);
      drained_ = true;
    }
  } else if (writable && !superseded()) {
    // While the pipeline is stopped by a fault nothing moves: a claim's cache load or a
    // hand-off's drop could be overtaken by the group the pipeline still holds. A process whose
    // node id a successor holds claims nothing (Renew).
    Claim(view, share, load_in_memory);
    Balance(view, share);
  }
  UpdateMap(view);
  SyncKeys(view);
  std::lock_guard<std::mutex> lock(mu_);
  stats_.owned = owned_.size();
  return core::Status::Ok();
}

void Coordinator::Claim(const pg::ClusterView& view, size_t share, bool load_in_memory) {
  // Handed to this node, or still this node's in the table (an earlier run of the same node
  // id): always taken. Free or expired: while below the share, lowest partition first.
  std::vector<PartitionId> wanted;
  size_t incoming = 0;  // handed to this node: taken whatever the share
  for (const pg::PartitionRow& row : view.partitions) {
    incoming += !row.owner && row.handoff_to && *row.handoff_to == options_.node_id ? 1 : 0;
  }
  size_t room = share > owned_.size() + incoming ? share - owned_.size() - incoming : 0;
  for (const pg::PartitionRow& row : view.partitions) {
    if (owned_.count(row.partition) || pending_drop_.count(row.partition)) continue;
    const bool mine = (row.owner && *row.owner == options_.node_id) ||
                      (!row.owner && row.handoff_to && *row.handoff_to == options_.node_id);
    const bool free = (!row.owner && !row.handoff_to) || row.lease_remaining_ms <= 0;
    if (mine) {
      wanted.push_back(row.partition);
    } else if (free && room > 0) {
      wanted.push_back(row.partition);
      --room;
    }
  }
  if (wanted.empty()) return;
  const auto started = Clock::now();
  std::map<PartitionId, pg::PartitionClaim> claimed;
  std::map<PartitionId, int64_t> seqs;
  for (PartitionId p : wanted) {
    auto claim = pg::ClaimPartition(*conn_, options_.node_id, options_.instance, p, options_.lease);
    if (!claim.ok()) {
      spdlog::warn("cluster: claiming partition {}: {}", p, claim.status().ToString());
      break;
    }
    if (!*claim) continue;  // another node was first
    claimed[p] = **claim;
    seqs[p] = (*claim)->commit_seq;
    map_->Set(p, PartitionMap::Entry{PartitionMap::State::kMoving, "", ""});
  }
  if (claimed.empty()) return;
  std::set<PartitionId> loaded;
  for (const auto& [p, claim] : claimed) loaded.insert(p);
  pg::CatchUpStats caught;
  core::Status ready = pg::CatchUp(*engine_, *conn_, schema_, seqs, &caught);
  if (ready.ok() && load_in_memory) ready = host_->Load(loaded);
  if (!ready.ok()) {
    spdlog::error("cluster: could not load {}: {}; releasing them", Describe(loaded),
                  ready.ToString());
    for (const auto& [p, claim] : claimed) {
      (void)pg::ReleasePartition(*conn_, options_.node_id, p, claim.epoch, "", options_.lease);
    }
    (void)pg::DropPartitions(*engine_, loaded, schema_.partitions);
    return;
  }
  // The load may have outlasted the claim's lease, and another node may have claimed since:
  // only what is still this node's at the claimed epoch, with its lease renewed from now (so
  // it outlasts the node's read window), is served.
  auto confirmed = pg::ConfirmClaims(*conn_, options_.node_id, claimed, options_.lease);
  std::set<PartitionId> lapsed;
  for (const auto& [p, claim] : claimed) {
    if (!confirmed.ok() || confirmed->count(p) == 0) lapsed.insert(p);
  }
  if (!lapsed.empty()) {
    spdlog::warn("cluster: {} lapsed while loading ({}); not served", Describe(lapsed),
                 confirmed.ok() ? "claimed by another node" : confirmed.status().ToString());
    host_->Drop(lapsed);
    pending_drop_.insert(lapsed.begin(), lapsed.end());
    for (PartitionId p : lapsed) claimed.erase(p);
  }
  for (const auto& [p, claim] : claimed) {
    commit_->Adopt(p, claim);
    owned_.insert(p);
    std::lock_guard<std::mutex> lock(mu_);
    adopted_[p] = ++adoptions_;
    map_->Set(p, PartitionMap::Entry{PartitionMap::State::kOwned, options_.node_id, ""});
  }
  const double seconds = SecondsSince(started);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.claims += claimed.size();
    stats_.last_load_seconds = seconds;
  }
  spdlog::info("cluster: claimed and loaded {} in {:.3f} s ({} rows streamed); {} owned",
               Describe(loaded), seconds, caught.rows_loaded, owned_.size());
}

const pg::NodeRow* Coordinator::Receiver(const pg::ClusterView& view, size_t* fewest) const {
  std::map<std::string, size_t> counts;
  for (const pg::NodeRow& node : view.nodes) {
    if (Live(node) && node.node_id != options_.node_id) counts[node.node_id] = 0;
  }
  for (const pg::PartitionRow& row : view.partitions) {
    if (row.owner && counts.count(*row.owner)) ++counts[*row.owner];
    // A partition already on its way to a node counts as its own.
    if (!row.owner && row.handoff_to && counts.count(*row.handoff_to)) ++counts[*row.handoff_to];
  }
  const pg::NodeRow* to = nullptr;
  for (const pg::NodeRow& node : view.nodes) {
    auto it = counts.find(node.node_id);
    if (it != counts.end() && it->second < *fewest) {
      *fewest = it->second;
      to = &node;
    }
  }
  return to;
}

void Coordinator::Balance(const pg::ClusterView& view, size_t share) {
  if (owned_.size() <= share) return;
  size_t fewest = share;
  const pg::NodeRow* to = Receiver(view, &fewest);
  if (to == nullptr) return;
  // Every node above its share sends to the same (fewest) node in the same tick: each sends its
  // part of the gap, so the receiver does not overshoot and hand partitions back.
  size_t givers = 0;
  std::map<std::string, size_t> all;
  for (const pg::PartitionRow& row : view.partitions) {
    if (row.owner) ++all[*row.owner];
  }
  for (const pg::NodeRow& node : view.nodes) {
    if (Live(node) && all[node.node_id] > share) ++givers;
  }
  givers = std::max<size_t>(givers, 1);
  const size_t moves = std::min(
      {owned_.size() - share, (share - fewest + givers - 1) / givers, options_.handoffs_per_tick});
  // The highest partitions go first; the system partition (the last) goes only when it must.
  std::set<PartitionId> batch;
  for (auto it = owned_.rbegin(); it != owned_.rend() && batch.size() < moves; ++it) {
    if (*it == schema_.partitions && owned_.size() - batch.size() > moves) continue;
    batch.insert(*it);
  }
  HandOff(batch, *to);
}

void Coordinator::HandOff(const std::set<PartitionId>& partitions, const pg::NodeRow& to) {
  const auto started = Clock::now();
  // 1. New requests answer 503 PARTITION_MOVING; new writes are refused by the sequencer.
  for (PartitionId p : partitions) {
    map_->Set(p, PartitionMap::Entry{PartitionMap::State::kMoving, "", ""});
    commit_->StopAdmitting(p);
  }
  host_->Wake();  // long polls of these partitions answer 503 rather than hold the drain
  // 2. Requests already being served finish (bounded), then the sequencer drains.
  const auto deadline = started + options_.handoff_drain;
  for (;;) {
    int64_t in_flight = 0;
    for (PartitionId p : partitions) in_flight += map_->InFlight(p);
    if (in_flight == 0 || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  (void)pipeline_->CommitAndWait([](store::WriteView&) { return core::Status::Ok(); });
  // 3. Released at this node's epochs, naming the successor.
  for (PartitionId p : partitions) {
    auto claim = commit_->Forget(p);
    owned_.erase(p);
    {
      std::lock_guard<std::mutex> lock(mu_);
      adopted_.erase(p);
    }
    if (!claim) continue;
    auto released =
        pg::ReleasePartition(*conn_, options_.node_id, p, claim->epoch, to.node_id, options_.lease);
    if (!released.ok()) {
      spdlog::warn("cluster: releasing partition {}: {} (it is free once its lease expires)", p,
                   released.status().ToString());
    } else if (!*released) {
      spdlog::warn("cluster: partition {} was claimed by another node before its release", p);
    }
  }
  host_->Drop(partitions);
  core::Status dropped = pg::DropPartitions(*engine_, partitions, schema_.partitions);
  if (!dropped.ok()) {
    spdlog::warn("cluster: dropping cache rows: {}", dropped.ToString());
    pending_drop_.insert(partitions.begin(), partitions.end());
  }
  for (PartitionId p : partitions) {
    map_->Set(p, PartitionMap::Entry{to.node_id.empty() ? PartitionMap::State::kMoving
                                                        : PartitionMap::State::kRemote,
                                     to.node_id, to.advertise_url});
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.handoffs += partitions.size();
  }
  spdlog::info("cluster: handed off {} to '{}' in {:.3f} s; {} owned", Describe(partitions),
               to.node_id.empty() ? "whoever claims them" : to.node_id, SecondsSince(started),
               owned_.size());
}

void Coordinator::Drop(const std::set<PartitionId>& partitions, const char* why) {
  for (PartitionId p : partitions) {
    map_->Set(p, PartitionMap::Entry{PartitionMap::State::kMoving, "", ""});
    (void)commit_->Forget(p);
    owned_.erase(p);
    std::lock_guard<std::mutex> lock(mu_);
    adopted_.erase(p);
  }
  host_->Wake();
  host_->Drop(partitions);
  // The cache rows go at the next tick the pipeline is writable (see Tick).
  pending_drop_.insert(partitions.begin(), partitions.end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.lost += partitions.size();
  }
  spdlog::warn("cluster: dropped {}: {}", Describe(partitions), why);
}

void Coordinator::UpdateMap(const pg::ClusterView& view) {
  std::map<std::string, std::string> urls;
  for (const pg::NodeRow& node : view.nodes) {
    if (node.heartbeat_age_ms < options_.lease.count()) urls[node.node_id] = node.advertise_url;
  }
  for (const pg::PartitionRow& row : view.partitions) {
    if (owned_.count(row.partition)) continue;  // this node's entry is its own business
    const std::optional<std::string>& owner = row.owner ? row.owner : row.handoff_to;
    if (!owner || *owner == options_.node_id || urls.count(*owner) == 0) {
      map_->Set(row.partition, PartitionMap::Entry{PartitionMap::State::kMoving, "", ""});
    } else {
      map_->Set(row.partition,
                PartitionMap::Entry{PartitionMap::State::kRemote, *owner, urls[*owner]});
    }
  }
}

void Coordinator::SyncKeys(const pg::ClusterView& view) {
  if (view.partitions.empty()) return;
  const pg::PartitionRow& system = view.partitions.back();
  if (owned_.count(system.partition)) {
    keys_seq_ = -1;  // kept by this node's own writes; read again if it moves away
    return;
  }
  if (system.commit_seq == keys_seq_) return;
  auto rows =
      conn_->Run(pg::Statement{"SELECT k, v FROM strongbox_kv WHERE partition = $1 AND cf = $2",
                               {pg::Param::Int(system.partition),
                                pg::Param::Int(static_cast<int64_t>(store::ColumnFamily::kAuth))},
                               /*binary_result=*/true});
  if (!rows.ok()) {
    spdlog::warn("cluster: reading the API keys: {}", rows.status().ToString());
    return;
  }
  std::vector<std::pair<std::string, std::string>> keys;
  for (int i = 0; i < rows->size(); ++i) {
    keys.emplace_back(std::string(rows->bytes(i, 0)), std::string(rows->bytes(i, 1)));
  }
  core::Status replaced = host_->ReplaceKeys(keys);
  if (!replaced.ok()) {
    spdlog::warn("cluster: copying the API keys: {}", replaced.ToString());
    return;
  }
  keys_seq_ = system.commit_seq;
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.key_reloads;
}

}  // namespace strongbox::cluster
