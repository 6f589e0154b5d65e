#pragma once

// Status and Result<T>: errors as values across every module. A Status carries a canonical
// code (mapped to HTTP in exactly one place, http/error_response), a human message, and an
// optional machine-readable reason with metadata (e.g. reason ETAG_MISMATCH) for clients.
// Thread safety: value types; distinct objects may be used from any thread.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace strongbox::core {

enum class StatusCode {
  kOk,
  kInvalidArgument,
  kUnauthenticated,
  kPermissionDenied,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // a guard failed (JSON patch test, bound): do not retry blindly
  kAborted,             // etag mismatch, lost lease, stale fencing token: re-read and retry
  kResourceExhausted,   // rate limit, quota, full commit queue
  kPayloadTooLarge,
  kMethodNotAllowed,  // a known path asked with a method it does not take (405, api.md §1)
  kUnavailable,       // starting or shutting down
  kDeadlineExceeded,
  kInternal,
};

// The canonical upper-case name, e.g. "INVALID_ARGUMENT".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  using Metadata = std::vector<std::pair<std::string, std::string>>;

  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, m}; }
  static Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, m}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, m}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, m}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, m}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, m}; }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, m}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, m}; }
  static Status PayloadTooLarge(std::string m) { return {StatusCode::kPayloadTooLarge, m}; }
  static Status MethodNotAllowed(std::string m) { return {StatusCode::kMethodNotAllowed, m}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, m}; }
  static Status DeadlineExceeded(std::string m) { return {StatusCode::kDeadlineExceeded, m}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, m}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& reason() const { return reason_; }
  const Metadata& metadata() const { return metadata_; }
  // The value of one metadata key, or empty.
  std::string_view MetadataValue(std::string_view key) const;

  // Builders for details: Status::Aborted("...").WithReason("ETAG_MISMATCH").
  Status WithReason(std::string reason) &&;
  Status WithMetadata(std::string key, std::string value) &&;
  // Renames metadata key `from` to `to` (e.g. a nested call's index under an outer one's).
  Status RenameMetadata(std::string_view from, std::string to) &&;
  Status WithoutMetadata(std::string_view key) &&;

  // "NOT_FOUND: Entry not found." (for logs and test messages).
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
  Metadata metadata_;
};

// A value or the Status explaining why there is none. REQUIRES: a Status used to build a
// Result is not OK.
template <class T>
class [[nodiscard]] Result {
 public:
  // An error placeholder; Asio's completion machinery needs default-constructible values.
  Result() : v_(std::in_place_index<0>, StatusCode::kInternal, "unset result") {}
  Result(T value) : v_(std::in_place_index<1>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : v_(std::in_place_index<0>, std::move(status)) {  // NOLINT
    assert(!std::get<0>(v_).ok());
  }

  bool ok() const { return v_.index() == 1; }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<0>(v_);
  }
  Status status() && { return ok() ? Status() : std::move(std::get<0>(v_)); }

  // REQUIRES: ok()
  T& value() & { return std::get<1>(v_); }
  const T& value() const& { return std::get<1>(v_); }
  T&& value() && { return std::get<1>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace strongbox::core

#define SB_CONCAT_INNER(a, b) a##b
#define SB_CONCAT(a, b) SB_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define SB_RETURN_IF_ERROR(expr)                       \
  do {                                                 \
    ::strongbox::core::Status sb_status_tmp_ = (expr); \
    if (!sb_status_tmp_.ok()) return sb_status_tmp_;   \
  } while (false)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define SB_ASSIGN_OR_RETURN(lhs, expr) \
  SB_ASSIGN_OR_RETURN_IMPL(SB_CONCAT(sb_result_tmp_, __LINE__), lhs, expr, return )

// The same two for coroutines, which must `co_return`.
#define SB_CO_RETURN_IF_ERROR(expr)                     \
  do {                                                  \
    ::strongbox::core::Status sb_status_tmp_ = (expr);  \
    if (!sb_status_tmp_.ok()) co_return sb_status_tmp_; \
  } while (false)
#define SB_CO_ASSIGN_OR_RETURN(lhs, expr) \
  SB_ASSIGN_OR_RETURN_IMPL(SB_CONCAT(sb_result_tmp_, __LINE__), lhs, expr, co_return )

#define SB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr, ret) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) ret std::move(tmp).status();         \
  lhs = std::move(tmp).value()
