// Cryptographically secure random bytes (OpenSSL's DRBG, seeded by the OS).
#ifndef DOMICILE_CRYPTO_RANDOM_H_
#define DOMICILE_CRYPTO_RANDOM_H_

#include <string>

#include "common/status.h"

namespace domicile::crypto {

Result<std::string> RandomBytes(size_t n);

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_RANDOM_H_
