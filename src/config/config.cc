#include "config/config.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "core/json_util.h"
#include "core/strings.h"

extern char** environ;

namespace strongbox::config {
namespace {

using core::Json;
using core::Result;
using core::Status;

// One configurable field: its snake_case name (JSON key; flag and env var derive from it).
struct Field {
  std::string name;
  std::string help;
  std::function<Status(Config&, std::string_view)> set;  // from flag / env text
  std::function<std::string(const Config&)> show;        // current value, for --help
};

template <class T>
Field IntField(std::string name, T Config::*member, int64_t min, int64_t max, std::string help) {
  Field f;
  f.name = name;
  f.help = std::move(help);
  f.set = [member, min, max, name](Config& c, std::string_view text) -> Status {
    auto v = core::ParseInt64(text);
    if (!v || *v < min || *v > max) {
      return Status::InvalidArgument("config " + name + ": '" + std::string(text) +
                                     "' is not an integer in [" + std::to_string(min) + ", " +
                                     std::to_string(max) + "]");
    }
    c.*member = static_cast<T>(*v);
    return Status::Ok();
  };
  f.show = [member](const Config& c) { return std::to_string(c.*member); };
  return f;
}

Field StringField(std::string name, std::string Config::*member, std::string help) {
  Field f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.set = [member](Config& c, std::string_view text) {
    c.*member = std::string(text);
    return Status::Ok();
  };
  f.show = [member](const Config& c) { return "\"" + c.*member + "\""; };
  return f;
}

// A choice's spellings, in the order --help and error messages list them.
template <class E>
struct Choice {
  std::string_view name;
  E value;
};

constexpr Choice<Durability> kDurabilities[] = {{"sync", Durability::kSync},
                                                {"wal", Durability::kWal}};
constexpr Choice<Storage> kStorages[] = {{"rocksdb", Storage::kRocksdb},
                                         {"postgres", Storage::kPostgres}};
constexpr Choice<Cluster> kClusters[] = {{"off", Cluster::kOff}, {"on", Cluster::kOn}};
constexpr Choice<LogLevel> kLogLevels[] = {
    {"trace", LogLevel::kTrace}, {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},   {"error", LogLevel::kError}, {"critical", LogLevel::kCritical},
    {"off", LogLevel::kOff}};
constexpr Choice<LogFormat> kLogFormats[] = {{"text", LogFormat::kText},
                                             {"json", LogFormat::kJson}};
constexpr Choice<Auth> kAuths[] = {{"required", Auth::kRequired}, {"disabled", Auth::kDisabled}};
constexpr Choice<AccessLog> kAccessLogs[] = {{"off", AccessLog::kOff}, {"on", AccessLog::kOn}};
constexpr Choice<ChangeLogMode> kChangeLogModes[] = {{"on", ChangeLogMode::kOn},
                                                     {"off", ChangeLogMode::kOff}};
constexpr Choice<MetricsAccess> kMetricsAccesses[] = {{"loopback", MetricsAccess::kLoopback},
                                                      {"open", MetricsAccess::kOpen},
                                                      {"key", MetricsAccess::kKey}};

template <class E, size_t N>
std::string_view NameIn(const Choice<E> (&choices)[N], E value) {
  for (const auto& choice : choices) {
    if (choice.value == value) return choice.name;
  }
  return "?";  // unreachable while every enumerator has a row
}

// A field that takes one of a few words, stored as the enum value the word names.
template <class E, size_t N>
Field ChoiceField(std::string name, E Config::*member, const Choice<E> (&choices)[N],
                  std::string help) {
  Field f;
  f.name = name;
  f.help = std::move(help);
  f.set = [member, &choices, name](Config& c, std::string_view text) {
    for (const auto& choice : choices) {
      if (text == choice.name) {
        c.*member = choice.value;
        return Status::Ok();
      }
    }
    std::string list;
    for (const auto& choice : choices) {
      if (!list.empty()) list += ", ";
      list += choice.name;
    }
    return Status::InvalidArgument("config " + name + ": '" + std::string(text) +
                                   "' is not one of " + list);
  };
  f.show = [member, &choices](const Config& c) { return std::string(NameIn(choices, c.*member)); };
  return f;
}

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> v;
    v.push_back(StringField("listen_address", &Config::listen_address,
                            "IP address to listen on (loopback by default)"));
    v.push_back(IntField("port", &Config::port, 0, 65535, "TCP port; 0 picks a free one"));
    v.push_back(StringField("port_file", &Config::port_file,
                            "write the bound port to this file once listening"));
    v.push_back(StringField("data_dir", &Config::data_dir, "RocksDB data directory"));
    v.push_back(ChoiceField("durability", &Config::durability, kDurabilities,
                            "sync: every acknowledged write is fsynced (survives power loss); wal: "
                            "written to the WAL (survives a process crash)"));
    v.push_back(ChoiceField("storage", &Config::storage, kStorages,
                            "rocksdb: the embedded RocksDB in data_dir holds every write; "
                            "postgres: PostgreSQL does (postgres_url), data_dir caches it"));
    v.push_back(StringField("postgres_url", &Config::postgres_url,
                            "libpq connection string or URL of the database (storage postgres); "
                            "several hosts with target_session_attrs=read-write follow a "
                            "promoted standby"));
    v.push_back(IntField("postgres_partitions", &Config::postgres_partitions, 1, 4096,
                         "partitions of a new database (fixed once it is initialised)"));
    v.push_back(StringField("node_id", &Config::node_id,
                            "this node's name in the partitions table; empty = "
                            "<hostname>:<absolute data_dir>"));
    v.push_back(IntField("partition_lease_ms", &Config::partition_lease_ms, 1'000, 600'000,
                         "how long a partition lease lasts without renewal"));
    v.push_back(
        IntField("partition_renew_ms", &Config::partition_renew_ms, 100, 300'000,
                 "how often leases are renewed (below partition_lease_ms; at most half of it with "
                 "cluster on)"));
    v.push_back(ChoiceField("cluster", &Config::cluster, kClusters,
                            "on: share the partitions with the other nodes on the same database "
                            "(storage postgres; `--cluster` alone means on)"));
    v.push_back(StringField("advertise_url", &Config::advertise_url,
                            "cluster: how the other nodes reach this one, http://host:port"));
    v.push_back(IntField("cluster_tick_ms", &Config::cluster_tick_ms, 50, 60'000,
                         "cluster: how often a node reads the partition owners and members"));
    v.push_back(IntField("handoff_drain_ms", &Config::handoff_drain_ms, 0, 60'000,
                         "cluster: how long a hand-off waits for a partition's requests"));
    v.push_back(IntField("forward_timeout_ms", &Config::forward_timeout_ms, 100, 600'000,
                         "cluster: one request forwarded to a partition's owner, at most"));
    v.push_back(IntField("postgres_timeout_ms", &Config::postgres_timeout_ms, 500, 600'000,
                         "connecting to PostgreSQL, and each wait for its answer"));
    v.push_back(
        IntField("io_threads", &Config::io_threads, 0, 1024, "IO threads; 0 = one per core"));
    v.push_back(IntField("body_limit_bytes", &Config::body_limit_bytes, 1024, int64_t{1} << 30,
                         "largest request body; larger gets 413"));
    v.push_back(IntField("header_limit_bytes", &Config::header_limit_bytes, 1024, 1 << 20,
                         "largest request header block; larger gets 413"));
    v.push_back(IntField("io_timeout_ms", &Config::io_timeout_ms, 100, 3'600'000,
                         "deadline for each read or write on a connection"));
    v.push_back(IntField("lingering_close_ms", &Config::lingering_close_ms, 0, 60'000,
                         "after answering 413 before a body was read, how long the rest is "
                         "drained so the client can read the answer"));
    v.push_back(IntField("max_connections", &Config::max_connections, 1, 1'000'000,
                         "open connections at most; more are answered 503 and closed"));
    v.push_back(IntField("commit_queue_limit", &Config::commit_queue_limit, 1, 10'000'000,
                         "mutations waiting to commit at most; more get 429"));
    v.push_back(IntField("commit_batch_limit", &Config::commit_batch_limit, 1, 1'000'000,
                         "mutations grouped into one durable write at most"));
    v.push_back(IntField("commit_group_max_bytes", &Config::commit_group_max_bytes, 4096,
                         int64_t{1} << 30,
                         "bytes one durable write gathers before the rest waits for the next"));
    v.push_back(IntField("shutdown_grace_ms", &Config::shutdown_grace_ms, 0, 3'600'000,
                         "time in-flight requests get to finish on SIGTERM/SIGINT"));
    v.push_back(ChoiceField("log_level", &Config::log_level, kLogLevels,
                            "trace, debug, info, warn, error, critical or off"));
    v.push_back(IntField("max_value_bytes", &Config::max_value_bytes, 1, int64_t{1} << 30,
                         "largest data store value, serialized; larger gets 413"));
    v.push_back(IntField("max_json_depth", &Config::max_json_depth, 2, 1'000,
                         "arrays/objects nested at most this deep in any JSON Strongbox parses "
                         "(bodies, values, patches); deeper gets 400"));
    v.push_back(IntField("max_patch_operations", &Config::max_patch_operations, 1, 10'000,
                         "operations in one :patch at most; more gets 400"));
    v.push_back(IntField("mailbox_max_message_bytes", &Config::mailbox_max_message_bytes, 1,
                         16 * 1024 * 1024, "one message sent to an entry's mailbox at most"));
    v.push_back(IntField("mailbox_max_pending", &Config::mailbox_max_pending, 1, 1'000'000,
                         "messages waiting in one entry's mailbox at most"));
    v.push_back(IntField("max_commit_operations", &Config::max_commit_operations, 1, 10'000,
                         "operations in one :commit (transaction) at most; more gets 400 "
                         "LIMIT_EXCEEDED"));
    v.push_back(IntField("max_commit_bytes", &Config::max_commit_bytes, 1024, int64_t{1} << 30,
                         "bytes of one :commit request body at most; more gets 400 "
                         "LIMIT_EXCEEDED (body_limit_bytes still answers 413 first)"));
    v.push_back(IntField("max_commit_write_bytes", &Config::max_commit_write_bytes, 1024,
                         int64_t{1} << 32,
                         "bytes one :commit may write (entries, revisions, items) and answer at "
                         "most; more gets 400 LIMIT_EXCEEDED and nothing is written"));
    v.push_back(IntField("leaderboard_min_reset_interval_seconds",
                         &Config::leaderboard_min_reset_interval_seconds, 1, 366 * 86400,
                         "shortest \"@every\" leaderboard reset schedule accepted, in seconds; "
                         "shorter gets 400"));
    v.push_back(IntField("max_leaderboard_archive_seasons",
                         &Config::max_leaderboard_archive_seasons, 0, 10'000,
                         "finished seasons a leaderboard may keep readable (archiveSeasons) at "
                         "most; more gets 400"));
    v.push_back(IntField("max_leaderboard_metadata_bytes", &Config::max_leaderboard_metadata_bytes,
                         2, 64 * 1024,
                         "bytes of an ordered entry's metadata (compact JSON) at most; more gets "
                         "400 LIMIT_EXCEEDED"));
    // Not 0: Debian's RocksDB 7.8 can abort on a WAL append that meets a full disk
    // (store/engine.h), so the disk must never be allowed to fill.
    v.push_back(IntField("storage_min_free_bytes", &Config::storage_min_free_bytes,
                         int64_t{4} << 20, int64_t{1} << 50,
                         "writes stop (503 STORAGE_FULL) while the data directory's disk has "
                         "less free than this, leaving RocksDB room to flush and compact; at "
                         "least 4 MiB"));
    v.push_back(IntField("storage_recovery_interval_ms", &Config::storage_recovery_interval_ms, 10,
                         600'000,
                         "while writes are stopped by a storage fault, how often free space is "
                         "checked and writing resumed"));
    v.push_back(IntField("idempotency_ttl_seconds", &Config::idempotency_ttl_seconds, 1,
                         int64_t{90} * 24 * 3600,
                         "how long the response of an Idempotency-Key request is replayed"));
    v.push_back(IntField("revision_retention_days", &Config::revision_retention_days, 1, 3650,
                         "non-current revisions and tombstones are kept this long"));
    v.push_back(IntField("max_revisions_per_entry", &Config::max_revisions_per_entry, 1, 1'000'000,
                         "revisions kept per entry, the current one included"));
    v.push_back(IntField("datastore_delete_retention_days",
                         &Config::datastore_delete_retention_days, 0, 3650,
                         "a deleted data store can be undeleted this long, then is purged"));
    v.push_back(IntField("lock_max_ttl_seconds", &Config::lock_max_ttl_seconds, 1,
                         int64_t{365} * 24 * 3600, "longest session lock lease (ttl)"));
    v.push_back(IntField("lock_max_wait_ms", &Config::lock_max_wait_ms, 0, 3'600'000,
                         "longest waitTime of a session lock acquire"));
    v.push_back(IntField("revision_purge_interval_ms", &Config::revision_purge_interval_ms, 10,
                         86'400'000, "how often the revision purger runs one bounded pass"));
    v.push_back(IntField("revision_purge_scan_budget", &Config::revision_purge_scan_budget, 1,
                         10'000'000, "revisions one purger pass reads at most"));
    v.push_back(IntField("memstore_max_item_bytes", &Config::memstore_max_item_bytes, 1,
                         int64_t{1} << 20,
                         "largest memory-store value, serialized; larger gets 400"));
    v.push_back(IntField("memstore_max_items_per_structure",
                         &Config::memstore_max_items_per_structure, 1, 1'000'000'000,
                         "items one sorted map, hash map or queue may hold; more gets 400"));
    v.push_back(IntField("memstore_max_bytes_per_universe",
                         &Config::memstore_max_bytes_per_universe, 0, INT64_MAX,
                         "item data bytes (map ids and values, queue data) one universe may hold "
                         "in the memory store; more gets 429; 0 = no quota"));
    v.push_back(IntField("memstore_max_ttl_seconds", &Config::memstore_max_ttl_seconds, 1,
                         3'888'000, "longest memory-store ttl (at most 45 days)"));
    v.push_back(IntField("memstore_sweep_interval_ms", &Config::memstore_sweep_interval_ms, 10,
                         3'600'000, "how often expired memory-store items are reclaimed"));
    v.push_back(IntField("memstore_sweep_batch", &Config::memstore_sweep_batch, 1, 1'000'000,
                         "expired items reclaimed in one commit at most"));
    v.push_back(IntField("memstore_max_wait_ms", &Config::memstore_max_wait_ms, 0, 3'600'000,
                         "longest waitTime of a queue read (long poll)"));
    v.push_back(ChoiceField("change_log", &Config::change_log, kChangeLogModes,
                            "on: every write also writes its change log record in the same batch "
                            "(GET /changes, api.md §11); off: none (benchmarks only)"));
    v.push_back(IntField("changes_retention_seconds", &Config::changes_retention_seconds, 1,
                         int64_t{3650} * 24 * 3600,
                         "change log records older than this are pruned; reading from before "
                         "them gets 400 CHANGES_EXPIRED"));
    v.push_back(IntField("changes_retention_count", &Config::changes_retention_count, 1,
                         int64_t{1} << 40, "change log records one universe keeps at most"));
    v.push_back(IntField("changes_prune_interval_ms", &Config::changes_prune_interval_ms, 10,
                         3'600'000, "how often one bounded change log prune pass runs"));
    v.push_back(IntField("changes_prune_batch", &Config::changes_prune_batch, 1, 1'000'000,
                         "change log records pruned in one commit at most"));
    v.push_back(IntField("changes_max_wait_ms", &Config::changes_max_wait_ms, 0, 3'600'000,
                         "longest waitTime of a change feed read (long poll)"));
    v.push_back(IntField("changes_max_page_size", &Config::changes_max_page_size, 1, 100'000,
                         "changes one change feed read returns at most (maxPageSize's ceiling)"));
    v.push_back(IntField("changes_scan_budget", &Config::changes_scan_budget, 1, 10'000'000,
                         "change log records one feed read examines at most (a narrow filter "
                         "answers sooner, with a nextPageToken to go on from)"));
    v.push_back(IntField("changes_max_subscriptions", &Config::changes_max_subscriptions, 1,
                         100'000, "durable change feed subscriptions one universe may have"));
    v.push_back(StringField(
        "webhook_allowed_hosts", &Config::webhook_allowed_hosts,
        "hosts a subscription's deliveryUrl may name: comma-separated host or host:port, or * "
        "for any host on a public address (not private, loopback or link-local, written or "
        "resolved); empty (the default) refuses every deliveryUrl, so API keys cannot make the "
        "server call into its own network"));
    v.push_back(IntField("webhook_timeout_ms", &Config::webhook_timeout_ms, 100, 600'000,
                         "a webhook POST's connect, and then its send and answer, each at most "
                         "(not the DNS lookup)"));
    v.push_back(IntField("webhook_max_concurrency", &Config::webhook_max_concurrency, 1, 10'000,
                         "webhook POSTs in flight at once on this node"));
    v.push_back(IntField("webhook_max_batch_changes", &Config::webhook_max_batch_changes, 1, 10'000,
                         "changes one webhook POST carries at most"));
    v.push_back(IntField("webhook_max_batch_bytes", &Config::webhook_max_batch_bytes, 1024,
                         64 << 20,
                         "bytes of one webhook POST's body at most (one change always "
                         "goes)"));
    v.push_back(IntField("webhook_max_subscriptions", &Config::webhook_max_subscriptions, 1,
                         1'000'000, "subscriptions with a deliveryUrl one node delivers at most"));
    v.push_back(IntField("webhook_retry_initial_ms", &Config::webhook_retry_initial_ms, 1,
                         3'600'000,
                         "wait before a failed webhook POST's first retry; it doubles "
                         "each failure, with jitter"));
    v.push_back(IntField("webhook_retry_max_ms", &Config::webhook_retry_max_ms, 1, 86'400'000,
                         "longest wait between two attempts of one webhook batch"));
    v.push_back(IntField("webhook_scan_interval_ms", &Config::webhook_scan_interval_ms, 10,
                         3'600'000, "how often subscriptions with a deliveryUrl are looked for"));
    v.push_back(ChoiceField(
        "auth", &Config::auth, kAuths,
        "required: every route but /healthz, /readyz and the console's files needs an API key; "
        "disabled: none is checked (benchmarks, trusted labs only)"));
    v.push_back(StringField("admin_key_file", &Config::admin_key_file,
                            "file holding the bootstrap admin key's secret (instead of "
                            "<data_dir>/admin.key), e.g. a docker secret"));
    v.push_back(ChoiceField("log_format", &Config::log_format, kLogFormats,
                            "text, or json: one JSON object per line"));
    v.push_back(ChoiceField("access_log", &Config::access_log, kAccessLogs,
                            "on: log one line per request (request id, route, status, time)"));
    v.push_back(ChoiceField("metrics_access", &Config::metrics_access, kMetricsAccesses,
                            "who may GET /metrics: loopback (127.0.0.1/::1 without a key, "
                            "others with an admin key), open, or key (always an admin key)"));
    v.push_back(IntField("metrics_max_queues", &Config::metrics_max_queues, 0, 1'000'000,
                         "queues reported one by one in /metrics at most"));
    v.push_back(IntField("max_inventory_names", &Config::max_inventory_names, 1, 100'000,
                         "names in each list of GET /admin/v1/universes[/{universe}] at most"));
    v.push_back(IntField("rate_limit_burst_seconds", &Config::rate_limit_burst_seconds, 1, 3600,
                         "a rate-limit bucket holds this many seconds of its rate"));
    const std::pair<const char*, int64_t Config::*> limits[] = {
        {"rate_limit_datastore_per_key", &Config::rate_limit_datastore_per_key},
        {"rate_limit_datastore_per_universe", &Config::rate_limit_datastore_per_universe},
        {"rate_limit_ordered_per_key", &Config::rate_limit_ordered_per_key},
        {"rate_limit_ordered_per_universe", &Config::rate_limit_ordered_per_universe},
        {"rate_limit_memory_store_per_key", &Config::rate_limit_memory_store_per_key},
        {"rate_limit_memory_store_per_universe", &Config::rate_limit_memory_store_per_universe},
        {"rate_limit_session_locks_per_key", &Config::rate_limit_session_locks_per_key},
        {"rate_limit_session_locks_per_universe", &Config::rate_limit_session_locks_per_universe},
        {"rate_limit_changes_per_key", &Config::rate_limit_changes_per_key},
        {"rate_limit_changes_per_universe", &Config::rate_limit_changes_per_universe},
        {"rate_limit_admin_per_key", &Config::rate_limit_admin_per_key},
    };
    for (const auto& [name, member] : limits) {
      v.push_back(IntField(name, member, 0, 100'000'000, "requests per second; 0 = unlimited"));
    }
    v.push_back(StringField("backup_dir", &Config::backup_dir,
                            "where backups go; empty = <data_dir>/backups (use another disk)"));
    v.push_back(IntField("backup_interval_seconds", &Config::backup_interval_seconds, 0, 31'536'000,
                         "take a backup every this many seconds; 0 = never by schedule"));
    v.push_back(IntField("backup_keep", &Config::backup_keep, 0, 100'000,
                         "after a scheduled backup keep only this many; 0 = keep all"));
    return v;
  }();
  return fields;
}

std::string FlagName(const std::string& name) {
  std::string out = "--" + name;
  for (char& ch : out) {
    if (ch == '_') ch = '-';
  }
  return out;
}

std::string EnvName(const std::string& name) {
  std::string out = "STRONGBOX_" + name;
  for (char& ch : out) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return out;
}

const Field* FindField(std::string_view name) {
  for (const auto& f : Fields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status ApplyFile(Config& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("config file " + path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = core::ParseJson(ss.str());
  if (!parsed.ok()) {
    return Status::InvalidArgument("config file " + path + ": " + parsed.status().message());
  }
  if (!parsed->is_object()) {
    return Status::InvalidArgument("config file " + path + ": not a JSON object");
  }
  for (auto it = parsed->begin(); it != parsed->end(); ++it) {
    const Field* f = FindField(it.key());
    if (f == nullptr) {
      return Status::InvalidArgument("config file " + path + ": unknown field '" + it.key() + "'");
    }
    std::string text;
    if (it->is_string()) {
      text = it->get<std::string>();
    } else if (it->is_number()) {
      // 5, 5.0 and 5e0 alike (api.md §1 "Numbers").
      SB_ASSIGN_OR_RETURN(int64_t n, core::JsonToInt64(*it, "config field '" + it.key() + "'"));
      text = std::to_string(n);
    } else {
      return Status::InvalidArgument("config file " + path + ": field '" + it.key() +
                                     "' must be a string or an integer");
    }
    SB_RETURN_IF_ERROR(f->set(c, text));
  }
  return Status::Ok();
}

}  // namespace

std::string_view Name(Durability value) { return NameIn(kDurabilities, value); }
std::string_view Name(Storage value) { return NameIn(kStorages, value); }
std::string_view Name(Cluster value) { return NameIn(kClusters, value); }
std::string_view Name(LogLevel value) { return NameIn(kLogLevels, value); }
std::string_view Name(LogFormat value) { return NameIn(kLogFormats, value); }
std::string_view Name(Auth value) { return NameIn(kAuths, value); }
std::string_view Name(AccessLog value) { return NameIn(kAccessLogs, value); }
std::string_view Name(MetricsAccess value) { return NameIn(kMetricsAccesses, value); }
std::string_view Name(ChangeLogMode value) { return NameIn(kChangeLogModes, value); }

Result<Config> LoadConfig(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  // Flags are parsed first into (field, text) pairs so the file they name can load beneath them.
  std::string config_path;
  if (auto it = env.find("STRONGBOX_CONFIG"); it != env.end()) config_path = it->second;
  std::vector<std::pair<const Field*, std::string>> flag_values;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (!has_value && arg == "--cluster" &&
        (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0)) {
      value = "on";  // a bare switch, as issue #16 spells it
      has_value = true;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return Status::InvalidArgument("flag " + arg + " needs a value");
      value = args[++i];
    }
    if (arg == "--config") {
      config_path = value;
      continue;
    }
    const Field* field = nullptr;
    for (const auto& f : Fields()) {
      if (FlagName(f.name) == arg) field = &f;
    }
    if (field == nullptr) {
      return Status::InvalidArgument("unknown flag " + arg + " (see --help)");
    }
    flag_values.emplace_back(field, value);
  }

  Config c;
  if (!config_path.empty()) SB_RETURN_IF_ERROR(ApplyFile(c, config_path));
  for (const auto& f : Fields()) {
    if (auto it = env.find(EnvName(f.name)); it != env.end()) {
      SB_RETURN_IF_ERROR(f.set(c, it->second));
    }
  }
  for (const auto& [field, value] : flag_values) SB_RETURN_IF_ERROR(field->set(c, value));
  SB_RETURN_IF_ERROR(Validate(c));
  return c;
}

Status Validate(const Config& c) {
  if (c.data_dir.empty()) return Status::InvalidArgument("config data_dir: must not be empty");
  if (c.listen_address.empty()) {
    return Status::InvalidArgument("config listen_address: must not be empty");
  }
  if (c.storage == Storage::kPostgres && c.postgres_url.empty()) {
    return Status::InvalidArgument(
        "config postgres_url: storage postgres needs a connection string, e.g. "
        "--postgres-url 'host=127.0.0.1 dbname=strongbox user=strongbox'");
  }
  if (c.storage == Storage::kPostgres && c.backup_interval_seconds > 0) {
    return Status::InvalidArgument(
        "config backup_interval_seconds: storage postgres is backed up with PostgreSQL's own "
        "tools (pg_dump, pg_basebackup), not by strongbox");
  }
  if (c.cluster == Cluster::kOn && c.storage != Storage::kPostgres) {
    return Status::InvalidArgument(
        "config cluster: cluster mode needs storage postgres (the nodes share one database)");
  }
  if (c.cluster == Cluster::kOn && c.advertise_url.rfind("http://", 0) != 0) {
    return Status::InvalidArgument(
        "config advertise_url: cluster mode needs the URL other nodes reach this one at, e.g. "
        "--advertise-url http://10.0.0.5:8080");
  }
  if (c.cluster == Cluster::kOn && (c.forward_timeout_ms <= c.lock_max_wait_ms ||
                                    c.forward_timeout_ms <= c.memstore_max_wait_ms ||
                                    c.forward_timeout_ms <= c.changes_max_wait_ms)) {
    return Status::InvalidArgument(
        "config forward_timeout_ms: must exceed lock_max_wait_ms, memstore_max_wait_ms and "
        "changes_max_wait_ms, or a forwarded long poll is cut short");
  }
  if (c.cluster == Cluster::kOn && c.cluster_tick_ms > c.partition_renew_ms) {
    return Status::InvalidArgument("config cluster_tick_ms: must not exceed partition_renew_ms");
  }
  if (c.partition_renew_ms >= c.partition_lease_ms) {
    return Status::InvalidArgument(
        "config partition_renew_ms: must be below partition_lease_ms, or leases lapse between "
        "renewals");
  }
  // A cluster node reads from its cache only within 0.9 of a lease from a renewal's start
  // (cluster/coordinator.cc): the next renewal, a renew interval after the last one ended, must
  // land well inside that, or the node answers 503 for part of every cycle on a healthy network.
  if (c.cluster == Cluster::kOn && c.partition_renew_ms * 2 > c.partition_lease_ms) {
    return Status::InvalidArgument(
        "config partition_renew_ms: in cluster mode must be at most half of partition_lease_ms, "
        "or a node stops serving reads for part of every renewal cycle");
  }
  if (c.webhook_retry_initial_ms > c.webhook_retry_max_ms) {
    return Status::InvalidArgument(
        "config webhook_retry_initial_ms: must not exceed webhook_retry_max_ms");
  }
  if (c.commit_batch_limit > c.commit_queue_limit) {
    return Status::InvalidArgument("config commit_batch_limit: must not exceed commit_queue_limit");
  }
  if (c.max_value_bytes >= c.body_limit_bytes) {
    return Status::InvalidArgument(
        "config max_value_bytes: must be below body_limit_bytes, which must hold a value and "
        "its envelope");
  }
  return Status::Ok();
}

std::string HelpText() {
  std::string out =
      "Usage: strongbox [flags]\n"
      "       strongbox --help\n\n"
      "Every field can be set (lowest precedence first) by a JSON config file\n"
      "(--config FILE or STRONGBOX_CONFIG), an environment variable, or a flag.\n\n"
      "  --config FILE  (STRONGBOX_CONFIG)\n      JSON object of the fields below, by name\n";
  const Config defaults;
  for (const auto& f : Fields()) {
    out += "  " + FlagName(f.name) + "  (" + EnvName(f.name) + ", \"" + f.name + "\")  default " +
           f.show(defaults) + "\n      " + f.help + "\n";
  }
  return out;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    if (kv.substr(0, 10) != "STRONGBOX_") continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

}  // namespace strongbox::config
