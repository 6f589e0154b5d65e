#pragma once

// Config: every tunable of the server in one struct with documented defaults. Loaded in layers,
// later ones winning: defaults, the JSON file named by --config / STRONGBOX_CONFIG, STRONGBOX_*
// environment variables, command-line flags. One table (config.cc) drives all four and --help,
// so a field can never be settable in one place and not another.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace strongbox::config {

// The settings that are a choice of a few words. Each is parsed once, in config.cc, from the
// spellings Name() returns; anything else is refused with the field and the allowed words named.

enum class Durability {
  kSync,  // "sync": every acknowledged write is fsynced: survives power loss
  kWal,   // "wal": every acknowledged write is in the WAL (OS buffers): survives a process crash
};

// Where acknowledged writes live (README "Storage: embedded or PostgreSQL").
// Cluster mode (issue #16, proto-docs/cluster.md): several nodes on one PostgreSQL database.
enum class Cluster {
  kOff,  // "off": this node claims every partition; a second node on the database is refused
  kOn,   // "on": nodes share the partitions (fair share, hand-off, takeover) and forward
};

enum class Storage {
  kRocksdb,   // "rocksdb": the embedded RocksDB under data_dir is the truth
  kPostgres,  // "postgres": PostgreSQL is the truth; data_dir holds a cache of it
};

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };

enum class LogFormat {
  kText,  // "text"
  kJson,  // "json": one object per line
};

enum class Auth {
  kRequired,  // "required": every route but /healthz and /readyz needs a key
  kDisabled,  // "disabled": no key checked (benchmarks, trusted labs)
};

enum class AccessLog {
  kOff,  // "off"
  kOn,   // "on": one log line per request
};

// Whether every mutation writes its change log records (api.md §11).
enum class ChangeLogMode {
  kOn,   // "on"
  kOff,  // "off": no records, GET /changes answers 400 CHANGE_LOG_OFF (benchmarks only)
};

// Who may GET /metrics.
enum class MetricsAccess {
  kLoopback,  // "loopback": 127.0.0.1/::1 without a key, others with an `admin` key
  kOpen,      // "open": anyone
  kKey,       // "key": always an `admin` key
};

// The spelling of a choice in flags, environment variables, the config file and --help.
std::string_view Name(Durability value);
std::string_view Name(Cluster value);
std::string_view Name(Storage value);
std::string_view Name(LogLevel value);
std::string_view Name(LogFormat value);
std::string_view Name(Auth value);
std::string_view Name(AccessLog value);
std::string_view Name(MetricsAccess value);
std::string_view Name(ChangeLogMode value);

