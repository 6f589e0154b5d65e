#include "store/pg_commit.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "store/pg_cache.h"

namespace strongbox::store::pg {

namespace {

// The fence fails by casting 'fenced' to BIGINT (SQLSTATE 22P02), which aborts the whole
// transaction inside the pipeline. A plain UPDATE … WHERE epoch = $e that matched no row would
// not: the statements after it, and COMMIT, would still run. CAST and CASE are in every
// PostgreSQL-protocol database; RAISE would need PL/pgSQL.
constexpr const char* kFence =
    "UPDATE strongbox_partitions SET commit_seq = commit_seq + CAST(CASE WHEN owner = $2 AND "
    "epoch = $3 AND commit_seq = $4 THEN '1' ELSE 'fenced' END AS BIGINT) WHERE partition = $1 "
    "RETURNING commit_seq";
constexpr const char* kUpsert =
    "INSERT INTO strongbox_kv (partition, cf, k, v) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (partition, cf, k) DO UPDATE SET v = EXCLUDED.v";
constexpr const char* kDelete =
    "DELETE FROM strongbox_kv WHERE partition = $1 AND cf = $2 AND k = $3";
constexpr const char* kFenceFailedState = "22P02";

core::Status PartitionLost(const std::string& why) {
  return core::Status::Unavailable(
             why +
             " Writes on this node are refused until it is restarted (it then loads the "
             "partition's state from PostgreSQL again); reads still answer from its cache.")
      .WithReason("PARTITION_LOST")
      .WithMetadata("retryAfterSeconds", "5");
}

// The last operation per (column family, key) of a batch, in key order.
class FoldHandler : public rocksdb::WriteBatch::Handler {
 public:
  using Folded = std::map<std::pair<size_t, std::string>, std::optional<std::string>>;
  explicit FoldHandler(Folded* folded) : folded_(folded) {}

  rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    (*folded_)[{id, key.ToString()}] = value.ToString();
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    (*folded_)[{id, key.ToString()}] = std::nullopt;
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    return DeleteCF(id, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::NotSupported("DeleteRange in a PostgreSQL-mode batch");
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::NotSupported("Merge in a PostgreSQL-mode batch");
  }

