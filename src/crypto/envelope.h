// Envelope encryption of field values: each value is sealed with AES-256-GCM under
// its subject's data key (DEK); the associated data binds subject id, collection,
// field and version, so a sealed value moved to another subject, field or version
// fails to open. The DEK itself is wrapped by the Keyring (crypto/keyring.h) under
// the home jurisdiction's KEK with DataKeyBinding() as associated data.
//
// Sealed value, format 1 (docs/vault.md):
//   0x01 | nonce(12) | ciphertext | tag(16)
// AAD = "domicile-value-v1" 0x00 | u32 len | subject | u32 len | collection
//       | u32 len | field | u64 version | 0x01        (integers big-endian)
#ifndef DOMICILE_CRYPTO_ENVELOPE_H_
#define DOMICILE_CRYPTO_ENVELOPE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace domicile::crypto {

inline constexpr uint8_t kSealedValueFormat = 1;
inline constexpr size_t kDataKeySize = 32;
// Largest plaintext a sealed value may carry (the vault's limit is lower or equal).
inline constexpr size_t kMaxSealedPlaintext = 1 << 20;

struct ValueBinding {
  std::string_view subject;
  std::string_view collection;
  std::string_view field;
  uint64_t version = 0;
};

// A fresh random DEK.
Result<std::string> NewDataKey();

// The associated data a subject's wrapped DEK is bound to.
std::string DataKeyBinding(std::string_view subject, std::string_view home);

Result<std::string> SealValue(std::string_view dek, const ValueBinding& binding, std::string_view plaintext);

// DataLoss if `sealed` is malformed, tampered with, sealed under another key or
// bound to another subject/collection/field/version.
Result<std::string> OpenValue(std::string_view dek, const ValueBinding& binding, std::string_view sealed);

// The structural parse OpenValue does first: checks format byte and sizes.
struct SealedValueView {
  uint8_t format = 0;
  std::string_view aead;  // nonce | ciphertext | tag
  size_t plaintext_size = 0;
};
Result<SealedValueView> ParseSealedValue(std::string_view sealed);

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_ENVELOPE_H_
