#include "gateway/jwt.h"

#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"
#include "crypto/ed25519.h"

namespace domicile::gateway {
namespace {

using nlohmann::json;

// Parses a JSON object without exceptions; anything else is an error.
Result<json> ParseObject(std::string_view text, std::string_view what) {
  json value = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return UnauthenticatedError(std::string(what) + " is not a JSON object");
  }
  return value;
}

Result<std::string> DecodePart(std::string_view part, std::string_view what) {
  auto decoded = Base64UrlDecode(part);
  if (!decoded.ok()) return UnauthenticatedError(std::string(what) + " is not valid base64url");
  return std::move(decoded).value();
}

// NumericDate (RFC 7519 §2): a JSON number of seconds; fractions are truncated.
Result<int64_t> NumericDate(const json& claims, const char* name, bool required, int64_t fallback) {
  auto it = claims.find(name);
  if (it == claims.end()) {
    if (required) return UnauthenticatedError(std::string("token has no '") + name + "' claim");
    return fallback;
  }
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{1} << 53) {
      return UnauthenticatedError(std::string("'") + name + "' claim out of range");
    }
    const int64_t v = it->get<int64_t>();
    if (v < 0 || v > int64_t{1} << 53) return UnauthenticatedError(std::string("'") + name + "' claim out of range");
    return v;
  }
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (!std::isfinite(v) || v < 0 || v > 9.0e15) {
      return UnauthenticatedError(std::string("'") + name + "' claim out of range");
    }
    return static_cast<int64_t>(v);
  }
  return UnauthenticatedError(std::string("'") + name + "' claim is not a number");
}

std::string_view NonEmptyString(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

}  // namespace

Result<JwtVerifier> JwtVerifier::Create(JwtVerifierOptions options, Clock* clock) {
  if (clock == nullptr) return InvalidArgumentError("JWT verifier needs a clock");
  if (options.audience.empty()) return InvalidArgumentError("JWT verifier needs an audience");
  if (options.leeway_seconds < 0 || options.leeway_seconds > 600) {
    return InvalidArgumentError("JWT leeway must be within 0..600 seconds");
  }
  std::set<std::string> issuers;
  for (const IdentityProvider& p : options.providers) {
    if (p.issuer.empty()) return InvalidArgumentError("identity provider without issuer");
    if (!issuers.insert(p.issuer).second) return InvalidArgumentError("issuer '" + p.issuer + "' configured twice");
    if (p.keys.empty()) return InvalidArgumentError("identity provider '" + p.issuer + "' has no keys");
    for (const auto& [kid, key] : p.keys) {
      if (key.size() != crypto::kEd25519PublicKeySize) {
        return InvalidArgumentError("key '" + kid + "' of '" + p.issuer + "' is not a 32-byte Ed25519 key");
      }
    }
  }
  return JwtVerifier(std::move(options), clock);
}

Result<std::string_view> JwtVerifier::FromAuthorizationHeader(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return UnauthenticatedError("no bearer token");
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) {
      return UnauthenticatedError("authorization scheme is not Bearer");
    }
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return UnauthenticatedError("no bearer token");
  return token;
}

Result<VerifiedToken> JwtVerifier::Verify(std::string_view token) const {
  if (token.empty()) return UnauthenticatedError("empty token");
  if (token.size() > options_.max_token_bytes) return UnauthenticatedError("token too large");
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return UnauthenticatedError("token is not a compact JWS (want three dot-separated parts)");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  ASSIGN_OR_RETURN(std::string header_text, DecodePart(header_b64, "token header"));
  ASSIGN_OR_RETURN(json header, ParseObject(header_text, "token header"));
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return UnauthenticatedError("token header has no 'alg'");
  if (*alg != "EdDSA") {
    return UnauthenticatedError("token algorithm '" + alg->get<std::string>().substr(0, 16) +
                                "' not accepted (only EdDSA)");
  }
  if (header.contains("crit")) return UnauthenticatedError("token header has unsupported 'crit' extensions");
  if (auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string() || (*typ != "JWT" && *typ != "at+jwt")) {
      return UnauthenticatedError("token type is not JWT");
    }
  }
  const std::string_view kid = NonEmptyString(header, "kid");
  if (kid.empty()) return UnauthenticatedError("token header has no 'kid'");

  ASSIGN_OR_RETURN(std::string payload_text, DecodePart(payload_b64, "token payload"));
  ASSIGN_OR_RETURN(std::string signature, DecodePart(signature_b64, "token signature"));
  ASSIGN_OR_RETURN(json claims, ParseObject(payload_text, "token payload"));

  // The issuer and kid only select a key; nothing else is read before the signature holds.
  const std::string_view iss = NonEmptyString(claims, "iss");
  if (iss.empty()) return UnauthenticatedError("token has no 'iss' claim");
  const IdentityProvider* provider = nullptr;
  for (const IdentityProvider& p : options_.providers) {
    if (p.issuer == iss) provider = &p;
  }
  if (provider == nullptr) return UnauthenticatedError("token issuer is not trusted");
  auto key = provider->keys.find(std::string(kid));
  if (key == provider->keys.end()) {
    return UnauthenticatedError("unknown key id '" + std::string(kid.substr(0, 64)) + "' for issuer '" +
                                provider->issuer + "'");
  }
  if (signature.size() != crypto::kEd25519SignatureSize ||
      !crypto::Ed25519Verify(key->second, token.substr(0, dot2), signature)) {
    return UnauthenticatedError("token signature is invalid");
  }

  VerifiedToken out;
  out.issuer = provider->issuer;
  out.key_id = key->first;
  const std::string_view sub = NonEmptyString(claims, "sub");
  if (sub.empty() || sub.size() > 256) return UnauthenticatedError("token has no valid 'sub' claim");
  out.subject = std::string(sub);

  auto aud = claims.find("aud");
  if (aud == claims.end()) return UnauthenticatedError("token has no 'aud' claim");
  bool audience_ok = false;
  if (aud->is_string()) {
    audience_ok = *aud == options_.audience;
  } else if (aud->is_array()) {
    for (const json& a : *aud) {
      if (!a.is_string()) return UnauthenticatedError("token 'aud' holds a non-string");
      audience_ok = audience_ok || a == options_.audience;
    }
  } else {
    return UnauthenticatedError("token 'aud' is neither a string nor an array");
  }
  if (!audience_ok) return UnauthenticatedError("token audience does not include this gateway");

  ASSIGN_OR_RETURN(out.expires_at, NumericDate(claims, "exp", /*required=*/true, 0));
  ASSIGN_OR_RETURN(out.not_before, NumericDate(claims, "nbf", /*required=*/false, 0));
  ASSIGN_OR_RETURN(out.issued_at, NumericDate(claims, "iat", /*required=*/false, 0));
  RETURN_IF_ERROR(CheckTimes(out));
  return out;
}

