#pragma once

// A PostgreSQL 15 of a test's own (scripts/pg.sh), for the tests that stop, kill or fail over
// the database and so must not share the suite's server. Loopback only; stopped (fast, then
// immediate) when destroyed. Bounded: every pg.sh step waits at most 30 s.

#include <string>

namespace strongbox::testing {

class ScratchPostgres {
 public:
  // Starts a new server in `dir` (initdb the first time).
  explicit ScratchPostgres(std::string dir);
  ~ScratchPostgres();
  ScratchPostgres(const ScratchPostgres&) = delete;
  ScratchPostgres& operator=(const ScratchPostgres&) = delete;

  void Start();
  void Stop();     // fast shutdown
  void Kill();     // immediate shutdown, as a crash
  void Promote();  // a standby becomes a primary
  // A streaming synchronous standby of this server in `dir`, started.
  ScratchPostgres Standby(const std::string& dir);
  // libpq URL of `database` on this server; Exec runs SQL there (psql), throwing on failure.
  std::string Url(const std::string& database = "postgres") const;
  std::string Exec(const std::string& sql, const std::string& database = "postgres") const;
  int port() const { return port_; }

 private:
  ScratchPostgres(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  void ReadPort();
  std::string dir_;
  int port_ = 0;
  bool owned_ = true;
};

}  // namespace strongbox::testing
