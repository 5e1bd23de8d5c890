// Sealing a message to a recipient's X25519 public key, so that only the holder of
// the matching private key opens it (the enclave's projections to a global site,
// docs/sites.md). The construction is HPKE base mode in spirit (RFC 9180: an
// ephemeral X25519 key agreement, HKDF-SHA-256, AES-256-GCM), written out here:
//
//   enc    = ephemeral public key (32 bytes), fresh per message
//   shared = X25519(ephemeral private, recipient public)   (all-zero refused)
//   key    = HKDF-SHA-256(salt = enc || recipient public, ikm = shared,
//                         info = "domicile-x25519-seal-v1" || 0x00 || info), 32 bytes
//   sealed = enc || AeadSeal(key, plaintext, aad = info)   (crypto/aead.h layout)
//
// A fresh ephemeral key per message means a fresh AEAD key per message. The sender
// is not authenticated by this (sign the sealed bytes for that).
#ifndef DOMICILE_CRYPTO_X25519_SEAL_H_
#define DOMICILE_CRYPTO_X25519_SEAL_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace domicile::crypto {

inline constexpr size_t kX25519KeySize = 32;
inline constexpr size_t kX25519SealOverhead = kX25519KeySize + 12 + 16;  // enc + AEAD nonce and tag

struct X25519KeyPair {
  std::string private_key;  // 32 raw bytes: secret
  std::string public_key;   // 32 raw bytes
};

Result<X25519KeyPair> X25519Generate();
// The pair of a 32-byte private key (InvalidArgument for another size).
Result<X25519KeyPair> X25519FromPrivate(std::string_view private_key);

// Seals `plaintext` to `recipient_public` (32 bytes; InvalidArgument otherwise or for
// a key that yields no shared secret), binding `info` (a context label: the same
// `info` must be given to open it).
Result<std::string> X25519Seal(std::string_view recipient_public, std::string_view plaintext, std::string_view info);

// Inverse of X25519Seal with the recipient's private key. DataLoss when the message
// is too short, was sealed to another key or under another `info`, or was altered;
// nothing is returned then.
Result<std::string> X25519Open(std::string_view recipient_private, std::string_view sealed, std::string_view info);

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_X25519_SEAL_H_
