// AES-256-GCM authenticated encryption (OpenSSL 3). Every sealed blob carries its
// own fresh random 96-bit nonce: sealed = nonce(12) || ciphertext || tag(16).
// Used for field values (under a subject's DEK), wrapped keys and the keyring file.
#ifndef DOMICILE_CRYPTO_AEAD_H_
#define DOMICILE_CRYPTO_AEAD_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace domicile::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kAeadOverhead = kAeadNonceSize + kAeadTagSize;

// Encrypts `plaintext` and authenticates it together with `aad`; returns
// `prefix` (not authenticated; a caller's format byte) followed by the sealed blob.
// InvalidArgument if the key is not 32 bytes.
Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext, std::string_view aad,
                             std::string_view prefix = {});

// Inverse of AeadSeal. DataLoss when the blob is too short or does not
// authenticate under `key` and `aad` (wrong key, tampering, or a different aad:
// GCM cannot tell these apart); nothing is returned in that case.
Result<std::string> AeadOpen(std::string_view key, std::string_view sealed, std::string_view aad);

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_AEAD_H_
