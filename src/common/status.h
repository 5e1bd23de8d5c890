// Status and Result<T>: how every Domicile function reports failure. No exceptions
// cross a module boundary; a throwing library's exception is converted where it is
// called. Codes are precise so callers (the gateway above all) can map them to the
// right outcome: unauthenticated != permission denied != invalid argument.
#ifndef DOMICILE_COMMON_STATUS_H_
#define DOMICILE_COMMON_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace domicile {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed or out of range
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // a create found it already there
  kPermissionDenied,    // authenticated, but policy says no
  kUnauthenticated,     // no valid credential
  kFailedPrecondition,  // the system is not in a state to do this (e.g. vault sealed)
  kOutOfRange,          // an index or size past the end
  kResourceExhausted,   // a limit was hit (rate, size, quota)
  kDataLoss,            // stored data is corrupt or was tampered with
  kUnavailable,         // a dependency is down; retrying may help
  kAborted,             // a concurrent change got in the way
  kUnimplemented,
  kInternal,            // a broken invariant: a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message"; OK stays OK.
  Status Annotate(std::string_view context) const;

  // Makes a deliberately ignored error visible at the call site.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status FailedPreconditionError(std::string message);
Status OutOfRangeError(std::string message);
Status ResourceExhaustedError(std::string message);
Status DataLossError(std::string message);
Status UnavailableError(std::string message);
Status AbortedError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : v_(value) {}             // NOLINT(google-explicit-constructor)
  Result(T&& value) : v_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {   // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK status");
    if (std::get<Status>(v_).ok()) v_ = InternalError("Result built from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  // Precondition: ok().
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T& value() & { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace domicile

#define DOMICILE_CONCAT_INNER_(a, b) a##b
#define DOMICILE_CONCAT_(a, b) DOMICILE_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::domicile::Status _domicile_st = (expr);          \
    if (!_domicile_st.ok()) return _domicile_st;       \
  } while (0)

// ASSIGN_OR_RETURN(auto x, MakeX()); declares/assigns x or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(DOMICILE_CONCAT_(_domicile_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(res, lhs, expr) \
  auto res = (expr);                           \
  if (!res.ok()) return res.status();          \
  lhs = std::move(res).value()

#endif  // DOMICILE_COMMON_STATUS_H_
