// AES-256-GCM authenticated encryption (OpenSSL 3). Every sealed blob carries its
// own fresh random 96-bit nonce: sealed = nonce(12) || ciphertext || tag(16).
// Used for field values (under a subject's DEK), wrapped keys and the keyring file.
#ifndef DOMICILE_CRYPTO_AEAD_H_
#define DOMICILE_CRYPTO_AEAD_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/status.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

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

// A key used for many operations (a subject's data key while cached, a keyring's
// bucket wrapping key): the AES key schedule and GCM tables are computed once, in
// an OpenSSL context keyed at construction; each operation then sets only its
// nonce, which roughly halves the cost of sealing or opening a short value. Same
// formats and errors as AeadSeal/AeadOpen, interchangeable with them.
//
// The raw key bytes are not kept. The expanded key lives in the OpenSSL context,
// which OpenSSL wipes when it is freed (destructor) or re-keyed (Rekey).
// Thread-safety: Seal and Open may be called concurrently; they take turns on the
// one context (a per-key mutex: contention only between users of the same key).
class AeadKey {
 public:
  // InvalidArgument if `key` is not 32 bytes; Internal if OpenSSL fails.
  static Result<std::unique_ptr<AeadKey>> Create(std::string_view key);
  ~AeadKey();
  AeadKey(const AeadKey&) = delete;
  AeadKey& operator=(const AeadKey&) = delete;

  // Replaces the key in place (the caller owns the object exclusively).
  Status Rekey(std::string_view key);

  Result<std::string> Seal(std::string_view plaintext, std::string_view aad, std::string_view prefix = {}) const;
  Result<std::string> Open(std::string_view sealed, std::string_view aad) const;

 private:
  explicit AeadKey(EVP_CIPHER_CTX* ctx) : ctx_(ctx) {}
  mutable std::mutex mu_;
  EVP_CIPHER_CTX* const ctx_;  // owned; keyed; guarded by mu_ while in use
};

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_AEAD_H_
