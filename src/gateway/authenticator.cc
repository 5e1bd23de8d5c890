#include "gateway/authenticator.h"

namespace domicile::gateway {

Result<VerifiedToken> Authenticator::Verify(std::string_view token) const {
  const int64_t now = verifier_.NowUnixSeconds();
  if (std::optional<VerifiedToken> cached = token_cache_->Find(token, now)) {
    RETURN_IF_ERROR(verifier_.CheckTimes(*cached));
    return std::move(cached).value();
  }
  ASSIGN_OR_RETURN(VerifiedToken verified, verifier_.Verify(token));
  token_cache_->Insert(token, verified, now);
  return verified;
}

Result<Principal> Authenticator::Authenticate(std::string_view authorization,
                                              const std::optional<std::string>& client_cert_cn) const {
  std::string subject;
  std::string method;
  if (!authorization.empty()) {
    ASSIGN_OR_RETURN(std::string_view token, JwtVerifier::FromAuthorizationHeader(authorization));
    ASSIGN_OR_RETURN(VerifiedToken verified, Verify(token));
    if (client_cert_cn.has_value() && *client_cert_cn != verified.subject) {
      return UnauthenticatedError("token subject and client certificate name different principals");
    }
    subject = std::move(verified.subject);
    method = "jwt:" + verified.issuer;
  } else if (client_cert_cn.has_value() && !client_cert_cn->empty()) {
    subject = *client_cert_cn;
    method = "mtls";
  } else {
    return UnauthenticatedError("no credential: send a bearer token or a client certificate");
  }
  auto principal = directory_->Find(subject);
  if (!principal.ok()) return UnauthenticatedError("authenticated subject is not in the directory");
  principal->authenticated_by = std::move(method);
  return principal;
}

}  // namespace domicile::gateway
