#include "tlog/cosignature.h"

#include <set>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "tlog/internal/note_keys.h"

namespace domicile::tlog {
namespace {

using internal::Be32;
using internal::KeyIdHex;
using internal::kSigPrefix;

constexpr uint64_t kMaxTimestamp = (uint64_t(1) << 63) - 1;

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
  ASSIGN_OR_RETURN(std::string sig, key_.Sign(CosignatureMessage(checkpoint_text, timestamp)));
  return FormatSignatureLine(name_, id_, Be64(timestamp) + sig);
}

Result<std::unique_ptr<CosignatureVerifier>> NewCosignatureVerifier(std::string_view vkey) {
  ASSIGN_OR_RETURN(internal::ParsedKey key,
                   internal::ParseVerifierKey(vkey, kSigTypeCosignatureV1, "cosigner verifier key"));
  return std::make_unique<CosignatureVerifier>(key.name, key.id, key.public_key);
}

Result<std::unique_ptr<CosignatureSigner>> NewCosignatureSigner(std::string_view skey) {
  ASSIGN_OR_RETURN(internal::ParsedKey key,
                   internal::ParsePrivateKey(skey, kSigTypeCosignatureV1, "cosigner private key"));
  ASSIGN_OR_RETURN(crypto::Ed25519PrivateKey signing_key, crypto::Ed25519PrivateKey::FromSeed(key.material));
  return std::make_unique<CosignatureSigner>(key.name, key.id, std::move(signing_key));
}

Result<NoteKeyPair> GenerateCosignerKey(std::string_view name) {
  if (!IsValidKeyName(name)) return InvalidArgumentError("bad key name (empty, or has spaces or '+')");
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519Generate());
  return internal::FormatKeyPair(name, kSigTypeCosignatureV1, kp);
}

Result<std::string> CosignerVerifierKeyFor(std::string_view skey) {
  ASSIGN_OR_RETURN(internal::ParsedKey key,
                   internal::ParsePrivateKey(skey, kSigTypeCosignatureV1, "cosigner private key"));
  return internal::FormatKeyPair(key.name, kSigTypeCosignatureV1, {key.material, key.public_key}).verifier_key;
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
