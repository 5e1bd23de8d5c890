// HMAC-SHA-256 (RFC 2104) and a constant-time comparison. Used for blind-index
// tokens and for deriving purpose-bound subkeys from a secret.
#ifndef DOMICILE_CRYPTO_HMAC_H_
#define DOMICILE_CRYPTO_HMAC_H_

#include <string>
#include <string_view>

namespace domicile::crypto {

inline constexpr size_t kHmacSha256Size = 32;

// The 32-byte tag of `data` under `key` (any key length).
std::string HmacSha256(std::string_view key, std::string_view data);

// True when a and b are equal; the time taken depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_HMAC_H_
