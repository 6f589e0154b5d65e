#pragma once

// The only place a rocksdb::Status becomes a core::Status.

#include "core/status.h"

namespace rocksdb {
class Status;
}

namespace strongbox::store {

// OK → OK; NotFound → kNotFound; Busy/TryAgain/TimedOut → kUnavailable; everything else
// (corruption, IO error, ...) → kInternal with RocksDB's text, which error_response logs but
// never sends to a client.
core::Status ToStatus(const rocksdb::Status& s);

}  // namespace strongbox::store
