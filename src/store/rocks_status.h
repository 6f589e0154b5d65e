#pragma once

// The only place a rocksdb::Status becomes a core::Status.

#include <string>

#include "core/status.h"

namespace rocksdb {
class Status;
}

namespace strongbox::store {

// OK → OK; NotFound → kNotFound; Busy/TryAgain/TimedOut → kUnavailable; NoSpace →
// kUnavailable reason STORAGE_FULL and any other IO error → kUnavailable reason STORAGE_ERROR
// (both with retryAfterSeconds; RocksDB's text, which names files, stays in the log that the
// CommitPipeline writes); everything else (corruption, ...) → kInternal with RocksDB's text,
// which error_response logs but never sends to a client.
core::Status ToStatus(const rocksdb::Status& s);

// Why opening the database in `path` failed, for the log (at start, and on a reopen after a
// storage fault, whose caller paces its messages): RocksDB's own text, which names the file and
// the errno. A held LOCK file is kFailedPrecondition ("in use by another process": another
// strongbox on the same directory, not a failing disk); anything else keeps ToStatus's code
// and reason.
core::Status OpenFailedStatus(const rocksdb::Status& s, const std::string& path);

// What every write answers while storage refuses them: 503 with retryAfterSeconds and reason
// STORAGE_FULL (no space) or STORAGE_ERROR (any other failed write).
core::Status StorageFullStatus();
core::Status StorageErrorStatus();

}  // namespace strongbox::store