 private:
  Folded* folded_;
};

}  // namespace

PostgresCommit::PostgresCommit(Engine* engine, Options options, SchemaInfo schema,
                               std::map<PartitionId, PartitionClaim> claims,
                               std::unique_ptr<Connection> conn)
    : engine_(engine),
      options_(std::move(options)),
      schema_(std::move(schema)),
      claims_(std::move(claims)),
      admitted_(new std::atomic<bool>[schema_.partitions + 1]),
      conn_(std::move(conn)) {
  connected_ = conn_ != nullptr;
  for (PartitionId p = 0; p <= schema_.partitions; ++p) admitted_[p] = claims_.count(p) > 0;
  for (size_t cf = 0; cf < static_cast<size_t>(ColumnFamily::kCount); ++cf) {
    const uint32_t id = engine_->handle(static_cast<ColumnFamily>(cf))->GetID();
    if (family_of_id_.size() <= id) family_of_id_.resize(id + 1, ColumnFamily::kCount);
    family_of_id_[id] = static_cast<ColumnFamily>(cf);
  }
}

PostgresCommit::Stats PostgresCommit::stats() const {
  std::lock_guard<std::mutex> lock(claims_mu_);
  return Stats{transactions_.load(), retries_.load(),   unknown_.load(),
               reconnects_.load(),   connected_.load(), claims_.size()};
}

core::Status PostgresCommit::Admit(ColumnFamily cf, std::string_view key) const {
  if (cf == ColumnFamily::kDefault) return core::Status::Ok();
  const auto partition = PartitionOfKey(cf, key, schema_.partitions);
  if (partition && admitted_[*partition].load(std::memory_order_acquire)) {
    return core::Status::Ok();
  }
  return PartitionMoving(partition.value_or(schema_.partitions));
}

core::Status PostgresCommit::AdmitRead(ColumnFamily cf, std::string_view key) const {
  if (cf == ColumnFamily::kDefault) return core::Status::Ok();
  const auto partition = PartitionOfKey(cf, key, schema_.partitions);
  if (!partition || admitted_[*partition].load(std::memory_order_acquire)) {
    return core::Status::Ok();
  }
  return PartitionMoving(*partition);
}

void PostgresCommit::Adopt(PartitionId partition, PartitionClaim claim) {
  std::lock_guard<std::mutex> lock(claims_mu_);
  claims_[partition] = claim;
  admitted_[partition] = true;
}

void PostgresCommit::StopAdmitting(PartitionId partition) {
  if (partition <= schema_.partitions) admitted_[partition] = false;
}

std::optional<PartitionClaim> PostgresCommit::Forget(PartitionId partition) {
  std::lock_guard<std::mutex> lock(claims_mu_);
  StopAdmitting(partition);
  auto it = claims_.find(partition);
  if (it == claims_.end()) return std::nullopt;
  PartitionClaim claim = it->second;
  claims_.erase(it);
  return claim;
}

std::map<PartitionId, PartitionClaim> PostgresCommit::claims() const {
  std::lock_guard<std::mutex> lock(claims_mu_);
  return claims_;
}

std::optional<PartitionClaim> PostgresCommit::ClaimOf(PartitionId partition) const {
  std::lock_guard<std::mutex> lock(claims_mu_);
  auto it = claims_.find(partition);
  if (it == claims_.end()) return std::nullopt;
  return it->second;
}

core::Status PostgresCommit::Lost(PartitionId partition, const core::Status& why) {
  (void)Forget(partition);
  spdlog::warn("postgres: {} This node drops the partition and serves the rest.", why.message());
  if (options_.on_lost) options_.on_lost(partition);
  return core::Status::Unavailable(why.message() + " Retry: the request reaches its new owner.")
      .WithReason("PARTITION_LOST")
      .WithMetadata("retryAfterSeconds", "1");
}

core::Result<std::vector<PostgresCommit::Row>> PostgresCommit::Fold(
    const rocksdb::WriteBatch& batch) const {
  FoldHandler::Folded folded;
  FoldHandler handler(&folded);
  rocksdb::Status iterated = batch.Iterate(&handler);
  if (!iterated.ok()) return core::Status::Internal("folding the batch: " + iterated.ToString());
  std::vector<Row> rows;
  rows.reserve(folded.size());
  for (auto& [where, value] : folded) {
    const ColumnFamily cf =
        where.first < family_of_id_.size() ? family_of_id_[where.first] : ColumnFamily::kCount;
    if (cf == ColumnFamily::kDefault) continue;  // the cache's own bookkeeping: never sent
    const auto partition = cf == ColumnFamily::kCount
                               ? std::nullopt
                               : PartitionOfKey(cf, where.second, schema_.partitions);
    if (!partition) {
      return core::Status::Internal("a staged row has no partition (family " +
                                    std::to_string(where.first) + ")");
    }
    if (!ClaimOf(*partition)) return PartitionMoving(*partition);  // forgotten since staged
    rows.push_back(Row{cf, where.second, std::move(value), *partition});
  }
  return rows;
}

core::Status PostgresCommit::Reconnect() {
  conn_.reset();
  connected_ = false;
  ++reconnects_;
  SB_ASSIGN_OR_RETURN(conn_,
                      Connection::Open(options_.conninfo, "strongbox-commit", options_.timeout));
  connected_ = true;
  return core::Status::Ok();
}

core::Status PostgresCommit::Fenced(PartitionId partition) {
  const PartitionClaim mine = ClaimOf(partition).value_or(PartitionClaim{});
  std::string why = "Partition " + std::to_string(partition) + " is no longer this node's.";
  auto row = conn_->Run(
      "SELECT owner, epoch, commit_seq FROM strongbox_partitions WHERE "
      "partition = $1",
      {Param::Int(partition)});
  if (row.ok() && row->size() == 1) {
    const std::string owner = row->null(0, 0) ? "nobody" : std::string(row->bytes(0, 0));
    if (owner != options_.node_id || row->integer(0, 1) != mine.epoch) {
      why = "Partition " + std::to_string(partition) + " is owned by node '" + owner +
            "' at epoch " + std::to_string(row->integer(0, 1)) + " (this node claimed epoch " +
            std::to_string(mine.epoch) + ").";
    } else {
      why = "Partition " + std::to_string(partition) + " has commit_seq " +
            std::to_string(row->integer(0, 2)) + " in PostgreSQL but " +
            std::to_string(mine.commit_seq) +
            " in this node's cache: the database gained or lost commits behind its back (a "
            "restore, or a failover to a standby that was behind).";
    }
  }
  if (options_.drop_lost_partitions) return Lost(partition, core::Status::Unavailable(why));
  fenced_ = PartitionLost(why);
  spdlog::error("postgres: {}", fenced_.message());
  return fenced_;
}

DurableStep::Result PostgresCommit::Attempt(const std::vector<Row>& rows,
                                            const std::set<PartitionId>& touched,
                                            rocksdb::WriteBatch* local) {
  if (conn_ == nullptr || !conn_->healthy()) {
    connected_ = false;
    return {Outcome::kNotCommitted, StorageUnavailable("PostgreSQL connection lost; reconnecting")};
  }
  std::vector<Statement> statements;
  statements.reserve(rows.size() + touched.size() + 2);
  statements.push_back({"BEGIN", {}, false});
  for (PartitionId p : touched) {
    const PartitionClaim claim = ClaimOf(p).value_or(PartitionClaim{});
    statements.push_back({kFence,
                          {Param::Int(p), Param::Text(options_.node_id), Param::Int(claim.epoch),
                           Param::Int(claim.commit_seq)},
                          false,
                          /*prepared=*/true});
  }
  for (const Row& row : rows) {
    const auto cf = static_cast<int64_t>(row.cf);
    if (row.value) {
      statements.push_back({kUpsert,
                            {Param::Int(row.partition), Param::Int(cf), Param::Bytes(row.key),
                             Param::Bytes(*row.value)},
                            false,
                            /*prepared=*/true});
    } else {
      statements.push_back({kDelete,
                            {Param::Int(row.partition), Param::Int(cf), Param::Bytes(row.key)},
                            false,
                            /*prepared=*/true});
    }
  }
  statements.push_back({"COMMIT", {}, false});

  std::vector<Rows> results;
  bool started = false;
  core::Status sent = conn_->RunPipeline(statements, &results, &started);
  if (sent.ok()) {
    size_t i = 1;
    std::lock_guard<std::mutex> lock(claims_mu_);
    for (PartitionId p : touched) {
      const int64_t seq = results[i++].integer(0, 0);
      if (auto it = claims_.find(p); it != claims_.end()) it->second.commit_seq = seq;
      PutCommitSeq(*engine_, local, p, seq);
    }
    ++transactions_;
    return {Outcome::kCommitted, {}};
  }
  // Only an error a statement reported, with the session alive, says for sure that the
  // transaction did not commit. Anything else after sending began (the session terminated,
  // the connection lost, a reply out of step) may have come after COMMIT ran.
  // An error on COMMIT itself is no proof either (CockroachDB answers 40003, "result is
  // ambiguous"), except a serialization failure, which is a definite abort.
  const std::string_view sqlstate = sent.MetadataValue("sqlstate");
  const std::string_view failed_at = sent.MetadataValue("statement");
  const bool session_gone = sqlstate.empty() || sqlstate.substr(0, 2) == "57" ||
                            sqlstate.substr(0, 2) == "08" || !conn_->healthy();
  const bool at_commit = failed_at == std::to_string(statements.size() - 1) &&
                         sqlstate != "40001" && sqlstate != "40P01";
  if (failed_at.empty() || session_gone || at_commit || sqlstate == "40003") {
    conn_.reset();  // whatever state it is in, the next group gets a fresh session
    connected_ = false;
    if (!started) return {Outcome::kNotCommitted, sent};
    unknown_touched_ = touched;
    reclaims_ = 0;
    ++unknown_;
    spdlog::warn(
        "postgres: the session failed while a commit was in flight ({}); its outcome is "
        "settled when PostgreSQL answers again",
        sent.ToString());
    return {Outcome::kUnknown,
            StorageUnavailable("PostgreSQL went away during the commit: this write may or may "
                               "not have been applied. Retry it with the same Idempotency-Key.")};
  }
  // A server error with the connection intact: the transaction is aborted; end it.
  (void)conn_->Run("ROLLBACK");
  const std::string_view statement = sent.MetadataValue("statement");
  const size_t index = statement.empty() ? 0 : std::stoul(std::string(statement));
  if (sent.MetadataValue("sqlstate") == kFenceFailedState && index >= 1 &&
      index <= touched.size()) {
    core::Status fenced = Fenced(*std::next(touched.begin(), static_cast<long>(index - 1)));
    // Cluster mode: only that partition is gone; the group fails and writes go on.
    return {options_.drop_lost_partitions ? Outcome::kRejected : Outcome::kFenced, fenced};
  }
  if (sent.code() == core::StatusCode::kUnavailable) return {Outcome::kNotCommitted, sent};
  return {Outcome::kRejected, sent};
}

DurableStep::Result PostgresCommit::Commit(const rocksdb::WriteBatch& batch,
                                           rocksdb::WriteBatch* local) {
  if (!fenced_.ok()) return {Outcome::kFenced, fenced_};
  auto rows = Fold(batch);
  if (!rows.ok()) return {Outcome::kRejected, rows.status()};
  std::set<PartitionId> touched;
  for (const Row& row : *rows) touched.insert(row.partition);
  const auto started = std::chrono::steady_clock::now();
  Result result;
  for (int attempt = 0;; ++attempt) {
    result = Attempt(*rows, touched, local);
    const bool serialization =
        result.outcome == Outcome::kRejected && result.status.reason() == "SERIALIZATION_FAILURE";
    if (!serialization) break;
    if (attempt >= options_.max_retries) {
      result.status =
          StorageUnavailable("PostgreSQL kept refusing the commit with serialization failures (" +
                                 std::to_string(attempt + 1) + " attempts); retry",
                             1);
      break;
    }
    ++retries_;
  }
  commit_seconds_.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return result;
}

core::Status PostgresCommit::Recover(rocksdb::WriteBatch* local, bool* unknown_committed) {
  *unknown_committed = false;
  if (!fenced_.ok()) return fenced_;
  if (conn_ == nullptr || !conn_->healthy()) SB_RETURN_IF_ERROR(Reconnect());
  if (!unknown_touched_.empty()) {
    // Claim the touched partitions again: the new epoch fences off the old session's
    // transaction if it is still in flight, and the row locks wait for it if it holds them.
    // Then commit_seq says whether it committed. An earlier attempt of this claim may have
    // committed with its answer lost, so the epoch may be up to `reclaims_` past the one this
    // node knows — and no further: a higher one is another process's claim.
    ++reclaims_;
    std::vector<Statement> statements = {{"BEGIN", {}, false}};
    for (PartitionId p : unknown_touched_) {
      statements.push_back(
          {"UPDATE strongbox_partitions SET epoch = epoch + 1, lease_expires = " +
               std::string(kDatabaseNowMs) +
               " + $3 WHERE partition = $1 AND owner = $2 AND epoch >= $4 AND epoch < $4 + $5 "
               "AND (CAST($6 AS TEXT) = '' OR EXISTS (SELECT 1 FROM strongbox_nodes WHERE "
               "node_id = $2 AND instance = $6)) RETURNING epoch, commit_seq",
           {Param::Int(p), Param::Text(options_.node_id), Param::Int(options_.lease.count()),
            Param::Int(ClaimOf(p).value_or(PartitionClaim{}).epoch), Param::Int(reclaims_),
            Param::Text(options_.instance)},
           false});
    }
    statements.push_back({"COMMIT", {}, false});
    std::vector<Rows> results;
    bool started = false;
    core::Status claimed = conn_->RunPipeline(statements, &results, &started);
    if (!claimed.ok()) {
      if (conn_->healthy()) (void)conn_->Run("ROLLBACK");
      return claimed;
    }
    size_t i = 1;
    size_t advanced = 0;
    size_t same = 0;
    std::map<PartitionId, PartitionClaim> settled;
    for (PartitionId p : unknown_touched_) {
      const Rows& row = results[i++];
      if (row.size() != 1) {
        // Cluster mode: another node owns it now and settles it from the database; this node
        // drops it and decides by the partitions it keeps.
        if (options_.drop_lost_partitions) {
          (void)Fenced(p);
          continue;
        }
        return Fenced(p);
      }
      const int64_t known = ClaimOf(p).value_or(PartitionClaim{}).commit_seq;
      settled[p] = PartitionClaim{row.integer(0, 0), row.integer(0, 1)};
      if (settled[p].commit_seq == known + 1) ++advanced;
      if (settled[p].commit_seq == known) ++same;
    }
    if (advanced != settled.size() && same != settled.size()) {
      fenced_ = PartitionLost(
          "After a commit of unknown outcome the touched partitions disagree on whether it "
          "committed.");
      spdlog::error("postgres: {}", fenced_.message());
      return fenced_;
    }
    *unknown_committed = !settled.empty() && advanced == settled.size();
    {
      std::lock_guard<std::mutex> lock(claims_mu_);
      for (const auto& [p, claim] : settled) {
        if (auto it = claims_.find(p); it != claims_.end()) it->second = claim;
        if (*unknown_committed) PutCommitSeq(*engine_, local, p, claim.commit_seq);
      }
    }
    spdlog::warn("postgres: the commit of unknown outcome {}",
                 *unknown_committed ? "had committed: it is applied now"
                                    : "had not committed: it is dropped");
    unknown_touched_.clear();
  }
  return core::Status::Ok();
}

void PostgresCommit::Release() {
  if ((conn_ == nullptr || !conn_->healthy()) && !Reconnect().ok()) {
    spdlog::warn(
        "postgres: could not release this node's partitions (no session); they are "
        "free once their leases expire");
    return;
  }
  pg::Release(*conn_, options_.node_id, claims());
}

}  // namespace strongbox::store::pg
