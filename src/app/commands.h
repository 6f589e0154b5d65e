#pragma once

// The offline subcommands of the strongbox binary, for a stopped server (RocksDB's lock makes
// them fail cleanly while one runs):
//   strongbox keys create --data-dir D --name N --scope U/SCOPE[/STORE,…] … [--expire-time T]
//   strongbox keys list   --data-dir D
//   strongbox keys revoke --data-dir D ID
//   strongbox restore --backup-dir B [--backup-id N] --data-dir D
//   strongbox db init|migrate --postgres-url URL [--postgres-partitions N]
//     (storage mode postgres: creates the schema, or brings it to this build's version; safe
//     while servers run, and what a server also does at start)
// Each returns the process exit code; output goes to stdout, errors to stderr.

#include <string>
#include <vector>

namespace strongbox::app {

int RunKeysCommand(const std::vector<std::string>& args);
int RunRestoreCommand(const std::vector<std::string>& args);
int RunDbCommand(const std::vector<std::string>& args);

}  // namespace strongbox::app