Status JwtVerifier::CheckTimes(const VerifiedToken& token) const {
  const int64_t now = NowUnixSeconds();
  const int64_t leeway = options_.leeway_seconds;
  if (now >= token.expires_at + leeway) return UnauthenticatedError("token expired");
  if (token.not_before > now + leeway) return UnauthenticatedError("token not yet valid (nbf)");
  if (token.issued_at > now + leeway) return UnauthenticatedError("token issued in the future (iat)");
  const int64_t start = token.issued_at != 0 ? token.issued_at : now;
  if (token.expires_at - start > options_.max_lifetime_seconds) {
    return UnauthenticatedError("token lifetime exceeds the configured maximum");
  }
  return Status::Ok();
}

Result<std::string> IssueJwt(const JwtIssueOptions& o) {
  if (o.key_id.empty() || o.issuer.empty() || o.subject.empty() || o.audience.empty()) {
    return InvalidArgumentError("a token needs kid, iss, sub and aud");
  }
  if (o.ttl_seconds <= 0) return InvalidArgumentError("token ttl must be positive");
  json header = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", o.key_id}};
  json claims = {{"iss", o.issuer}, {"sub", o.subject}, {"iat", o.issued_at},
                 {"exp", o.issued_at + o.ttl_seconds}};
  claims["aud"] = o.audience.size() == 1 ? json(o.audience[0]) : json(o.audience);
  if (o.not_before != 0) claims["nbf"] = o.not_before;
  const std::string signing_input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  ASSIGN_OR_RETURN(std::string signature, crypto::Ed25519Sign(o.seed, signing_input));
  return signing_input + "." + Base64UrlEncode(signature);
}

Result<Ed25519Jwk> ParseEd25519Jwk(std::string_view text) {
  json jwk = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (jwk.is_discarded() || !jwk.is_object()) return InvalidArgumentError("JWK is not a JSON object");
  if (NonEmptyString(jwk, "kty") != "OKP" || NonEmptyString(jwk, "crv") != "Ed25519") {
    return InvalidArgumentError("JWK is not an Ed25519 OKP key (want kty OKP, crv Ed25519)");
  }
  Ed25519Jwk out;
  out.key_id = std::string(NonEmptyString(jwk, "kid"));
  if (out.key_id.empty()) return InvalidArgumentError("JWK has no kid");
  auto x = Base64UrlDecode(NonEmptyString(jwk, "x"));
  if (!x.ok() || x->size() != crypto::kEd25519PublicKeySize) return InvalidArgumentError("JWK 'x' is not a 32-byte key");
  out.public_key = *x;
  if (jwk.contains("d")) {
    auto d = Base64UrlDecode(NonEmptyString(jwk, "d"));
    if (!d.ok() || d->size() != crypto::kEd25519SeedSize) return InvalidArgumentError("JWK 'd' is not a 32-byte seed");
    ASSIGN_OR_RETURN(auto pair, crypto::Ed25519FromSeed(*d));
    if (pair.public_key != out.public_key) return InvalidArgumentError("JWK 'd' does not match 'x'");
    out.seed = *d;
  }
  return out;
}

std::string FormatEd25519Jwk(const Ed25519Jwk& jwk, bool include_private) {
  json out = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"kid", jwk.key_id}, {"x", Base64UrlEncode(jwk.public_key)}};
  if (include_private) out["d"] = Base64UrlEncode(jwk.seed);
  return out.dump();
}

}  // namespace domicile::gateway
