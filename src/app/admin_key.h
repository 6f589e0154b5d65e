#pragma once

// The bootstrap admin key of api.md §7, set up at startup once the API keys are loaded:
// --admin-key-file supplies its secret, or on a first start (no keys at all) a new one is
// created and its secret written to <data_dir>/admin.key (mode 0600, never replacing a file).
// The secret is never logged. Thread safety: startup only, before serving.

#include "config/config.h"
#include "core/status.h"
#include "ops/key_store.h"

namespace strongbox::app {

// An error naming what failed (the key file unreadable, the key store refusing, admin.key not
// writable): the server must not start.
core::Status BootstrapAdminKey(const config::Config& config, ops::KeyStore& keys);

}  // namespace strongbox::app
