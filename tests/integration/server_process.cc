#include "integration/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace strongbox::testing {

namespace {

pid_t Spawn(const std::vector<std::string>& args, const std::string& log_path,
            const std::string& program = STRONGBOX_BINARY, uint64_t open_files_limit = 0) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (open_files_limit > 0) {
      const struct rlimit limit {
        static_cast<rlim_t>(open_files_limit), static_cast<rlim_t>(open_files_limit)
      };
      if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(126);
    }
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> argv;
    std::string binary = program;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

// Storage mode `postgres` for the whole suite (scripts/test.sh's second pass): each data dir
// gets its own database on the server STRONGBOX_TEST_POSTGRES_URL names, made at its first
// start, so every server starts as empty as a fresh data dir and a restart finds its data.
std::string TestDatabaseUrl(const std::string& data_dir) {
  const char* url = std::getenv("STRONGBOX_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "STRONGBOX_TEST_STORAGE=postgres needs STRONGBOX_TEST_POSTGRES_URL (scripts/pg.sh start "
        "DIR prints one)");
  }
  uint64_t h = 14695981039346656037ull;  // FNV-1a of the path: a stable database name
  for (unsigned char c : data_dir) h = (h ^ c) * 1099511628211ull;
  char name[32];
  snprintf(name, sizeof(name), "sbtest_%016llx", static_cast<unsigned long long>(h));
  const std::string database_url = std::string(url) + " dbname=" + name;
  std::string output;
  if (RunCommand({"psql", database_url, "-qtAc", "SELECT 1"}, &output) != 0 &&
      RunCommand({"psql", url, "-qc", std::string("CREATE DATABASE ") + name}, &output) != 0) {
    throw std::runtime_error("cannot create test database: " + output);
  }
  return database_url;
}

bool PostgresMode() {
  const char* storage = std::getenv("STRONGBOX_TEST_STORAGE");
  return storage != nullptr && std::string(storage) == "postgres";
}

ServerProcess::ServerProcess(std::string work_dir, std::string data_dir,
                             std::vector<std::string> extra)
    : work_dir_(std::move(work_dir)), data_dir_(std::move(data_dir)), extra_(std::move(extra)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

void ServerProcess::Start() {
  // Unique per start, so a stale file from an earlier server is never read.
  static std::atomic<int> counter{0};
  const std::string port_file =
      work_dir_ + "/port." + std::to_string(++starts_) + "." + std::to_string(++counter);
  std::vector<std::string> args = {"--port",      "0",       "--port-file",  port_file,
                                   "--data-dir",  data_dir_, "--io-threads", "2",
                                   "--log-level", "info"};
  if (PostgresMode()) {
    // Before the test's own flags, so a test may point two servers at one database.
    args.insert(args.end(),
                {"--storage", "postgres", "--postgres-url", TestDatabaseUrl(data_dir_)});
  }
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = Spawn(args, work_dir_ + "/server.log", STRONGBOX_BINARY, open_files_limit_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      port_ = static_cast<uint16_t>(port);
      // The key file is written before the port opens, so it is complete now.
      std::ifstream key(data_dir_ + "/admin.key");
      admin_key_.clear();
      std::getline(key, admin_key_);
      return;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("strongbox exited during start (" +
                               std::to_string(ExitCode(status)) + "): " + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  throw std::runtime_error("strongbox did not write its port file in 20 s: " + Log());
}

int ServerProcess::Wait(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return ExitCode(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return -1;
}

int ServerProcess::Stop(int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int code = Wait(timeout_ms);
  if (code == -1) {
    Kill();
    return 128 + SIGKILL;
  }
  return code;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::Log() const {
  std::ifstream in(work_dir_ + "/server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunStrongbox(const std::vector<std::string>& args, std::string* output) {
  return RunCommand(
      [&] {
        std::vector<std::string> command = {STRONGBOX_BINARY};
        command.insert(command.end(), args.begin(), args.end());
        return command;
      }(),
      output);
}

int RunCommand(const std::vector<std::string>& command, std::string* output) {
  char tmpl[] = "/tmp/strongbox-run-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  pid_t pid =
      Spawn(std::vector<std::string>(command.begin() + 1, command.end()), tmpl, command.front());
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int code = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      code = ExitCode(status);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (code == -1) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  std::ifstream in(tmpl);
  std::stringstream ss;
  ss << in.rdbuf();
  *output = ss.str();
  std::filesystem::remove(tmpl);
  return code;
}

}  // namespace strongbox::testing
