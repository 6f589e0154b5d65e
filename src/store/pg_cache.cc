#include "store/pg_cache.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <set>

#include "store/key_codec.h"

namespace strongbox::store::pg {

namespace {

constexpr std::string_view kDatabaseIdKey = "postgres/database_id";
constexpr std::string_view kCommitSeqPrefix = "postgres/commit_seq/";
// Local deletes and loads are written in batches of about this many rows or bytes, and a page
// read from PostgreSQL holds about this many bytes of values (values reach 4 MiB: a page of
// rows alone could be gigabytes). Fixed, not config: they bound memory, not behaviour.
constexpr size_t kLocalBatchRows = 8192;
constexpr size_t kLocalBatchBytes = 32u << 20;
constexpr int64_t kPageBytes = 32 << 20;

std::string CommitSeqKey(PartitionId partition) {
  std::string key(kCommitSeqPrefix);
  PutKeyUint64(&key, partition);
  return key;
}

rocksdb::Slice Slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

bool BatchFull(const rocksdb::WriteBatch& batch) {
  return batch.Count() >= kLocalBatchRows || batch.GetDataSize() >= kLocalBatchBytes;
}

core::Status WriteLocal(Engine& engine, rocksdb::WriteBatch* batch) {
  if (batch->Count() == 0) return core::Status::Ok();
  core::Status s = engine.Write(batch);
  batch->Clear();
  return s;
}

std::optional<int64_t> LocalCommitSeq(const Engine& engine, PartitionId partition) {
  auto value = engine.Get(ColumnFamily::kDefault, CommitSeqKey(partition));
  if (!value.ok() || !value->has_value()) return std::nullopt;
  std::string_view in = **value;
  uint64_t seq = 0;
  if (!GetKeyUint64(&in, &seq)) return std::nullopt;
  return static_cast<int64_t>(seq);
}

// Deletes every local row of `partitions` (and their bookkeeping rows first, so a crash half
// way leaves them marked stale).
core::Status DeleteLocal(Engine& engine, const std::set<PartitionId>& partitions,
                         uint32_t partition_count) {
  rocksdb::WriteBatch batch;
  for (PartitionId p : partitions) {
    (void)batch.Delete(engine.handle(ColumnFamily::kDefault), CommitSeqKey(p));
  }
  SB_RETURN_IF_ERROR(WriteLocal(engine, &batch));
  for (size_t id = 1; id < static_cast<size_t>(ColumnFamily::kCount); ++id) {
    const auto cf = static_cast<ColumnFamily>(id);
    auto it = engine.NewIterator(cf);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto partition = PartitionOfKey(cf, it->key(), partition_count);
      if (partition && partitions.count(*partition) == 0) continue;
      (void)batch.Delete(engine.handle(cf), Slice(it->key()));
      if (BatchFull(batch)) SB_RETURN_IF_ERROR(WriteLocal(engine, &batch));
    }
    SB_RETURN_IF_ERROR(it->status());
  }
  return WriteLocal(engine, &batch);
}

// A binary SMALLINT; nullopt when it is not two bytes (the column was altered by hand).
std::optional<uint16_t> BigEndian16(std::string_view b) {
  if (b.size() != 2) return std::nullopt;
  return static_cast<uint16_t>((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1]));
}

core::Status LoadPartition(Engine& engine, Connection& conn, PartitionId partition,
                           int64_t commit_seq, int page_rows, uint64_t* rows_loaded) {
  rocksdb::WriteBatch batch;
  int64_t after_cf = -1;
  std::string after_key;
  for (;;) {
    // Up to `page_rows` rows, cut after the row that passes kPageBytes of values (a running
    // sum over the same order, streamed by the server): at least one row, never unbounded.
    Statement page{
        "SELECT cf, k, v FROM (SELECT cf, k, v, SUM(octet_length(v)) OVER (ORDER BY cf, k) AS "
        "upto FROM strongbox_kv WHERE partition = $1 AND (cf, k) > ($2, $3) ORDER BY cf, k "
        "LIMIT $4) AS page WHERE upto - octet_length(v) < $5 ORDER BY cf, k",
        {Param::Int(partition), Param::Int(after_cf), Param::Bytes(after_key),
         Param::Int(page_rows), Param::Int(kPageBytes)},
        /*binary_result=*/true};
    SB_ASSIGN_OR_RETURN(Rows rows, conn.Run(page));
    if (rows.size() == 0) break;
    for (int i = 0; i < rows.size(); ++i) {
      const auto cf_id = BigEndian16(rows.bytes(i, 0));
      if (!cf_id || *cf_id == 0 || *cf_id >= static_cast<uint16_t>(ColumnFamily::kCount)) {
        return core::Status::Internal(
            "strongbox_kv holds a row of unknown column family (a newer Strongbox wrote it, "
            "or the table was altered)");
      }
      (void)batch.Put(engine.handle(static_cast<ColumnFamily>(*cf_id)), Slice(rows.bytes(i, 1)),
                      Slice(rows.bytes(i, 2)));
      if (BatchFull(batch)) SB_RETURN_IF_ERROR(WriteLocal(engine, &batch));
    }
    *rows_loaded += static_cast<uint64_t>(rows.size());
    after_cf = *BigEndian16(rows.bytes(rows.size() - 1, 0));
    after_key = std::string(rows.bytes(rows.size() - 1, 1));
  }
  PutCommitSeq(engine, &batch, partition, commit_seq);
  return WriteLocal(engine, &batch);
}

}  // namespace

