#include "api/idempotency.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <vector>

#include "api/request_fields.h"
#include "core/strings.h"
#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Result;
using core::Status;

namespace {

constexpr uint8_t kIdempotencyRecordFormat = 1;
// How long a duplicate waits for its original before answering 503; far beyond any commit.
constexpr auto kMaxDuplicateWait = std::chrono::seconds(30);

// The expiry of an encoded record; nullopt when malformed.
std::optional<core::Timestamp> ExpiryOf(std::string_view record) {
  uint8_t format;
  int64_t expires;
  if (!store::GetByte(&record, &format) || format != kIdempotencyRecordFormat ||
      !store::GetVarsint64(&record, &expires)) {
    return std::nullopt;
  }
  return core::FromUnixNanos(expires);
}

}  // namespace

Idempotency::Idempotency(const store::Engine* engine, store::CommitPipeline* pipeline,
                         const core::Clock* clock, std::chrono::nanoseconds ttl)
    : engine_(engine), pipeline_(pipeline), clock_(clock), ttl_(ttl) {}

asio::awaitable<Result<size_t>> Idempotency::PurgeExpired(size_t budget) {
  const core::Timestamp now = clock_->Now();
  std::vector<std::string> expired;
  {
    auto it = engine_->NewIterator(store::ColumnFamily::kIdempotency);
    if (purge_cursor_.empty()) {
      it->SeekToFirst();
    } else {
      it->Seek(purge_cursor_);
    }
    size_t scanned = 0;
    for (; it->Valid() && scanned < budget; it->Next(), ++scanned) {
      auto expiry = ExpiryOf(it->value());
      if (!expiry || *expiry <= now) expired.emplace_back(it->key());
    }
    SB_CO_RETURN_IF_ERROR(it->status());
    purge_cursor_ = it->Valid() ? std::string(it->key()) : std::string();
  }
  if (expired.empty()) co_return size_t{0};
  auto deleted = std::make_shared<size_t>(0);
  store::Mutation mutation = [expired = std::move(expired), now,
                              deleted](store::WriteView& view) -> Status {
    for (const auto& key : expired) {
      // A request may have reused the key since the scan: delete only what is still expired.
      SB_ASSIGN_OR_RETURN(auto bytes, view.Get(store::ColumnFamily::kIdempotency, key));
      if (!bytes) continue;
      auto expiry = ExpiryOf(*bytes);
      if (expiry && *expiry > now) continue;
      view.Delete(store::ColumnFamily::kIdempotency, key);
      ++*deleted;
    }
    return Status::Ok();
  };
  Status s = co_await pipeline_->Commit(std::move(mutation));
  SB_CO_RETURN_IF_ERROR(s);
  co_return *deleted;
}

Result<std::optional<Idempotency::Key>> Idempotency::KeyFor(const http::Request& request) {
  auto header = request.Header("idempotency-key");
  if (!header) return std::optional<Key>();
  const std::string_view value = *header;
  bool printable = !value.empty() && value.size() <= 128;
  for (char c : value) printable = printable && c > 0x20 && c < 0x7F;
  if (!printable) {
    return Status::InvalidArgument("Idempotency-Key must be 1 to 128 printable ASCII characters.");
  }
  Key key;
  int64_t universe = 0;
  if (auto it = request.params.find("universe"); it != request.params.end()) {
    SB_ASSIGN_OR_RETURN(universe, ParseUniverseId(it->second));
  }
  store::PutKeyInt64(&key.storage_key, universe);
  store::PutKeyString(&key.storage_key, request.principal);  // the caller's API key id
  store::PutKeyString(&key.storage_key, value);
  std::string fingerprint = request.method;
  fingerprint += '\n';
  fingerprint += request.target;
  fingerprint += '\n';
  fingerprint += request.body;
  key.fingerprint = core::StableHash64(fingerprint);
  return std::optional<Key>(std::move(key));
}

