// Who is asking: turns a request's credentials (a bearer JWT and/or a TLS client
// certificate already verified by the transport) into a Principal from the
// directory. Transport-independent; the server passes the raw header and the
// certificate's common name.
#ifndef DOMICILE_GATEWAY_AUTHENTICATOR_H_
#define DOMICILE_GATEWAY_AUTHENTICATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "gateway/directory.h"
#include "gateway/jwt.h"

namespace domicile::gateway {

// Immutable; safe for concurrent use.
class Authenticator {
 public:
  Authenticator(JwtVerifier verifier, std::shared_ptr<const Directory> directory)
      : verifier_(std::move(verifier)), directory_(std::move(directory)) {}

  // `authorization` is the Authorization header ("" if absent); `client_cert_cn` the
  // verified client certificate's common name, if any. Rules:
  //  - a bearer token, when present, must verify (a certificate does not rescue a bad token);
  //  - with both, the token's subject and the certificate's CN must name the same principal;
  //  - with only a certificate, its CN is the principal id (authenticated_by "mtls");
  //  - the principal must be in the directory.
  // Every failure is kUnauthenticated.
  Result<Principal> Authenticate(std::string_view authorization,
                                 const std::optional<std::string>& client_cert_cn) const;

 private:
  JwtVerifier verifier_;
  std::shared_ptr<const Directory> directory_;
};

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_AUTHENTICATOR_H_
