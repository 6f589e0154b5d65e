#include "integration/scratch_postgres.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "integration/server_process.h"

namespace strongbox::testing {

namespace {

std::string PgScript() { return std::string(STRONGBOX_SOURCE_DIR) + "/scripts/pg.sh"; }

std::string Run(const std::vector<std::string>& command) {
  std::string output;
  if (RunCommand(command, &output) != 0) {
    throw std::runtime_error("`" + command[0] + " " + command[1] + "` failed: " + output);
  }
  return output;
}

// The server runs as `postgres` when the tests run as root: every directory above `dir`
// must let it through.
void OpenParents(const std::string& dir) {
  for (auto p = std::filesystem::path(dir).parent_path(); p != p.root_path(); p = p.parent_path()) {
    struct stat st;
    if (stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) {
      chmod(p.c_str(), st.st_mode | S_IXOTH);
    }
  }
}

}  // namespace

ScratchPostgres::ScratchPostgres(std::string dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  OpenParents(dir_ + "/x");
  Start();
}

ScratchPostgres::~ScratchPostgres() {
  if (!owned_) return;
  std::string output;
  RunCommand({PgScript(), "stop", dir_}, &output);
}

void ScratchPostgres::ReadPort() {
  std::ifstream in(dir_ + "/port");
  in >> port_;
}

void ScratchPostgres::Start() {
  Run({PgScript(), "start", dir_});
  ReadPort();
}
void ScratchPostgres::Stop() { Run({PgScript(), "stop", dir_}); }
void ScratchPostgres::Kill() { Run({PgScript(), "kill", dir_}); }
void ScratchPostgres::Promote() { Run({PgScript(), "promote", dir_}); }

ScratchPostgres ScratchPostgres::Standby(const std::string& dir) {
  std::filesystem::create_directories(dir);
  Run({PgScript(), "standby", dir_, dir});
  int port = 0;
  std::ifstream(dir + "/port") >> port;
  return ScratchPostgres(dir, port);
}

std::string ScratchPostgres::Url(const std::string& database) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + database;
}

std::string ScratchPostgres::Exec(const std::string& sql, const std::string& database) const {
  return Run({"psql", Url(database), "-qtAc", sql});
}

}  // namespace strongbox::testing
