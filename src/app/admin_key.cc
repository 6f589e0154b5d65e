#include "app/admin_key.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

namespace strongbox::app {

namespace {

// Creates `path` with mode 0600 and writes `secret`; refuses to replace an existing file.
bool WriteSecretFile(const std::string& path, const std::string& secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const std::string line = secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return written && synced;
}

std::optional<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret)) return std::nullopt;
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  return secret;
}

}  // namespace

core::Status BootstrapAdminKey(const config::Config& config, ops::KeyStore& keys) {
  std::optional<std::string> supplied;
  if (!config.admin_key_file.empty()) {
    supplied = ReadSecretFile(config.admin_key_file);
    if (!supplied) {
      return core::Status::InvalidArgument("cannot read the admin key file " +
                                           config.admin_key_file);
    }
  }
  auto created = keys.EnsureBootstrapKey(supplied);
  if (!created.ok()) {
    return core::Status(created.status().code(),
                        "bootstrap admin key: " + created.status().message());
  }
  if (supplied) {
    spdlog::info("admin key \"admin\" uses the secret in {}", config.admin_key_file);
  } else if (*created) {
    const std::string path = (std::filesystem::path(config.data_dir) / "admin.key").string();
    std::filesystem::remove(path);  // a stale file from a wiped database would block O_EXCL
    if (!WriteSecretFile(path, **created)) {
      return core::Status::Internal("cannot write the admin key to " + path);
    }
    spdlog::info("created the admin API key; its secret is in {} (mode 0600)", path);
  }
  return core::Status::Ok();
}

}  // namespace strongbox::app
