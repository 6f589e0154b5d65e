#pragma once

// A PostgreSQL connection (libpq) for the PostgreSQL storage mode: connect with a timeout,
// run one statement, or run a pipeline of statements in one network round trip (libpq pipeline
// mode, PostgreSQL 14+ client; any server that speaks the extended query protocol).
//
// Shapes: parameters are bytes; each is sent as text (numbers, names) or binary (bytea keys
// and values), chosen per parameter. Results are read as text or binary, per statement.
// Errors: every failure is a core::Status: kUnavailable when the connection is unusable (reason
// STORAGE_UNAVAILABLE), kAborted for a serialization failure or deadlock (SQLSTATE 40001,
// 40P01: retry the whole transaction), kInternal for any other server error; the SQLSTATE is
// in the status metadata "sqlstate".
// Ownership: the caller owns the connection and closes it by destroying it.
// Thread safety: none; one thread at a time (in Strongbox: the sequencer, the lease keeper or
// a loader). Every call blocks: never call it on an IO thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace strongbox::store::pg {

// One statement parameter: NULL when `value` is nullopt.
struct Param {
  std::optional<std::string> value;
  bool binary = false;
  static Param Text(std::string v) { return Param{std::move(v), false}; }
  static Param Int(int64_t v) { return Param{std::to_string(v), false}; }
  static Param Bytes(std::string_view v) { return Param{std::string(v), true}; }
};

// A finished statement's rows (or command status).
class Rows {
 public:
  explicit Rows(PGresult* result);
  ~Rows();
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int size() const;
  bool null(int row, int column) const;
  std::string_view bytes(int row, int column) const;  // text or binary, as requested
  int64_t integer(int row, int column) const;         // a text-format integer column
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t affected() const;

 private:
  PGresult* result_;
};

struct Statement {
  std::string sql;
  std::vector<Param> params;
  bool binary_result = false;
  // Parse and plan once per session (a named prepared statement, made in the same pipeline
  // the first time): for the statements every commit sends.
  bool prepared = false;
};

class Connection {
 public:
  // Connects with `conninfo` (a libpq keyword/value string or URL), naming the session
  // `application_name` (visible in pg_stat_activity). `timeout` bounds the connect and every
  // later wait for the server.
  static core::Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                        const std::string& application_name,
                                                        std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One statement, waited for.
  core::Result<Rows> Run(const Statement& statement);
  core::Result<Rows> Run(const std::string& sql, std::vector<Param> params = {});

  // Statements sent together and answered in order (one round trip). Stops at the first error:
  // `results` then holds the answers before it and the Status says which statement failed
  // (metadata "statement": its index). `*started` tells whether anything may have reached the
  // server: after a connection failure with `*started`, a COMMIT in `statements` may or may
  // not have run — the caller's "outcome unknown".
  core::Status RunPipeline(const std::vector<Statement>& statements, std::vector<Rows>* results,
                           bool* started);

  // False once the connection has failed, or a call left it mid-pipeline (a timeout, an
  // answer out of step): its next answers would belong to the old statements, so a new
  // connection must be opened.
  bool healthy() const;

 private:
  explicit Connection(PGconn* conn, std::chrono::milliseconds timeout)
      : conn_(conn), timeout_(timeout) {}
  // Sends `statement`; when it is to be prepared and is not yet, sends the Parse first and
  // sets `*parse_sent` (its answer comes before the statement's).
  core::Status Send(const Statement& statement, bool* parse_sent);
  core::Status Flush();
  core::Status WaitReadable();
  // poll() for `events`, retrying when a signal interrupts it, within timeout_ in all.
  int PollFor(short events, short* revents);
  // RunPipeline without the bookkeeping of a broken session.
  core::Status RunPipelineOnce(const std::vector<Statement>& statements, std::vector<Rows>* results,
                               bool* started);
  core::Result<PGresult*> NextResult();  // nullptr = this statement's results ended
  core::Status ConnectionError(const std::string& what) const;

  PGconn* conn_;
  std::chrono::milliseconds timeout_;
  bool broken_ = false;  // a call returned before reading every answer up to the sync
  // SQL text → statement name, for statements this session has prepared.
  std::map<std::string, std::string> prepared_;
};

// `statements` as one transaction in one pipeline: `begin` ("BEGIN", or with an isolation
// level), the statements, COMMIT. `results` gets the statements' answers alone (not BEGIN's or
// COMMIT's). On an error the transaction is rolled back (when the session still can) and the
// Status says which statement failed, as RunPipeline's does (counting BEGIN as 0).
core::Status RunTransaction(Connection& conn, const std::string& begin,
                            std::vector<Statement> statements, std::vector<Rows>* results);

// kUnavailable, reason STORAGE_UNAVAILABLE, with retryAfterSeconds: the database cannot serve
// now (unreachable, gone mid-commit, refusing); the client retries, the node reconnects.
core::Status StorageUnavailable(std::string message, int retry_after_seconds = 2);

}  // namespace strongbox::store::pg
