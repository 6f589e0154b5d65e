#pragma once

// The local RocksDB as a cache of PostgreSQL (storage mode `postgres`): its bookkeeping rows,
// and how it is brought level with the database at start and after a fault.
// proto-docs/storage-postgres.md "Start, cache and takeover".
//
// Bookkeeping rows live in the `default` column family, which holds nothing else and is never
// sent to PostgreSQL: the database id the cache was filled from, and for each partition the
// `commit_seq` of the last transaction the cache holds. They are written in the same local
// batch as the rows they describe, so after any crash they still tell the truth.
//
// Errors: kUnavailable when PostgreSQL fails mid-load (nothing is marked current then);
// kFailedPrecondition when the data directory holds embedded-mode data (never overwritten).
// Thread safety: call with no commit in flight (at start, or on the sequencer thread).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/engine.h"
#include "store/partition.h"
#include "store/pg_connection.h"
#include "store/pg_schema.h"

namespace rocksdb {
class WriteBatch;
}

namespace strongbox::store::pg {

// Adds to `batch` the row saying the cache holds `partition` up to `commit_seq`.
void PutCommitSeq(const Engine& engine, rocksdb::WriteBatch* batch, PartitionId partition,
                  int64_t commit_seq);

// True when the data directory's database is a cache of a PostgreSQL database (so the
// embedded mode must not open it as its own truth).
bool IsPostgresCache(const Engine& engine);

struct CatchUpStats {
  size_t partitions_current = 0;  // the cache already held them
  size_t partitions_loaded = 0;   // deleted locally and streamed again
  uint64_t rows_loaded = 0;
};

// Deletes every local row of `partitions` and their bookkeeping rows first (cluster mode: a
// partition this node no longer owns; a later claim streams it again). Scans the whole cache.
core::Status DropPartitions(Engine& engine, const std::set<PartitionId>& partitions,
                            uint32_t partition_count);

// Makes the cache hold exactly what PostgreSQL holds for every partition in `commit_seqs`
// (partition → its commit_seq now, read while this node owns it, so nothing moves meanwhile):
// a partition whose bookkeeping row differs (or a cache of another database) is deleted
// locally and streamed again, in pages of `page_rows`.
core::Status CatchUp(Engine& engine, Connection& conn, const SchemaInfo& schema,
                     const std::map<PartitionId, int64_t>& commit_seqs, CatchUpStats* stats,
                     int page_rows = 4096);

}  // namespace strongbox::store::pg
