#include "store/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace strongbox::store::pg {

namespace {

std::string Trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

core::Status Unavailable(const std::string& message) {
  return StorageUnavailable("PostgreSQL is unavailable: " + message);
}

// The SQLSTATE classes that say "the server cannot serve now" rather than "this statement is
// wrong": connection exceptions, operator intervention (shutdown), insufficient resources.
bool ServerUnavailable(std::string_view sqlstate) {
  return sqlstate.substr(0, 2) == "08" || sqlstate.substr(0, 2) == "57" ||
         sqlstate.substr(0, 2) == "53";
}

core::Status StatementError(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string message = Trimmed(PQresultErrorMessage(result));
  core::Status status;
  if (sqlstate == "40001" || sqlstate == "40P01") {
    status = core::Status::Aborted("PostgreSQL: " + message).WithReason("SERIALIZATION_FAILURE");
  } else if (ServerUnavailable(sqlstate)) {
    status = Unavailable(message);
  } else {
    status = core::Status::Internal("PostgreSQL: " + message);
  }
  return std::move(status).WithMetadata("sqlstate", sqlstate);
}

}  // namespace

Rows::Rows(PGresult* result) : result_(result) {}
Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}
Rows::Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}
int Rows::size() const { return result_ != nullptr ? PQntuples(result_) : 0; }
bool Rows::null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
std::string_view Rows::bytes(int row, int column) const {
  return std::string_view(PQgetvalue(result_, row, column),
                          static_cast<size_t>(PQgetlength(result_, row, column)));
}
int64_t Rows::integer(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}
int64_t Rows::affected() const {
  const char* n = result_ != nullptr ? PQcmdTuples(result_) : "";
  return *n != '\0' ? std::strtoll(n, nullptr, 10) : 0;
}

core::Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                           const std::string& application_name,
                                                           std::chrono::milliseconds timeout) {
  const std::string connect_timeout =
      std::to_string(std::max<int64_t>(2, (timeout.count() + 999) / 1000));
  // Our defaults come before `dbname` (the caller's string, expanded), so the caller's own
  // settings win. Keepalives notice a dead server within about 11 s of silence.
  const char* keywords[] = {
      "application_name",    "connect_timeout",  "keepalives", "keepalives_idle",
      "keepalives_interval", "keepalives_count", "dbname",     nullptr};
  const char* values[] = {application_name.c_str(),
                          connect_timeout.c_str(),
                          "1",
                          "5",
                          "2",
                          "3",
                          conninfo.c_str(),
                          nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Unavailable("out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    core::Status failed = Unavailable(Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return failed;
  }
  // Server notices ("relation … already exists, skipping") go to the log at debug level, not
  // to stderr, which would break the one-JSON-object-per-line log format.
  PQsetNoticeProcessor(
      conn, [](void*, const char* message) { spdlog::debug("postgres: {}", Trimmed(message)); },
      nullptr);
  if (PQsetnonblocking(conn, 1) != 0) {
    core::Status failed = Unavailable(Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return failed;
  }
  return std::unique_ptr<Connection>(new Connection(conn, timeout));
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::healthy() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK && PQpipelineStatus(conn_) == PQ_PIPELINE_OFF;
}

core::Status Connection::ConnectionError(const std::string& what) const {
  return Unavailable(what + ": " + Trimmed(PQerrorMessage(conn_)));
}

int Connection::PollFor(short events, short* revents) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd fd{PQsocket(conn_), events, 0};
    const int ready = poll(&fd, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    *revents = fd.revents;
    return ready;
  }
}

core::Status Connection::WaitReadable() {
  short revents = 0;
  const int ready = PollFor(POLLIN, &revents);
  if (ready == 0) {
    return Unavailable("no answer within " + std::to_string(timeout_.count()) +
                       " ms (config postgres_timeout_ms)");
  }
  if (ready < 0 || PQconsumeInput(conn_) == 0) return ConnectionError("reading");
  return core::Status::Ok();
}

core::Status Connection::Flush() {
  for (;;) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) return core::Status::Ok();
    if (flushed < 0) return ConnectionError("sending");
    // The server may be blocked writing answers we have not read: read while we wait to send.
    short revents = 0;
    const int ready = PollFor(POLLIN | POLLOUT, &revents);
    if (ready == 0) return Unavailable("sending timed out");
    if (ready < 0) return ConnectionError("sending");
    if ((revents & POLLIN) != 0 && PQconsumeInput(conn_) == 0) {
      return ConnectionError("reading");
    }
  }
}

