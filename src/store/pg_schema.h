#pragma once

// The PostgreSQL schema of the PostgreSQL storage mode, created and versioned by Strongbox
// (`strongbox db init|migrate`, and at start when it is missing). proto-docs/storage-postgres.md
// describes every table and row; the SQL stays within the portable subset named there
// (PostgreSQL, CockroachDB, YugabyteDB).
//
// Errors: kUnavailable when the database cannot be reached; kFailedPrecondition when the
// schema is newer than this build knows, or exists without its meta rows; kNotFound from
// ReadSchema when the tables do not exist yet.
// Thread safety: as the Connection's (one caller at a time).

#include <cstdint>
#include <string>

#include "core/status.h"
#include "store/pg_connection.h"

namespace strongbox::store::pg {

// The schema version this build writes and reads (strongbox_meta 'schema_version').
// Version 2 (#16) added strongbox_nodes and strongbox_partitions.handoff_to; version 3 added
// strongbox_nodes.instance (the process that holds a node id: pg_cluster.h Heartbeat).
inline constexpr int64_t kSchemaVersion = 3;

struct SchemaInfo {
  int64_t version = 0;
  uint32_t partitions = 0;  // universe partitions; the system partition is `partitions`
  std::string database_id;  // random, made at init: tells a node's cache which database it holds
};

// The milliseconds since the Unix epoch by the database's clock, as SQL (leases use the
// database's clock so that nodes' clocks need not agree).
inline constexpr const char* kDatabaseNowMs =
    "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)";

// Creates whatever is missing (tables, meta rows, one row per partition) and returns the
// schema as stored: `partitions` only applies to a database initialised now (later it is
// fixed; a different value is logged and ignored). Safe to run concurrently and again.
core::Result<SchemaInfo> InitSchema(Connection& conn, uint32_t partitions);

// The stored schema; kNotFound when it was never initialised.
core::Result<SchemaInfo> ReadSchema(Connection& conn);

// Brings an initialised schema up to kSchemaVersion (1 → 2: the cluster's membership table
// and hand-off column; 2 → 3: the membership table's instance column; each one transaction);
// kFailedPrecondition when it is newer than this build.
// InitSchema runs it too, so a node started on an older schema upgrades it.
core::Result<SchemaInfo> MigrateSchema(Connection& conn);

}  // namespace strongbox::store::pg
