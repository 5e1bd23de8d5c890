#include "crypto/random.h"

#include <openssl/rand.h>

namespace domicile::crypto {

Status RandomFill(unsigned char* out, size_t n) {
  if (n > 0 && RAND_bytes(out, int(n)) != 1) return UnavailableError("random: the secure random source failed");
  return Status::Ok();
}

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  RETURN_IF_ERROR(RandomFill(reinterpret_cast<unsigned char*>(out.data()), n));
  return out;
}

}  // namespace domicile::crypto