core::Status Connection::Send(const Statement& statement, bool* parse_sent) {
  *parse_sent = false;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Param& p : statement.params) {
    values.push_back(p.value ? p.value->data() : nullptr);
    lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
    formats.push_back(p.binary ? 1 : 0);
  }
  const int count = static_cast<int>(statement.params.size());
  const int result_format = statement.binary_result ? 1 : 0;
  int sent = 0;
  if (statement.prepared) {
    auto it = prepared_.find(statement.sql);
    std::string name = it != prepared_.end() ? it->second : "";
    if (name.empty()) {
      name = "sb" + std::to_string(prepared_.size() + 1);
      if (PQsendPrepare(conn_, name.c_str(), statement.sql.c_str(), count, nullptr) == 0) {
        return ConnectionError("sending");
      }
      // Known from now on, so a second use in the same pipeline does not parse again;
      // RunPipeline forgets it if the Parse fails or is skipped.
      prepared_[statement.sql] = name;
      *parse_sent = true;
    }
    sent = PQsendQueryPrepared(conn_, name.c_str(), count, values.data(), lengths.data(),
                               formats.data(), result_format);
  } else {
    sent = PQsendQueryParams(conn_, statement.sql.c_str(), count, nullptr, values.data(),
                             lengths.data(), formats.data(), result_format);
  }
  if (sent == 0) return ConnectionError("sending");
  return Flush();
}

core::Result<PGresult*> Connection::NextResult() {
  while (PQisBusy(conn_) != 0) SB_RETURN_IF_ERROR(WaitReadable());
  return PQgetResult(conn_);
}

core::Result<Rows> Connection::Run(const Statement& statement) {
  std::vector<Rows> results;
  bool started = false;
  SB_RETURN_IF_ERROR(RunPipeline({statement}, &results, &started));
  return std::move(results.front());
}

core::Result<Rows> Connection::Run(const std::string& sql, std::vector<Param> params) {
  return Run(Statement{sql, std::move(params), false});
}

core::Status Connection::RunPipeline(const std::vector<Statement>& statements,
                                     std::vector<Rows>* results, bool* started) {
  results->clear();
  *started = false;
  if (!healthy()) return ConnectionError("connection lost");
  // Every return before the sync was read leaves answers unread: the session is unusable.
  broken_ = true;
  return RunPipelineOnce(statements, results, started);
}

core::Status Connection::RunPipelineOnce(const std::vector<Statement>& statements,
                                         std::vector<Rows>* results, bool* started) {
  if (PQenterPipelineMode(conn_) == 0) return ConnectionError("entering pipeline mode");
  core::Status failure;
  *started = true;
  // The answers to read, in order: a statement's, preceded by its Parse's the first time.
  struct Answer {
    size_t statement;
    bool parse;
  };
  std::vector<Answer> answers;
  answers.reserve(statements.size());
  for (size_t i = 0; i < statements.size(); ++i) {
    bool parse_sent = false;
    failure = Send(statements[i], &parse_sent);
    if (!failure.ok()) return failure;  // the connection is unusable: nothing to drain
    if (parse_sent) answers.push_back({i, true});
    answers.push_back({i, false});
  }
  if (PQpipelineSync(conn_) == 0) return ConnectionError("sending");
  SB_RETURN_IF_ERROR(Flush());
  // Each answer is one result, then nullptr; the sync answers last. After an error the server
  // skips the rest (PGRES_PIPELINE_ABORTED) up to the sync.
  std::vector<std::string> parse_failed;
  for (const Answer& answer : answers) {
    SB_ASSIGN_OR_RETURN(PGresult * result, NextResult());
    if (result == nullptr) return ConnectionError("reading");
    Rows rows(result);
    const ExecStatusType status = PQresultStatus(result);
    SB_ASSIGN_OR_RETURN(PGresult * end, NextResult());
    if (end != nullptr) PQclear(end);
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (answer.parse) {
      if (!ok) parse_failed.push_back(statements[answer.statement].sql);
    } else if (ok) {
      if (failure.ok()) results->push_back(std::move(rows));
    }
    if (!ok && status != PGRES_PIPELINE_ABORTED && failure.ok()) {
      failure = StatementError(result).WithMetadata("statement", std::to_string(answer.statement));
    }
  }
  // A statement whose Parse failed or was skipped is not prepared in this session.
  for (const std::string& sql : parse_failed) prepared_.erase(sql);
  SB_ASSIGN_OR_RETURN(PGresult * sync, NextResult());
  if (sync == nullptr) return ConnectionError("reading");
  const bool synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced) return ConnectionError("pipeline out of step");
  if (PQexitPipelineMode(conn_) == 0) return ConnectionError("leaving pipeline mode");
  broken_ = false;  // every answer read: the session can go on
  return failure;
}

core::Status StorageUnavailable(std::string message, int retry_after_seconds) {
  return core::Status::Unavailable(std::move(message))
      .WithReason("STORAGE_UNAVAILABLE")
      .WithMetadata("retryAfterSeconds", std::to_string(retry_after_seconds));
}

core::Status RunTransaction(Connection& conn, const std::string& begin,
                            std::vector<Statement> statements, std::vector<Rows>* results) {
  statements.insert(statements.begin(), Statement{begin, {}, false});
  statements.push_back(Statement{"COMMIT", {}, false});
  std::vector<Rows> all;
  bool started = false;
  core::Status done = conn.RunPipeline(statements, &all, &started);
  if (!done.ok()) {
    if (conn.healthy()) (void)conn.Run("ROLLBACK");
    return done;
  }
  results->clear();
  for (size_t i = 1; i + 1 < all.size(); ++i) results->push_back(std::move(all[i]));
  return core::Status::Ok();
}

}  // namespace strongbox::store::pg
