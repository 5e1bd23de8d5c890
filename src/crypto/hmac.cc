#include "crypto/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace domicile::crypto {

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::string out(kHmacSha256Size, '\0');
  unsigned int len = 0;
  // An empty key is passed as a valid pointer: OpenSSL treats nullptr as "reuse".
  static const unsigned char kEmpty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(EVP_sha256(), k, int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != kHmacSha256Size) {
    std::abort();  // only on allocation failure; no meaningful recovery
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace domicile::crypto
