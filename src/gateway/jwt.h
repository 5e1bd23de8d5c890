// Bearer-token authentication: compact JWS tokens signed with EdDSA over Ed25519
// (RFC 7515, RFC 7519, RFC 8037). Only `alg: EdDSA` is accepted; keys are the
// configured identity providers' public keys, selected by issuer and `kid`.
// Every failure is kUnauthenticated with a precise reason (safe to log: it never
// contains the token or claim values other than the issuer and key id).
#ifndef DOMICILE_GATEWAY_JWT_H_
#define DOMICILE_GATEWAY_JWT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace domicile::gateway {

// One trusted token issuer and its signing keys (kid -> raw 32-byte Ed25519 key).
struct IdentityProvider {
  std::string issuer;
  std::map<std::string, std::string> keys;
};

struct JwtVerifierOptions {
  std::vector<IdentityProvider> providers;
  std::string audience;            // the `aud` this gateway accepts (required)
  int64_t leeway_seconds = 30;     // clock skew allowed on exp and nbf
  size_t max_token_bytes = 8192;   // longer tokens are rejected before decoding
  int64_t max_lifetime_seconds = 24 * 3600;  // exp - iat (or exp - now) larger than this is refused
};

// What a verified token says.
struct VerifiedToken {
  std::string issuer;
  std::string subject;
  std::string key_id;
  int64_t expires_at = 0;  // Unix seconds
  int64_t issued_at = 0;   // 0 when absent
  int64_t not_before = 0;  // 0 when absent
};

// Immutable after Create(); Verify() is safe to call concurrently.
class JwtVerifier {
 public:
  // Checks the options (non-empty audience, 32-byte keys, distinct issuers).
  static Result<JwtVerifier> Create(JwtVerifierOptions options, Clock* clock);

  // Verifies a compact JWS. The signature is checked before any claim is trusted.
  Result<VerifiedToken> Verify(std::string_view token) const;

  // The time rules of Verify (exp, nbf and iat with the leeway, maximum lifetime)
  // against the clock now: for a token verified earlier (see TokenCache).
  Status CheckTimes(const VerifiedToken& token) const;
  int64_t NowUnixSeconds() const { return clock_->NowUnixMicros() / 1'000'000; }

  // Extracts the token from an `Authorization: Bearer <token>` header value.
  static Result<std::string_view> FromAuthorizationHeader(std::string_view header);

 private:
  JwtVerifier(JwtVerifierOptions options, Clock* clock) : options_(std::move(options)), clock_(clock) {}
  JwtVerifierOptions options_;
  Clock* clock_;
};

struct JwtIssueOptions {
  std::string seed;  // 32-byte Ed25519 private key seed
  std::string key_id;
  std::string issuer;
  std::string subject;
  std::vector<std::string> audience;  // one entry is encoded as a string
  int64_t issued_at = 0;               // Unix seconds
  int64_t ttl_seconds = 3600;
  int64_t not_before = 0;              // 0: no nbf claim
};

// Signs a token (used by `domicile token issue` and tests).
Result<std::string> IssueJwt(const JwtIssueOptions& options);

// Ed25519 keys as JWK (RFC 8037 OKP). A private JWK carries "d" (the seed).
struct Ed25519Jwk {
  std::string key_id;
  std::string public_key;  // raw 32 bytes
  std::string seed;        // raw 32 bytes, empty for a public JWK
};
Result<Ed25519Jwk> ParseEd25519Jwk(std::string_view json);
// {"kty":"OKP","crv":"Ed25519","kid":…,"x":…[,"d":…]}
std::string FormatEd25519Jwk(const Ed25519Jwk& jwk, bool include_private);

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_JWT_H_
