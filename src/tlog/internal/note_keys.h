// Text forms of Ed25519 keys in the C2SP/Go note format, shared by note keys
// (signature type 0x01, note.cc) and cosigner keys (type 0x04, cosignature.cc):
// verifier "name+hash+base64(type || public key)", private
// "PRIVATE+KEY+name+hash+base64(type || seed)"; hash = 8 hex digits of KeyId.
#ifndef DOMICILE_TLOG_INTERNAL_NOTE_KEYS_H_
#define DOMICILE_TLOG_INTERNAL_NOTE_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "tlog/note.h"

namespace domicile::tlog::internal {

inline constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
inline constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";

struct ParsedKey {
  std::string name;
  uint32_t id = 0;
  std::string material;    // 32 bytes: the public key, or the seed of a private key
  std::string public_key;  // 32 bytes (derived from the seed for a private key)
};

// Parses a verifier key of signature type `type` and checks that its hash is the
// key id of (name, type, key). Errors start with `what`.
Result<ParsedKey> ParseVerifierKey(std::string_view text, uint8_t type, std::string_view what);
// Parses a private key of signature type `type`, derives its public key and checks
// the hash the same way. Errors start with `what` and never contain key material.
Result<ParsedKey> ParsePrivateKey(std::string_view text, uint8_t type, std::string_view what);
// Both text forms of `kp` under `name` (not validated: the caller checks the name).
NoteKeyPair FormatKeyPair(std::string_view name, uint8_t type, const crypto::Ed25519KeyPair& kp);

std::string KeyIdHex(uint32_t id);
std::string Be32(uint32_t v);
uint32_t ReadBe32(std::string_view b);  // b.size() >= 4

}  // namespace domicile::tlog::internal

#endif  // DOMICILE_TLOG_INTERNAL_NOTE_KEYS_H_
