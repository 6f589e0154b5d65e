#include "store/pg_schema.h"

#include <spdlog/spdlog.h>

#include "core/digest.h"
#include "core/strings.h"

namespace strongbox::store::pg {

namespace {

// Version 2 (#16, the cluster): the membership table. heartbeat is ms since the Unix epoch by
// the database's clock. Version 3: `instance`, the random token of the process that holds the
// node id ('' for a row an older build wrote).
constexpr const char* kCreateNodes =
    "CREATE TABLE IF NOT EXISTS strongbox_nodes ("
    " node_id TEXT PRIMARY KEY,"
    " advertise_url TEXT NOT NULL,"
    " heartbeat BIGINT NOT NULL,"
    " draining BOOLEAN NOT NULL,"
    " instance TEXT NOT NULL DEFAULT '')";
constexpr const char* kAddNodeInstance =
    "ALTER TABLE strongbox_nodes ADD COLUMN IF NOT EXISTS instance TEXT NOT NULL DEFAULT ''";

// Every table with its primary key, so each is a plain B-tree ordered the way scans read it.
// `bytea` orders bytewise (memcmp, then length): the order of RocksDB's bytewise comparator,
// so the key codec's order-preserving keys keep working.
constexpr const char* kCreateTables[] = {
    "CREATE TABLE IF NOT EXISTS strongbox_meta ("
    " name TEXT PRIMARY KEY,"
    " value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS strongbox_partitions ("
    " partition INTEGER PRIMARY KEY,"
    " owner TEXT,"
    " epoch BIGINT NOT NULL,"
    " lease_expires BIGINT NOT NULL,"
    " commit_seq BIGINT NOT NULL,"
    " handoff_to TEXT)",
    "CREATE TABLE IF NOT EXISTS strongbox_kv ("
    " partition INTEGER NOT NULL,"
    " cf SMALLINT NOT NULL,"
    " k BYTEA NOT NULL,"
    " v BYTEA NOT NULL,"
    " PRIMARY KEY (partition, cf, k))",
    kCreateNodes,
};

bool MissingTable(const core::Status& s) { return s.MetadataValue("sqlstate") == "42P01"; }

}  // namespace

core::Result<SchemaInfo> ReadSchema(Connection& conn) {
  auto rows = conn.Run("SELECT name, value FROM strongbox_meta");
  if (!rows.ok()) {
    if (MissingTable(rows.status())) {
      return core::Status::NotFound("the database has no Strongbox schema yet");
    }
    return rows.status();
  }
  SchemaInfo info;
  for (int i = 0; i < rows->size(); ++i) {
    const std::string_view name = rows->bytes(i, 0);
    const std::string_view value = rows->bytes(i, 1);
    // A damaged row reads as missing (refused below), never as a thrown exception.
    if (name == "schema_version") info.version = core::ParseInt64(value).value_or(0);
    if (name == "partitions") {
      const int64_t n = core::ParseInt64(value).value_or(0);
      info.partitions = n > 0 && n <= 4096 ? static_cast<uint32_t>(n) : 0;
    }
    if (name == "database_id") info.database_id = std::string(value);
  }
  if (info.version == 0 || info.partitions == 0 || info.database_id.empty()) {
    return core::Status::FailedPrecondition(
        "strongbox_meta lacks schema_version, partitions or database_id: the schema was not "
        "made by `strongbox db init`, or its initialisation was interrupted (run it again)");
  }
  if (info.version > kSchemaVersion) {
    return core::Status::FailedPrecondition(
        "the database's Strongbox schema is version " + std::to_string(info.version) +
        ", newer than this build knows (" + std::to_string(kSchemaVersion) +
        "): run a newer strongbox");
  }
  return info;
}

core::Result<SchemaInfo> InitSchema(Connection& conn, uint32_t partitions) {
  for (const char* create : kCreateTables) {
    auto created = conn.Run(create);
    // Two nodes creating at once may both pass IF NOT EXISTS; the loser's unique violation on
    // the catalog means the table exists now.
    if (!created.ok() && created.status().MetadataValue("sqlstate") != "23505") {
      return created.status();
    }
  }
  // Values first written win: a second init (or a node racing this one) leaves them alone.
  const std::string database_id = core::HexEncode(core::SecureRandomBytes(16));
  auto meta = conn.Run(
      "INSERT INTO strongbox_meta (name, value) VALUES ('schema_version', $1), "
      "('partitions', $2), ('database_id', $3), ('created_at_ms', " +
          std::string(kDatabaseNowMs) + "::TEXT) ON CONFLICT (name) DO NOTHING",
      {Param::Int(kSchemaVersion), Param::Int(partitions), Param::Text(database_id)});
  if (!meta.ok()) return meta.status();
  SB_ASSIGN_OR_RETURN(SchemaInfo stored, MigrateSchema(conn));
  // One row per partition of the stored count (an earlier init may have fixed another).
  std::string partition_rows;
  for (uint32_t p = 0; p <= stored.partitions; ++p) {
    if (p > 0) partition_rows += ",";
    partition_rows += "(" + std::to_string(p) + ", NULL, 0, 0, 0)";
  }
  auto rows = conn.Run(
      "INSERT INTO strongbox_partitions (partition, owner, epoch, lease_expires, commit_seq) "
      "VALUES " +
      partition_rows + " ON CONFLICT (partition) DO NOTHING");
  if (!rows.ok()) return rows.status();
  if (stored.partitions != partitions) {
    spdlog::warn(
        "postgres: the database was initialised with {} partitions; config postgres_partitions "
        "({}) applies only to a new database and is ignored",
        stored.partitions, partitions);
  }
  return stored;
}

core::Result<SchemaInfo> MigrateSchema(Connection& conn) {
  SB_ASSIGN_OR_RETURN(SchemaInfo info, ReadSchema(conn));
  if (info.version >= kSchemaVersion) return info;
  // Each step in one transaction that also sets the version, so a node sees one version whole.
  // The version row's own UPDATE orders two nodes migrating at once: the second finds nothing
  // left to do (the DDL is IF NOT EXISTS).
  std::vector<Rows> results;
  bool migrated = false;  // by this node (another one racing it may have done a step)
  if (info.version < 2) {
    // 1 → 2 (#16): the membership table and the hand-off column.
    SB_RETURN_IF_ERROR(RunTransaction(
        conn, "BEGIN",
        {{"UPDATE strongbox_meta SET value = '2' WHERE name = 'schema_version' AND value = '1'",
          {},
          false},
         {"ALTER TABLE strongbox_partitions ADD COLUMN IF NOT EXISTS handoff_to TEXT", {}, false},
         {kCreateNodes, {}, false}},
        &results));
    migrated = results[0].affected() == 1;
  }
  // 2 → 3: the instance that holds each node id (a paused process that resumes after its
  // successor started must not take its node id back: pg_cluster.h).
  SB_RETURN_IF_ERROR(RunTransaction(
      conn, "BEGIN",
      {{"UPDATE strongbox_meta SET value = '3' WHERE name = 'schema_version' AND value = '2'",
        {},
        false},
       {kAddNodeInstance, {}, false}},
      &results));
  migrated = migrated || results[0].affected() == 1;
  if (migrated) {
    spdlog::info("postgres: schema migrated from version {} to {}", info.version, kSchemaVersion);
  }
  return ReadSchema(conn);
}

}  // namespace strongbox::store::pg
