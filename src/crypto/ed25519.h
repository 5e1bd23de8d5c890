// Ed25519 (RFC 8032) signatures on OpenSSL 3. Keys are raw 32-byte strings: the
// private key is the seed, the public key the encoded point.
#ifndef DOMICILE_CRYPTO_ED25519_H_
#define DOMICILE_CRYPTO_ED25519_H_

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace domicile::crypto {

inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

struct Ed25519KeyPair {
  std::string seed;        // 32 bytes, secret
  std::string public_key;  // 32 bytes
};

// A fresh key pair from the system's secure random source.
Result<Ed25519KeyPair> Ed25519Generate();
// The key pair determined by a 32-byte seed.
Result<Ed25519KeyPair> Ed25519FromSeed(std::string_view seed);
// Signs `message` with the key whose seed is given; the signature is 64 bytes.
Result<std::string> Ed25519Sign(std::string_view seed, std::string_view message);
// A private key loaded once for repeated signing (a log's checkpoint key, a
// witness's cosigning key): loading derives the public key, which costs about as
// much as a signature. Thread-safe; copies share the loaded key.
class Ed25519PrivateKey {
 public:
  // InvalidArgument unless `seed` is 32 bytes.
  static Result<Ed25519PrivateKey> FromSeed(std::string_view seed);
  // The 64-byte signature of `message`.
  Result<std::string> Sign(std::string_view message) const;

 private:
  struct Key;
  explicit Ed25519PrivateKey(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const Key> key_;
};

// True only for a valid signature by `public_key` over `message`; malformed keys or
// signatures are simply invalid.
bool Ed25519Verify(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_ED25519_H_
