// Remembers bearer tokens that verified, so that a keep-alive client does not pay an
// Ed25519 verification (and two JSON parses) on every request. Keyed by the SHA-256
// of the token's exact bytes: a token that differs in any byte (a forged signature,
// an edited claim) misses and is verified in full. Bounded in size; an entry is used
// only before the token's `exp` (never into the verifier's leeway), and the caller
// still checks the time claims against the clock on every hit.
#ifndef DOMICILE_GATEWAY_TOKEN_CACHE_H_
#define DOMICILE_GATEWAY_TOKEN_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "crypto/sha256.h"
#include "gateway/jwt.h"

namespace domicile::gateway {

// Thread-safe.
class TokenCache {
 public:
  // At most `capacity` tokens; 0 disables the cache.
  explicit TokenCache(size_t capacity) : capacity_(capacity) {}

  // The verified claims of `token` if it is cached and `now_unix_seconds` is before
  // its `exp`. An entry found expired is dropped.
  std::optional<VerifiedToken> Find(std::string_view token, int64_t now_unix_seconds);
  // Remembers a token that just verified (a token already past its `exp` is not kept).
  // When full, expired entries go first, then an arbitrary one.
  void Insert(std::string_view token, const VerifiedToken& verified, int64_t now_unix_seconds);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t size = 0;
  };
  Stats stats() const;

 private:
  struct DigestHash {
    size_t operator()(const crypto::Digest& d) const {
      size_t h;
      static_assert(sizeof h <= sizeof d);
      std::memcpy(&h, d.data(), sizeof h);  // a SHA-256 digest is uniform already
      return h;
    }
  };
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<crypto::Digest, VerifiedToken, DigestHash> entries_;  // guarded by mu_
  Stats stats_;                                                            // guarded by mu_
};

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_TOKEN_CACHE_H_
