#include "tlog/note.h"


#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "tlog/internal/note_keys.h"

namespace domicile::tlog {
namespace {

using internal::Be32;
using internal::KeyIdHex;
using internal::kSigPrefix;
using internal::ReadBe32;

// Decodes one UTF-8 code point at s[i], advancing i; -1 if malformed (overlong,
// surrogate, out of range or truncated).
int32_t DecodeUtf8(std::string_view s, size_t& i) {
  auto b0 = uint8_t(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len;
  int32_t cp;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return -1;
  }
  if (i + len > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    auto b = uint8_t(s[i + k]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return cp;
}

bool IsUnicodeSpace(int32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

class Ed25519Verifier final : public NoteVerifier {
 public:
  Ed25519Verifier(std::string name, uint32_t id, std::string public_key)
      : name_(std::move(name)), id_(id), public_key_(std::move(public_key)) {}
  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return id_; }
  bool Verify(std::string_view text, std::string_view signature) const override {
    return signature.size() == crypto::kEd25519SignatureSize &&
           crypto::Ed25519Verify(public_key_, text, signature);
  }

 private:
  const std::string name_;
  const uint32_t id_;
  const std::string public_key_;
};

class Ed25519Signer final : public NoteSigner {
 public:
  Ed25519Signer(std::string name, uint32_t id, crypto::Ed25519PrivateKey key)
      : name_(std::move(name)), id_(id), key_(std::move(key)) {}
  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return id_; }
  Result<std::string> Sign(std::string_view text) const override { return key_.Sign(text); }

 private:
  const std::string name_;
  const uint32_t id_;
  const crypto::Ed25519PrivateKey key_;  // secret
};

}  // namespace

uint32_t KeyId(std::string_view name, uint8_t sig_type, std::string_view public_key) {
  std::string buf(name);
  buf.push_back('\n');
  buf.push_back(char(sig_type));
  buf.append(public_key);
  crypto::Digest d = crypto::Sha256(buf);
  return ReadBe32(std::string_view(reinterpret_cast<const char*>(d.data()), 4));
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    int32_t cp = DecodeUtf8(name, i);
    if (cp < 0x20 || cp == '+' || IsUnicodeSpace(cp)) return false;
  }
  return true;
}

Result<std::unique_ptr<NoteVerifier>> NewVerifier(std::string_view vkey) {
  ASSIGN_OR_RETURN(internal::ParsedKey key, internal::ParseVerifierKey(vkey, kSigTypeEd25519, "verifier key"));
  return std::unique_ptr<NoteVerifier>(std::make_unique<Ed25519Verifier>(key.name, key.id, key.public_key));
}

Result<std::unique_ptr<NoteSigner>> NewSigner(std::string_view skey) {
  ASSIGN_OR_RETURN(internal::ParsedKey key, internal::ParsePrivateKey(skey, kSigTypeEd25519, "private key"));
  ASSIGN_OR_RETURN(crypto::Ed25519PrivateKey signing_key, crypto::Ed25519PrivateKey::FromSeed(key.material));
  return std::unique_ptr<NoteSigner>(std::make_unique<Ed25519Signer>(key.name, key.id, std::move(signing_key)));
}

Result<NoteKeyPair> GenerateNoteKey(std::string_view name) {
  if (!IsValidKeyName(name)) return InvalidArgumentError("bad key name (empty, or has spaces or '+')");
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519Generate());
  return internal::FormatKeyPair(name, kSigTypeEd25519, kp);
}

Result<std::string> VerifierKeyFor(std::string_view skey) {
  ASSIGN_OR_RETURN(internal::ParsedKey key, internal::ParsePrivateKey(skey, kSigTypeEd25519, "private key"));
  return internal::FormatKeyPair(key.name, kSigTypeEd25519, {key.material, key.public_key}).verifier_key;
}

Result<Note> ParseNote(std::string_view msg) {
  if (msg.size() > kMaxNoteSize) return InvalidArgumentError("malformed note: larger than 1 MiB");
  for (size_t i = 0; i < msg.size();) {
    int32_t cp = DecodeUtf8(msg, i);
    if (cp < 0) return InvalidArgumentError("malformed note: not valid UTF-8");
    if (cp < 0x20 && cp != '\n') return InvalidArgumentError("malformed note: control character");
  }
  if (msg.empty() || msg.back() != '\n') return InvalidArgumentError("malformed note: does not end in a newline");
  size_t split = msg.rfind("\n\n");
  if (split == std::string_view::npos) {
    return InvalidArgumentError("malformed note: no blank line before the signatures");
  }
  Note note;
  note.text = std::string(msg.substr(0, split + 1));
  std::string_view sigs = msg.substr(split + 2);
  if (sigs.empty()) return InvalidArgumentError("malformed note: no signatures");
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');  // present: msg ends in a newline
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (note.signatures.size() == kMaxNoteSignatures) {
      return InvalidArgumentError("malformed note: more than 100 signatures");
    }
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return InvalidArgumentError("malformed note: signature line does not start with an em dash and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return InvalidArgumentError("malformed note: signature line has no key name");
    std::string_view name = line.substr(0, sp);
    if (!IsValidKeyName(name)) return InvalidArgumentError("malformed note: bad key name in signature line");
    auto sig = Base64Decode(line.substr(sp + 1));
    if (!sig.ok() || sig->size() < 5) {
      return InvalidArgumentError("malformed note: signature is not base64 of a key id and signature");
    }
    note.signatures.push_back(NoteSignature{std::string(name), ReadBe32(*sig), sig->substr(4)});
  }
  return note;
}

Result<Note> OpenNote(std::string_view msg, std::span<const NoteVerifier* const> known) {
  ASSIGN_OR_RETURN(Note note, ParseNote(msg));
  std::vector<NoteSignature> verified;
  for (NoteSignature& sig : note.signatures) {
    for (const NoteVerifier* v : known) {
      if (v->name() != sig.name || v->key_id() != sig.key_id) continue;
      if (!v->Verify(note.text, sig.signature)) {
        return PermissionDeniedError("note signature by " + sig.name + "+" + KeyIdHex(sig.key_id) +
                                     " does not verify");
      }
      verified.push_back(std::move(sig));
      break;
    }
  }
  if (verified.empty()) return PermissionDeniedError("note has no signature from a known key");
  note.signatures = std::move(verified);
  return note;
}

Result<std::string> SignNote(std::string_view text, std::span<const NoteSigner* const> signers) {
  if (signers.empty()) return InvalidArgumentError("sign note: no signers");
  if (text.empty() || text.back() != '\n') return InvalidArgumentError("sign note: text must end in a newline");
  std::string msg(text);
  msg.push_back('\n');
  for (const NoteSigner* s : signers) {
    ASSIGN_OR_RETURN(std::string sig, s->Sign(text));
    msg.append(kSigPrefix);
    msg.append(s->name());
    msg.push_back(' ');
    msg.append(Base64Encode(Be32(s->key_id()) + sig));
    msg.push_back('\n');
  }
  // The result must parse back as a note with the same text (rejects text with
  // control characters or a trailing blank line, which would move the split).
  ASSIGN_OR_RETURN(Note check, ParseNote(msg));
  if (check.text != text) return InvalidArgumentError("sign note: text must not end in a blank line");
  return msg;
}

}  // namespace domicile::tlog
