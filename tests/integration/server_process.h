#pragma once

// Runs the real strongbox binary for a test: `--port 0 --port-file … --data-dir …`, output to
// a log file, stopped with SIGTERM then, after a deadline, SIGKILL. Bounded: start waits at
// most 20 s for the port file.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace strongbox::testing {

class ServerProcess {
 public:
  // `work_dir` holds the port file and the log; `data_dir` the database.
  ServerProcess(std::string work_dir, std::string data_dir, std::vector<std::string> extra = {});
  ~ServerProcess();

  void Start();
  // Adds `flag` to the command line of the next Start.
  void AddFlag(std::string flag) { extra_.push_back(std::move(flag)); }
  // Starts (at the next Start) with RLIMIT_NOFILE soft and hard set to `n` open files.
  void set_open_files_limit(uint64_t n) { open_files_limit_ = n; }
  // SIGTERM, wait up to `timeout_ms`, then SIGKILL. Returns the exit code, or 128 + signal.
  int Stop(int timeout_ms = 20'000);
  void Kill();  // SIGKILL, wait
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // for SIGSTOP/SIGCONT; -1 when not running
  uint16_t port() const { return port_; }
  // The bootstrap admin key's secret (<data_dir>/admin.key), read at each start; "" if none.
  const std::string& admin_key() const { return admin_key_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string Log() const;

 private:
  int Wait(int timeout_ms);

  std::string work_dir_;
  std::string data_dir_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string admin_key_;
  int starts_ = 0;
  uint64_t open_files_limit_ = 0;  // 0: inherited
};

// Runs the binary with `args` to completion (bounded); returns exit code and output.
int RunStrongbox(const std::vector<std::string>& args, std::string* output);
// Runs `command` (a program found in PATH, then its arguments) the same way.
int RunCommand(const std::vector<std::string>& command, std::string* output);

// True when the suite runs in storage mode `postgres` (STRONGBOX_TEST_STORAGE=postgres): every
// ServerProcess then gets its own database on STRONGBOX_TEST_POSTGRES_URL.
bool PostgresMode();
// The database of `data_dir` in that mode (created when missing): its libpq URL.
std::string TestDatabaseUrl(const std::string& data_dir);

}  // namespace strongbox::testing