void Idempotency::Stage(store::WriteView& view, const Key& key,
                        const http::Response& response) const {
  std::string record(1, static_cast<char>(kIdempotencyRecordFormat));
  store::PutVarsint64(&record, core::ToUnixNanos(clock_->Now() + ttl_));
  store::PutKeyUint64(&record, key.fingerprint);
  store::PutVarint64(&record, response.status);
  store::PutLengthPrefixed(&record, response.content_type);
  store::PutVarint64(&record, response.headers.size());
  for (const auto& [name, value] : response.headers) {
    store::PutLengthPrefixed(&record, name);
    store::PutLengthPrefixed(&record, value);
  }
  store::PutLengthPrefixed(&record, response.body);
  view.Put(store::ColumnFamily::kIdempotency, key.storage_key, record);
}

Result<std::optional<http::Response>> Idempotency::Replay(const Key& key) const {
  SB_ASSIGN_OR_RETURN(auto bytes, engine_->Get(store::ColumnFamily::kIdempotency, key.storage_key));
  if (!bytes) return std::optional<http::Response>();
  std::string_view in(*bytes);
  const Status corrupt = Status::Internal("corrupt idempotency record");
  uint8_t format;
  int64_t expires;
  uint64_t fingerprint, status, header_count;
  std::string_view content_type, body;
  if (!store::GetByte(&in, &format) || format != kIdempotencyRecordFormat ||
      !store::GetVarsint64(&in, &expires) || !store::GetKeyUint64(&in, &fingerprint) ||
      !store::GetVarint64(&in, &status) || !store::GetLengthPrefixed(&in, &content_type) ||
      !store::GetVarint64(&in, &header_count) || header_count > in.size()) {
    return corrupt;
  }
  if (core::FromUnixNanos(expires) <= clock_->Now()) return std::optional<http::Response>();
  if (fingerprint != key.fingerprint) {
    return Status::Aborted(
               "This Idempotency-Key was used for a different request (method, path or body).")
        .WithReason("KEY_REUSED");
  }
  http::Response response;
  response.status = static_cast<unsigned>(status);
  response.content_type = std::string(content_type);
  for (uint64_t i = 0; i < header_count; ++i) {
    std::string_view name, value;
    if (!store::GetLengthPrefixed(&in, &name) || !store::GetLengthPrefixed(&in, &value)) {
      return corrupt;
    }
    response.headers.emplace_back(std::string(name), std::string(value));
  }
  if (!store::GetLengthPrefixed(&in, &body)) return corrupt;
  response.body = std::string(body);
  response.SetHeader("idempotent-replayed", "true");
  return std::optional<http::Response>(std::move(response));
}

asio::awaitable<Status> Idempotency::Claim(const std::string& storage_key) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + kMaxDuplicateWait;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (in_flight_.insert(storage_key).second) co_return Status::Ok();
    }
    // A duplicate of a request still committing: its result is moments away.
    if (std::chrono::steady_clock::now() > deadline) {
      co_return Status::Unavailable(
          "The original request with this Idempotency-Key is still "
          "running; retry later.");
    }
    timer.expires_after(std::chrono::milliseconds(2));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void Idempotency::Release(const std::string& storage_key) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase(storage_key);
}

http::Handler Idempotency::Wrap(http::Handler inner) {
  return [this, inner = std::move(inner)](
             http::Request& request) -> asio::awaitable<Result<http::Response>> {
    SB_CO_ASSIGN_OR_RETURN(std::optional<Key> key, KeyFor(request));
    if (!key) co_return co_await inner(request);
    SB_CO_RETURN_IF_ERROR(co_await Claim(key->storage_key));
    // Released however this coroutine ends.
    struct Releaser {
      Idempotency* self;
      const std::string* storage_key;
      ~Releaser() { self->Release(*storage_key); }
    } releaser{this, &key->storage_key};
    SB_CO_ASSIGN_OR_RETURN(std::optional<http::Response> stored, Replay(*key));
    if (stored) co_return std::move(*stored);
    co_return co_await inner(request);
  };
}

}  // namespace strongbox::api
