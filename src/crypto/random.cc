#include "crypto/random.h"

#include <openssl/rand.h>

namespace domicile::crypto {

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(n)) != 1) {
    return UnavailableError("random: the secure random source failed");
  }
  return out;
}

}  // namespace domicile::crypto
