#include "tlog/cosignature.h"

#include <cstdio>
#include <set>

#include "common/encoding.h"
#include "crypto/ed25519.h"

namespace domicile::tlog {
namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";
constexpr uint64_t kMaxTimestamp = (uint64_t(1) << 63) - 1;

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = char(v >> (24 - 8 * i));
  return s;
}

std::string Be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = char(v >> (56 - 8 * i));
  return s;
}

uint64_t ReadBe64(std::string_view b) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | uint8_t(b[i]);
  return v;
}

std::string KeyIdHex(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", id);
  return buf;
}

struct CosignerKey {
  std::string name;
  uint32_t id = 0;
  std::string material;  // 32 bytes: public key or seed
};

// "name+hash+base64(0x04 || 32 bytes)".
Result<CosignerKey> ParseCosignerKey(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) { return InvalidArgumentError(std::string(what) + ": " + std::string(why)); };
  size_t p1 = text.find('+');
  size_t p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return bad("want name+hash+key");
  CosignerKey key;
  key.name = std::string(text.substr(0, p1));
  if (!IsValidKeyName(key.name)) return bad("bad key name");
  std::string_view hash = text.substr(p1 + 1, p2 - p1 - 1);
  if (hash.size() != 8 || hash.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return bad("key hash must be 8 lowercase hex digits");
  }
  key.id = uint32_t(std::stoul(std::string(hash), nullptr, 16));
  auto raw = Base64Decode(text.substr(p2 + 1));
  if (!raw.ok()) return bad("key is not base64");
  if (raw->size() != 33 || uint8_t((*raw)[0]) != kSigTypeCosignatureV1) {
    return bad("not an Ed25519 cosigner key (want type 0x04 and 32 bytes)");
  }
  key.material = raw->substr(1);
  return key;
}

NoteKeyPair FormatCosignerKeys(std::string_view name, const crypto::Ed25519KeyPair& kp) {
  uint32_t id = KeyId(name, kSigTypeCosignatureV1, kp.public_key);
  std::string type(1, char(kSigTypeCosignatureV1));
  std::string prefix = std::string(name) + "+" + KeyIdHex(id) + "+";
  return NoteKeyPair{std::string(kPrivatePrefix) + prefix + Base64Encode(type + kp.seed),
                     prefix + Base64Encode(type + kp.public_key)};
}

}  // namespace

std::string CosignatureMessage(std::string_view checkpoint_text, uint64_t timestamp) {
  std::string msg = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
  msg.append(checkpoint_text);
  return msg;
}

bool CosignatureVerifier::Verify(std::string_view text, std::string_view signature) const {
  if (signature.size() != kCosignatureSize) return false;
  uint64_t timestamp = ReadBe64(signature);
  if (timestamp == 0 || timestamp > kMaxTimestamp) return false;
  return crypto::Ed25519Verify(public_key_, CosignatureMessage(text, timestamp), signature.substr(8));
}

Result<std::string> CosignatureSigner::Cosign(std::string_view checkpoint_text, uint64_t timestamp) const {
  if (timestamp == 0 || timestamp > kMaxTimestamp) return InvalidArgumentError("cosign: timestamp out of range");
  if (checkpoint_text.empty() || checkpoint_text.back() != '\n') {
    return InvalidArgumentError("cosign: checkpoint text must end in a newline");
  }
  ASSIGN_OR_RETURN(std::string sig, crypto::Ed25519Sign(seed_, CosignatureMessage(checkpoint_text, timestamp)));
  return FormatSignatureLine(name_, id_, Be64(timestamp) + sig);
}

Result<std::unique_ptr<CosignatureVerifier>> NewCosignatureVerifier(std::string_view vkey) {
  ASSIGN_OR_RETURN(CosignerKey key, ParseCosignerKey(vkey, "cosigner verifier key"));
  if (KeyId(key.name, kSigTypeCosignatureV1, key.material) != key.id) {
    return InvalidArgumentError("cosigner verifier key: key hash does not match the key");
  }
  return std::make_unique<CosignatureVerifier>(key.name, key.id, key.material);
}

Result<std::unique_ptr<CosignatureSigner>> NewCosignatureSigner(std::string_view skey) {
  if (skey.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) {
    return InvalidArgumentError("cosigner private key: must start with PRIVATE+KEY+");
  }
  ASSIGN_OR_RETURN(CosignerKey key, ParseCosignerKey(skey.substr(kPrivatePrefix.size()), "cosigner private key"));
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519FromSeed(key.material));
  if (KeyId(key.name, kSigTypeCosignatureV1, kp.public_key) != key.id) {
    return InvalidArgumentError("cosigner private key: key hash does not match the key");
  }
  return std::make_unique<CosignatureSigner>(key.name, key.id, key.material);
}

Result<NoteKeyPair> GenerateCosignerKey(std::string_view name) {
  if (!IsValidKeyName(name)) return InvalidArgumentError("bad key name (empty, or has spaces or '+')");
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519Generate());
  return FormatCosignerKeys(name, kp);
}

Result<std::string> CosignerVerifierKeyFor(std::string_view skey) {
  ASSIGN_OR_RETURN(auto signer, NewCosignatureSigner(skey));  // validates
  ASSIGN_OR_RETURN(CosignerKey key, ParseCosignerKey(skey.substr(kPrivatePrefix.size()), "cosigner private key"));
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519FromSeed(key.material));
  return FormatCosignerKeys(signer->name(), kp).verifier_key;
}

Result<std::vector<VerifiedCosignature>> VerifyCosignatures(const Note& note,
                                                            std::span<const CosignatureVerifier* const> cosigners) {
  std::vector<VerifiedCosignature> out;
  std::set<const CosignatureVerifier*> seen;
  for (const NoteSignature& sig : note.signatures) {
    for (const CosignatureVerifier* v : cosigners) {
      if (v->name() != sig.name || v->key_id() != sig.key_id) continue;
      if (!v->Verify(note.text, sig.signature)) {
        return PermissionDeniedError("cosignature by " + sig.name + "+" + KeyIdHex(sig.key_id) + " does not verify");
      }
      if (seen.insert(v).second) {
        out.push_back(VerifiedCosignature{sig.name, sig.key_id, ReadBe64(sig.signature),
                                          FormatSignatureLine(sig.name, sig.key_id, sig.signature)});
      }
      break;
    }
  }
  return out;
}

std::string FormatSignatureLine(std::string_view name, uint32_t key_id, std::string_view signature) {
  std::string line(kSigPrefix);
  line.append(name);
  line.push_back(' ');
  line.append(Base64Encode(Be32(key_id) + std::string(signature)));
  line.push_back('\n');
  return line;
}

Result<std::string> AddSignatureLines(std::string_view note, std::string_view lines) {
  ASSIGN_OR_RETURN(Note parsed, ParseNote(note));
  std::string out(note);
  while (!lines.empty()) {
    size_t nl = lines.find('\n');
    if (nl == std::string_view::npos) return InvalidArgumentError("signature lines must end in a newline");
    std::string_view line = lines.substr(0, nl + 1);
    lines.remove_prefix(nl + 1);
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return InvalidArgumentError("signature line does not start with an em dash and a space");
    }
    if (out.find(line, parsed.text.size()) == std::string::npos) out.append(line);
  }
  ASSIGN_OR_RETURN(Note check, ParseNote(out));
  if (check.text != parsed.text) return InvalidArgumentError("signature lines changed the note text");
  return out;
}

}  // namespace domicile::tlog
