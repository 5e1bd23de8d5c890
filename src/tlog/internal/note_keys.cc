#include "tlog/internal/note_keys.h"

#include <cstdio>

#include "common/encoding.h"

namespace domicile::tlog::internal {
namespace {

// Splits "name+hash+base64(type || 32 bytes)" and checks name, hash and type.
Result<ParsedKey> SplitKey(std::string_view text, uint8_t type, std::string_view what) {
  auto bad = [&](std::string_view why) { return InvalidArgumentError(std::string(what) + ": " + std::string(why)); };
  size_t p1 = text.find('+');
  size_t p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return bad("want name+hash+key");  // the base64 key itself may contain '+'
  ParsedKey key;
  key.name = std::string(text.substr(0, p1));
  if (!IsValidKeyName(key.name)) return bad("bad key name");
  std::string_view hash = text.substr(p1 + 1, p2 - p1 - 1);
  if (hash.size() != 8 || hash.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return bad("key hash must be 8 lowercase hex digits");
  }
  key.id = uint32_t(std::stoul(std::string(hash), nullptr, 16));
  auto raw = Base64Decode(text.substr(p2 + 1));
  if (!raw.ok()) return bad("key is not base64");
  if (raw->size() != 33 || uint8_t((*raw)[0]) != type) {
    char want[64];
    std::snprintf(want, sizeof(want), "not an Ed25519 key (want type 0x%02x and 32 bytes)", type);
    return bad(want);
  }
  key.material = raw->substr(1);
  return key;
}

}  // namespace

Result<ParsedKey> ParseVerifierKey(std::string_view text, uint8_t type, std::string_view what) {
  ASSIGN_OR_RETURN(ParsedKey key, SplitKey(text, type, what));
  key.public_key = key.material;
  if (KeyId(key.name, type, key.public_key) != key.id) {
    return InvalidArgumentError(std::string(what) + ": key hash does not match the key");
  }
  return key;
}

Result<ParsedKey> ParsePrivateKey(std::string_view text, uint8_t type, std::string_view what) {
  if (text.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) {
    return InvalidArgumentError(std::string(what) + ": must start with PRIVATE+KEY+");
  }
  ASSIGN_OR_RETURN(ParsedKey key, SplitKey(text.substr(kPrivatePrefix.size()), type, what));
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519FromSeed(key.material));
  key.public_key = std::move(kp.public_key);
  if (KeyId(key.name, type, key.public_key) != key.id) {
    return InvalidArgumentError(std::string(what) + ": key hash does not match the key");
  }
  return key;
}

NoteKeyPair FormatKeyPair(std::string_view name, uint8_t type, const crypto::Ed25519KeyPair& kp) {
  const std::string type_byte(1, char(type));
  const std::string prefix = std::string(name) + "+" + KeyIdHex(KeyId(name, type, kp.public_key)) + "+";
  return NoteKeyPair{std::string(kPrivatePrefix) + prefix + Base64Encode(type_byte + kp.seed),
                     prefix + Base64Encode(type_byte + kp.public_key)};
}

std::string KeyIdHex(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", id);
  return buf;
}

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = char(v >> (24 - 8 * i));
  return s;
}

uint32_t ReadBe32(std::string_view b) {
  return (uint32_t(uint8_t(b[0])) << 24) | (uint32_t(uint8_t(b[1])) << 16) | (uint32_t(uint8_t(b[2])) << 8) |
         uint32_t(uint8_t(b[3]));
}

}  // namespace domicile::tlog::internal
