#include "store/pg_leases.h"

#include <spdlog/spdlog.h>

#include "store/pg_schema.h"

namespace strongbox::store::pg {

core::Result<std::map<PartitionId, PartitionClaim>> ClaimAll(Connection& conn,
                                                             const std::string& node_id,
                                                             uint32_t partitions,
                                                             std::chrono::milliseconds lease) {
  // Locks every partition row, so two nodes claiming at once are ordered, then checks before
  // writing anything.
  std::vector<Rows> rows;
  bool started = false;
  core::Status locked = conn.RunPipeline(
      {{"BEGIN", {}, false},
       {"SELECT partition, owner, lease_expires - " + std::string(kDatabaseNowMs) +
            " FROM strongbox_partitions WHERE partition <= $1 ORDER BY partition FOR UPDATE",
        {Param::Int(partitions)},
        false}},
      &rows, &started);
  auto rollback = [&conn] {
    if (conn.healthy()) (void)conn.Run("ROLLBACK");
  };
  if (!locked.ok()) {
    rollback();
    return locked;
  }
  const Rows& current = rows[1];
  if (current.size() != static_cast<int>(partitions) + 1) {
    rollback();
    return core::Status::FailedPrecondition(
        "strongbox_partitions has " + std::to_string(current.size()) + " rows, expected " +
        std::to_string(partitions + 1) + ": the schema is damaged");
  }
  for (int i = 0; i < current.size(); ++i) {
    if (current.null(i, 1) || current.bytes(i, 1) == node_id) continue;
    const int64_t remaining_ms = current.integer(i, 2);
    if (remaining_ms <= 0) continue;  // expired: claimable
    rollback();
    return core::Status::FailedPrecondition(
        "partition " + std::string(current.bytes(i, 0)) + " is owned by node '" +
        std::string(current.bytes(i, 1)) + "' whose lease runs " + std::to_string(remaining_ms) +
        " ms more: another Strongbox serves this database. Stop it, or give this one its own "
        "database; a node that died releases its partitions when its lease expires");
  }
  core::Status claimed = conn.RunPipeline(
      {{"UPDATE strongbox_partitions SET owner = $1, epoch = epoch + 1, handoff_to = NULL, "
        "lease_expires = " +
            std::string(kDatabaseNowMs) +
            " + $2 WHERE partition <= $3 RETURNING partition, epoch, commit_seq",
        {Param::Text(node_id), Param::Int(lease.count()), Param::Int(partitions)},
        false},
       {"COMMIT", {}, false}},
      &rows, &started);
  if (!claimed.ok()) {
    rollback();
    return claimed;
  }
  std::map<PartitionId, PartitionClaim> claims;
  for (int i = 0; i < rows[0].size(); ++i) {
    claims[static_cast<PartitionId>(rows[0].integer(i, 0))] =
        PartitionClaim{rows[0].integer(i, 1), rows[0].integer(i, 2)};
  }
  return claims;
}

void Release(Connection& conn, const std::string& node_id,
             const std::map<PartitionId, PartitionClaim>& claims) {
  std::vector<Statement> statements;
  for (const auto& [p, claim] : claims) {
    statements.push_back(
        {"UPDATE strongbox_partitions SET owner = NULL, lease_expires = 0 "
         "WHERE partition = $1 AND owner = $2 AND epoch = $3",
         {Param::Int(p), Param::Text(node_id), Param::Int(claim.epoch)},
         false});
  }
  std::vector<Rows> results;
  bool started = false;
  core::Status released = conn.RunPipeline(statements, &results, &started);
  if (!released.ok()) {
    spdlog::warn(
        "postgres: could not release this node's partitions ({}); they are free once "
        "their leases expire",
        released.ToString());
    return;
  }
  int64_t count = 0;
  for (const Rows& r : results) count += r.affected();
  spdlog::info("postgres: released {} partitions", count);
}

LeaseKeeper::LeaseKeeper(Options options) : options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

LeaseKeeper::~LeaseKeeper() { Stop(); }

void LeaseKeeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

LeaseKeeper::Stats LeaseKeeper::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

core::Status LeaseKeeper::RenewOnce() {
  if (conn_ == nullptr || !conn_->healthy()) {
    conn_.reset();
    SB_ASSIGN_OR_RETURN(conn_,
                        Connection::Open(options_.conninfo, "strongbox-lease", options_.timeout));
  }
  const auto started = std::chrono::steady_clock::now();
  SB_ASSIGN_OR_RETURN(
      Rows renewed,
      conn_->Run("UPDATE strongbox_partitions SET lease_expires = " + std::string(kDatabaseNowMs) +
                     " + $2 WHERE owner = $1",
                 {Param::Text(options_.node_id), Param::Int(options_.lease.count())}));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.renewals;
    stats_.last_renew_seconds = seconds;
  }
  if (static_cast<size_t>(renewed.affected()) < options_.partitions_owned) {
    spdlog::error(
        "postgres: renewed {} leases of the {} partitions this node claimed: another node "
        "claimed the rest, and this node's writes to them are refused",
        renewed.affected(), options_.partitions_owned);
  }
  return core::Status::Ok();
}

void LeaseKeeper::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.renew_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    core::Status renewed = RenewOnce();
    lock.lock();
    stats_.connected = conn_ != nullptr && conn_->healthy();
    if (!renewed.ok()) ++stats_.renew_failures;
    lock.unlock();
    if (!renewed.ok()) {
      spdlog::warn(
          "postgres: lease renewal failed ({}); the leases last {} ms from the last "
          "renewal",
          renewed.ToString(), options_.lease.count());
    }
    lock.lock();
  }
}

}  // namespace strongbox::store::pg
