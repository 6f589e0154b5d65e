#include "idempotency/idempotency_store.h"

#include "store/scan_delete.h"

namespace strongbox::idempotency {

using core::Result;
using core::Status;
using store::ColumnFamily;

Result<std::optional<StoredResponse>> IdempotencyStore::Lookup(
    const std::string& key, uint64_t fingerprint,
    std::optional<uint64_t> earlier_fingerprint) const {
  SB_ASSIGN_OR_RETURN(auto bytes, engine_->Get(ColumnFamily::kIdempotency, key));
  if (!bytes) return std::optional<StoredResponse>();
  SB_ASSIGN_OR_RETURN(IdempotencyRecord record, DecodeIdempotencyRecord(*bytes));
  if (record.expire_time <= clock_->Now()) return std::optional<StoredResponse>();
  const bool stored_before_start = record.expire_time - ttl_ < started_;
  const bool earlier_match =
      earlier_fingerprint && stored_before_start && record.fingerprint == *earlier_fingerprint;
  if (record.fingerprint != fingerprint && !earlier_match) {
    return Status::Aborted(
               "This Idempotency-Key was used for a different request (method, path or body).")
        .WithReason("KEY_REUSED");
  }
  return std::optional<StoredResponse>(std::move(record.response));
}

Result<bool> IdempotencyStore::Answered(const store::WriteView& view,
                                        const std::string& key) const {
  SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kIdempotency, key));
  if (!bytes) return false;
  auto expiry = IdempotencyRecordExpiry(*bytes);
  return expiry && *expiry > clock_->Now();
}

void IdempotencyStore::Stage(store::WriteView& view, const std::string& key, uint64_t fingerprint,
                             StoredResponse response) const {
  IdempotencyRecord record{clock_->Now() + ttl_, fingerprint, std::move(response)};
  view.Put(ColumnFamily::kIdempotency, key, EncodeIdempotencyRecord(record));
}

boost::asio::awaitable<Result<size_t>> IdempotencyStore::PurgeExpired(size_t budget) {
  const core::Timestamp now = clock_->Now();
  auto expired = [now](std::string_view value) {
    auto expiry = IdempotencyRecordExpiry(value);
    return !expiry || *expiry <= now;
  };
  store::ScanDelete pass;
  pass.cf = ColumnFamily::kIdempotency;
  pass.cursor = &purge_cursor_;
  pass.budget = budget;
  pass.select = [&expired](std::string_view, std::string_view value) { return expired(value); };
  // A request may have reused the key since the scan: delete only what is still expired.
  pass.remove = [&expired](store::WriteView& view, const std::string& key) -> Result<bool> {
    SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kIdempotency, key));
    if (!bytes || !expired(*bytes)) return false;
    view.Delete(ColumnFamily::kIdempotency, key);
    return true;
  };
  co_return co_await store::ScanAndDelete(*engine_, *pipeline_, pass);
}

}  // namespace strongbox::idempotency
