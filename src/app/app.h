#pragma once

// The composition root: opens the store, starts the commit pipeline, wires services and routes,
// serves until SIGINT/SIGTERM, then drains (design.md §4, graceful shutdown) and closes the
// database. Returns the process exit code.

#include <string>

#include "config/config.h"

namespace strongbox::app {

int Run(const config::Config& config);

// Where backups go: config backup_dir, or <data_dir>/backups.
std::string BackupDir(const config::Config& config);

}  // namespace strongbox::app
