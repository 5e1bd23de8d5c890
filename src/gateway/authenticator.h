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
#include "gateway/token_cache.h"

namespace domicile::gateway {

inline constexpr size_t kDefaultTokenCacheEntries = 4096;

// Safe for concurrent use (the token cache is the only mutable state).
class Authenticator {
 public:
  // Verified tokens are cached (TokenCache) up to `token_cache_entries`; 0 disables it.
  Authenticator(JwtVerifier verifier, std::shared_ptr<const Directory> directory,
                size_t token_cache_entries = kDefaultTokenCacheEntries)
      : verifier_(std::move(verifier)),
        directory_(std::move(directory)),
        token_cache_(std::make_unique<TokenCache>(token_cache_entries)) {}

  // `authorization` is the Authorization header ("" if absent); `client_cert_cn` the
  // verified client certificate's common name, if any. Rules:
  //  - a bearer token, when present, must verify (a certificate does not rescue a bad token);
  //  - with both, the token's subject and the certificate's CN must name the same principal;
  //  - with only a certificate, its CN is the principal id (authenticated_by "mtls");
  //  - the principal must be in the directory.
  // Every failure is kUnauthenticated. A token seen before is taken from the cache
  // (same bytes, before its exp) with its time claims checked again.
  Result<Principal> Authenticate(std::string_view authorization,
                                 const std::optional<std::string>& client_cert_cn) const;

  TokenCache::Stats token_cache_stats() const { return token_cache_->stats(); }

 private:
  // The token's claims: from the cache, or verified in full and then cached.
  Result<VerifiedToken> Verify(std::string_view token) const;

  JwtVerifier verifier_;
  std::shared_ptr<const Directory> directory_;
  std::unique_ptr<TokenCache> token_cache_;
};

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_AUTHENTICATOR_H_
