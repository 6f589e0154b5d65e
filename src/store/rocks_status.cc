#include "store/rocks_status.h"

#include <rocksdb/status.h>

#include <utility>

namespace strongbox::store {

core::Status StorageFullStatus() {
  return core::Status::Unavailable(
             "Storage is full: writes are refused until space is freed on the data directory's "
             "disk (reads still work).")
      .WithReason("STORAGE_FULL")
      .WithMetadata("retryAfterSeconds", "5");
}

core::Status StorageErrorStatus() {
  return core::Status::Unavailable(
             "Storage write failed: writes are refused until the data directory is writable "
             "again (reads still work). A write answered this way when the device failed may "
             "still have reached the disk: retry it with the same Idempotency-Key.")
      .WithReason("STORAGE_ERROR")
      .WithMetadata("retryAfterSeconds", "5");
}

core::Status ToStatus(const rocksdb::Status& s) {
  if (s.ok()) return core::Status::Ok();
  if (s.IsNotFound()) return core::Status::NotFound(s.ToString());
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
    return core::Status::Unavailable("storage busy: " + s.ToString());
  }
  // A full disk or a failing device: the write did not happen and the server stays up; the
  // client may retry (api.md §1: 503 with retry-after). RocksDB's text names files: logged by
  // the Engine, not sent.
  if (s.IsNoSpace()) return StorageFullStatus();
  if (s.IsIOError()) return StorageErrorStatus();
  return core::Status::Internal("storage: " + s.ToString());
}

core::Status OpenFailedStatus(const rocksdb::Status& s, const std::string& path) {
  const std::string why = s.ToString();
  // RocksDB 7.8 words it "IO error: While lock file: <dir>/LOCK: Resource temporarily
  // unavailable" (PosixEnv::LockFile).
  if (s.IsIOError() && why.find("lock file") != std::string::npos) {
    return core::Status::FailedPrecondition("the data directory " + path +
                                            " is in use by another process (another strongbox?): " +
                                            why + ". Stop it, or give this one another directory.");
  }
  const core::Status mapped = ToStatus(s);
  core::Status out(mapped.code(), "cannot open the database in " + path + ": " + why);
  if (!mapped.reason().empty()) out = std::move(out).WithReason(std::string(mapped.reason()));
  return out;
}

}  // namespace strongbox::store
