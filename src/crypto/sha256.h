// SHA-256 on OpenSSL 3 (uses the CPU's SHA extensions where present).
#ifndef DOMICILE_CRYPTO_SHA256_H_
#define DOMICILE_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace domicile::crypto {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(std::string_view data);
// The digest as a 32-byte string.
std::string Sha256String(std::string_view data);

// Incremental hashing. Not thread-safe; reusable after Final() via Reset().
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Reset();
  void Update(std::string_view data);
  void Update(const uint8_t* data, size_t size);
  Digest Final();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_SHA256_H_
