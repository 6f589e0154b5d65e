#pragma once

// The offline subcommands of the strongbox binary, for a stopped server (RocksDB's lock makes
// them fail cleanly while one runs):
//   strongbox keys create --data-dir D --name N --scope U/SCOPE[/STORE,…] … [--expire-time T]
//   strongbox keys list   --data-dir D
//   strongbox keys revoke --data-dir D ID
//   strongbox restore --backup-dir B [--backup-id N] --data-dir D
// Each returns the process exit code; output goes to stdout, errors to stderr.

#include <string>
#include <vector>

namespace strongbox::app {

int RunKeysCommand(const std::vector<std::string>& args);
int RunRestoreCommand(const std::vector<std::string>& args);

}  // namespace strongbox::app
