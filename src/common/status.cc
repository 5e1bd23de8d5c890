#include "common/status.h"

namespace domicile {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::kUnauthenticated: return "UNAUTHENTICATED";
    case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::kOutOfRange: return "OUT_OF_RANGE";
    case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusCode::kDataLoss: return "DATA_LOSS";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kAborted: return "ABORTED";
    case StatusCode::kUnimplemented: return "UNIMPLEMENTED";
    case StatusCode::kInternal: return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::Annotate(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg));
}

#define DOMICILE_DEFINE_ERROR_(Name, Code) \
  Status Name(std::string message) { return Status(StatusCode::Code, std::move(message)); }
DOMICILE_DEFINE_ERROR_(InvalidArgumentError, kInvalidArgument)
DOMICILE_DEFINE_ERROR_(NotFoundError, kNotFound)
DOMICILE_DEFINE_ERROR_(AlreadyExistsError, kAlreadyExists)
DOMICILE_DEFINE_ERROR_(PermissionDeniedError, kPermissionDenied)
DOMICILE_DEFINE_ERROR_(UnauthenticatedError, kUnauthenticated)
DOMICILE_DEFINE_ERROR_(FailedPreconditionError, kFailedPrecondition)
DOMICILE_DEFINE_ERROR_(OutOfRangeError, kOutOfRange)
DOMICILE_DEFINE_ERROR_(ResourceExhaustedError, kResourceExhausted)
DOMICILE_DEFINE_ERROR_(DataLossError, kDataLoss)
DOMICILE_DEFINE_ERROR_(UnavailableError, kUnavailable)
DOMICILE_DEFINE_ERROR_(AbortedError, kAborted)
DOMICILE_DEFINE_ERROR_(UnimplementedError, kUnimplemented)
DOMICILE_DEFINE_ERROR_(InternalError, kInternal)
#undef DOMICILE_DEFINE_ERROR_

}  // namespace domicile