struct Config {
  std::string listen_address = "127.0.0.1";
  int port = 8080;        // 0 = any free port; see port_file
  std::string port_file;  // when set, the bound port is written here once listening
  std::string data_dir = "./data";
  Durability durability = Durability::kSync;
  // Storage mode `postgres` (proto-docs/storage-postgres.md). Leases and timeouts in ms.
  Storage storage = Storage::kRocksdb;
  std::string postgres_url;      // a libpq connection string or URL
  int postgres_partitions = 64;  // fixed when the database is initialised
  std::string node_id;           // "" = <hostname>:<absolute data_dir>
  int64_t partition_lease_ms = 10'000;
  int64_t partition_renew_ms = 3'000;
  int64_t postgres_timeout_ms = 10'000;  // connect, and each wait for an answer
  // Cluster mode (storage postgres only). Times in ms.
  Cluster cluster = Cluster::kOff;
  std::string advertise_url;                   // how other nodes reach this one: http://host:port
  int64_t cluster_tick_ms = 500;               // how often a node reads the partitions and nodes
  int64_t handoff_drain_ms = 2'000;            // a moving partition's in-flight requests, at most
  int64_t forward_timeout_ms = 40'000;         // one forwarded request (> the longest long poll)
  int io_threads = 0;                          // 0 = one per core
  int64_t body_limit_bytes = 5 * 1024 * 1024;  // one 4 MiB value and the JSON around it
  int64_t header_limit_bytes = 16 * 1024;
  int64_t io_timeout_ms = 30'000;      // each read or write of a connection
  int64_t lingering_close_ms = 2'000;  // unread body drained after an early 413
  int max_connections = 4096;
  int commit_queue_limit = 100'000;  // mutations waiting for the sequencer; past it: 429
  int commit_batch_limit = 4096;     // mutations grouped into one durable write at most
  // Bytes one durable write gathers before the rest waits for the next (LevelDB caps its
  // group commit near 1 MiB): a burst of large values does not make one huge fsync that every
  // small write behind it waits for. A single larger mutation still commits alone.
  int64_t commit_group_max_bytes = 1024 * 1024;
  int64_t shutdown_grace_ms = 10'000;
  LogLevel log_level = LogLevel::kInfo;
  int64_t max_value_bytes = 4 * 1024 * 1024;  // a data store value, serialized
  int max_json_depth = 100;        // nesting of any JSON parsed (core::kDefaultMaxJsonDepth)
  int max_patch_operations = 100;  // operations in one :patch
  int mailbox_max_message_bytes = 64 * 1024;  // one mailbox message (compact JSON) at most
  int mailbox_max_pending = 1'000;            // messages waiting in one entry's mailbox at most
  // One :commit (api.md §8): operations at most, and the bytes of its request body at most.
  int max_commit_operations = 100;
  int64_t max_commit_bytes = 4 * 1024 * 1024;
  // What one :commit may write (rows staged) and answer, at most: a small body patching a large
  // value many times must not make a huge write or hold the sequencer.
  int64_t max_commit_write_bytes = 32 * 1024 * 1024;
  // Leaderboard seasons (api.md §9): the shortest "@every" reset interval a board may take, and
  // the most finished seasons one may keep readable (each kept season's rank index stays in
  // memory).
  int64_t leaderboard_min_reset_interval_seconds = 60;
  int max_leaderboard_archive_seasons = 100;
  // An ordered entry's metadata (compact JSON) at most (api.md §9).
  int64_t max_leaderboard_metadata_bytes = 1024;
  // Storage faults (store/commit_pipeline.h): writes stop below this much free disk, and are
  // retried this often once stopped.
  int64_t storage_min_free_bytes = 128ll * 1024 * 1024;
  int64_t storage_recovery_interval_ms = 1'000;
  int64_t idempotency_ttl_seconds = 24 * 3600;  // how long an Idempotency-Key response is kept
  int64_t revision_retention_days = 30;  // non-current revisions and tombstones are kept this long
  int max_revisions_per_entry = 100;     // revisions kept per entry, the current one included
  int64_t datastore_delete_retention_days = 30;  // a deleted data store can be undeleted this long
  int64_t lock_max_ttl_seconds = 24 * 3600;      // longest session lock lease
  int64_t lock_max_wait_ms = 30'000;             // longest waitTime of an acquire
  int64_t revision_purge_interval_ms = 60'000;   // how often the purger runs one bounded pass
  int revision_purge_scan_budget = 10'000;       // revisions one pass reads at most
  int64_t memstore_max_item_bytes = 32 * 1024;   // a memory-store value, serialized
  int64_t memstore_max_items_per_structure = 1'000'000;  // items in one map or queue (Roblox's)
  int64_t memstore_max_bytes_per_universe = 1LL << 30;   // item data one universe holds; 0 = none
  int64_t memstore_max_ttl_seconds = 3'888'000;          // 45 days (api.md §5)
  int64_t memstore_sweep_interval_ms = 1'000;  // how often expired memory-store items are reclaimed
  int memstore_sweep_batch = 1'000;            // items reclaimed in one commit at most
  int64_t memstore_max_wait_ms = 30'000;       // longest waitTime of a queue read (long poll)
  // The change log and its feed (api.md §11, proto-docs/changes.md).
  ChangeLogMode change_log = ChangeLogMode::kOn;
  int64_t changes_retention_seconds = 7 * 24 * 3600;  // records older than this are pruned
  int64_t changes_retention_count = 1'000'000;        // records one universe keeps at most
  int64_t changes_prune_interval_ms = 1'000;          // how often one bounded prune pass runs
  int changes_prune_batch = 1'000;                    // records pruned in one commit at most
  int64_t changes_max_wait_ms = 30'000;               // longest waitTime of a feed read
  int changes_max_page_size = 1'000;                  // changes one feed read returns at most
  int changes_scan_budget = 10'000;                   // records one feed read examines at most
  int changes_max_subscriptions = 100;                // durable subscriptions per universe
  // Webhooks (a subscription's deliveryUrl; proto-docs/changes.md "Webhooks").
  std::string webhook_allowed_hosts;             // "host[:port],…" or "*"; empty: no webhooks
  int64_t webhook_timeout_ms = 10'000;           // connect + send + answer of one POST
  int webhook_max_concurrency = 16;              // POSTs in flight at once on a node
  int webhook_max_batch_changes = 100;           // changes in one POST at most
  int64_t webhook_max_batch_bytes = 256 * 1024;  // one POST's body at most
  int webhook_max_subscriptions = 10'000;        // subscriptions with a URL a node delivers
  int64_t webhook_retry_initial_ms = 500;        // the first retry's wait (then doubling)
  int64_t webhook_retry_max_ms = 300'000;        // the longest wait between attempts
  int64_t webhook_scan_interval_ms = 1'000;      // how often new or deleted ones are noticed
  // Operations (api.md §7).
  Auth auth = Auth::kRequired;
  std::string admin_key_file;  // a secret for the bootstrap admin key, instead of admin.key
  LogFormat log_format = LogFormat::kText;
  AccessLog access_log = AccessLog::kOff;
  MetricsAccess metrics_access = MetricsAccess::kLoopback;
  int metrics_max_queues = 1'000;        // queues reported one by one in /metrics at most
  int max_inventory_names = 1'000;       // names per list of GET /admin/v1/universes[/{u}] at most
  int64_t rate_limit_burst_seconds = 2;  // a bucket holds this many seconds of its rate
  int64_t rate_limit_datastore_per_key = 20'000;  // requests/s; 0 = unlimited
  int64_t rate_limit_datastore_per_universe = 50'000;
  int64_t rate_limit_ordered_per_key = 20'000;
  int64_t rate_limit_ordered_per_universe = 50'000;
  int64_t rate_limit_memory_store_per_key = 20'000;
  int64_t rate_limit_memory_store_per_universe = 50'000;
  int64_t rate_limit_session_locks_per_key = 20'000;
  int64_t rate_limit_session_locks_per_universe = 50'000;
  int64_t rate_limit_changes_per_key = 2'000;  // change feed reads
  int64_t rate_limit_changes_per_universe = 5'000;
  int64_t rate_limit_admin_per_key = 100;
  std::string backup_dir;               // "" = <data_dir>/backups
  int64_t backup_interval_seconds = 0;  // 0 = no scheduled backups
  int backup_keep = 0;                  // after a scheduled backup, keep this many; 0 = all
};

// Parses the layers above. `args` excludes the program name. Unknown flags, unknown file keys,
// values of the wrong type and out-of-range values are errors naming the field.
core::Result<Config> LoadConfig(const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env);

// Cross-field and range checks (also run by LoadConfig).
core::Status Validate(const Config& config);

// One line per field: flag, environment variable, default, meaning.
std::string HelpText();

// The process environment as a map, for LoadConfig.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace strongbox::config
