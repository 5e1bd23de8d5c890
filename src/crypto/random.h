// Cryptographically secure random bytes (OpenSSL's DRBG, seeded by the OS).
#ifndef DOMICILE_CRYPTO_RANDOM_H_
#define DOMICILE_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

#include "common/status.h"

namespace domicile::crypto {

Result<std::string> RandomBytes(size_t n);
// Fills `out[0, n)` (for callers that must not allocate, e.g. a nonce in place).
Status RandomFill(unsigned char* out, size_t n);

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_RANDOM_H_
