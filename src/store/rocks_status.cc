#include "store/rocks_status.h"

#include <rocksdb/status.h>

namespace strongbox::store {

core::Status ToStatus(const rocksdb::Status& s) {
  if (s.ok()) return core::Status::Ok();
  if (s.IsNotFound()) return core::Status::NotFound(s.ToString());
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
    return core::Status::Unavailable("storage busy: " + s.ToString());
  }
  return core::Status::Internal("storage: " + s.ToString());
}

}  // namespace strongbox::store
