#include "store/rocks_status.h"

#include <rocksdb/status.h>

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

}  // namespace strongbox::store