core::Status DropPartitions(Engine& engine, const std::set<PartitionId>& partitions,
                            uint32_t partition_count) {
  if (partitions.empty()) return core::Status::Ok();
  return DeleteLocal(engine, partitions, partition_count);
}

namespace {

bool HoldsAnyRow(const Engine& engine) {
  for (size_t id = 1; id < static_cast<size_t>(ColumnFamily::kCount); ++id) {
    auto it = engine.NewIterator(static_cast<ColumnFamily>(id));
    it->SeekToFirst();
    if (it->Valid()) return true;
  }
  return false;
}

}  // namespace

void PutCommitSeq(const Engine& engine, rocksdb::WriteBatch* batch, PartitionId partition,
                  int64_t commit_seq) {
  std::string value;
  PutKeyUint64(&value, static_cast<uint64_t>(commit_seq));
  (void)batch->Put(engine.handle(ColumnFamily::kDefault), CommitSeqKey(partition), value);
}

bool IsPostgresCache(const Engine& engine) {
  auto id = engine.Get(ColumnFamily::kDefault, kDatabaseIdKey);
  return id.ok() && id->has_value();
}

core::Status CatchUp(Engine& engine, Connection& conn, const SchemaInfo& schema,
                     const std::map<PartitionId, int64_t>& commit_seqs, CatchUpStats* stats,
                     int page_rows) {
  auto cached_id = engine.Get(ColumnFamily::kDefault, kDatabaseIdKey);
  SB_RETURN_IF_ERROR(cached_id.status());
  const bool same_database = cached_id->has_value() && **cached_id == schema.database_id;
  if (!cached_id->has_value() && HoldsAnyRow(engine)) {
    return core::Status::FailedPrecondition(
        "the data directory holds data of the embedded storage mode, which is not in "
        "PostgreSQL; it is left untouched. Start `--storage postgres` with an empty "
        "--data-dir (it only caches PostgreSQL), or keep `--storage rocksdb` for this one");
  }
  std::set<PartitionId> stale;
  for (const auto& [partition, seq] : commit_seqs) {
    if (same_database && LocalCommitSeq(engine, partition) == seq) {
      ++stats->partitions_current;
    } else {
      stale.insert(partition);
    }
  }
  if (stale.empty()) return core::Status::Ok();
  if (!same_database) {
    // A cache of another database (or none yet): nothing in it is ours. The new id goes in
    // first: with every bookkeeping row of a partition gone, a crash half way through still
    // leaves each partition marked stale.
    rocksdb::WriteBatch batch;
    (void)batch.Put(engine.handle(ColumnFamily::kDefault), Slice(kDatabaseIdKey),
                    Slice(schema.database_id));
    // In the same batch: no bookkeeping row of the old database may outlive its id.
    auto old_rows = engine.NewIterator(ColumnFamily::kDefault, kCommitSeqPrefix,
                                       PrefixSuccessor(kCommitSeqPrefix));
    for (old_rows->SeekToFirst(); old_rows->Valid(); old_rows->Next()) {
      (void)batch.Delete(engine.handle(ColumnFamily::kDefault), Slice(old_rows->key()));
    }
    SB_RETURN_IF_ERROR(old_rows->status());
    old_rows.reset();
    SB_RETURN_IF_ERROR(WriteLocal(engine, &batch));
    std::set<PartitionId> all;
    for (PartitionId p = 0; p <= schema.partitions; ++p) all.insert(p);
    SB_RETURN_IF_ERROR(DeleteLocal(engine, all, schema.partitions));
  } else {
    SB_RETURN_IF_ERROR(DeleteLocal(engine, stale, schema.partitions));
  }
  for (PartitionId p : stale) {
    SB_RETURN_IF_ERROR(
        LoadPartition(engine, conn, p, commit_seqs.at(p), page_rows, &stats->rows_loaded));
    ++stats->partitions_loaded;
  }
  return core::Status::Ok();
}

}  // namespace strongbox::store::pg
