#include "tlog/note.h"

#include <cstdio>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"

namespace domicile::tlog {
namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";

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

std::string KeyIdHex(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", id);
  return buf;
}

uint32_t ReadBe32(std::string_view b) {
  return (uint32_t(uint8_t(b[0])) << 24) | (uint32_t(uint8_t(b[1])) << 16) |
         (uint32_t(uint8_t(b[2])) << 8) | uint32_t(uint8_t(b[3]));
}

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = char(v >> (24 - 8 * i));
  return s;
}

// Splits "name+hash+base64" into its parts and checks name and hash syntax.
struct KeyParts {
  std::string name;
  uint32_t id = 0;
  std::string key;  // decoded: type byte || key material
};
Result<KeyParts> SplitKey(std::string_view text, std::string_view what) {
  size_t p1 = text.find('+');
  size_t p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {  // the base64 key itself may contain '+'
    return InvalidArgumentError(std::string(what) + ": want name+hash+key");
  }
  KeyParts parts;
  parts.name = std::string(text.substr(0, p1));
  if (!IsValidKeyName(parts.name)) return InvalidArgumentError(std::string(what) + ": bad key name");
  std::string_view hash = text.substr(p1 + 1, p2 - p1 - 1);
  if (hash.size() != 8 || hash.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return InvalidArgumentError(std::string(what) + ": key hash must be 8 lowercase hex digits");
  }
  parts.id = uint32_t(std::stoul(std::string(hash), nullptr, 16));
  auto key = Base64Decode(text.substr(p2 + 1));
  if (!key.ok()) return InvalidArgumentError(std::string(what) + ": key is not base64");
  parts.key = std::move(*key);
  if (parts.key.size() != 33 || uint8_t(parts.key[0]) != kSigTypeEd25519) {
    return InvalidArgumentError(std::string(what) + ": not an Ed25519 key (want type 0x01 and 32 bytes)");
  }
  return parts;
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
  Ed25519Signer(std::string name, uint32_t id, std::string seed)
      : name_(std::move(name)), id_(id), seed_(std::move(seed)) {}
  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return id_; }
  Result<std::string> Sign(std::string_view text) const override { return crypto::Ed25519Sign(seed_, text); }

 private:
  const std::string name_;
  const uint32_t id_;
  const std::string seed_;  // secret
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
  ASSIGN_OR_RETURN(KeyParts parts, SplitKey(vkey, "verifier key"));
  std::string pub = parts.key.substr(1);
  if (KeyId(parts.name, kSigTypeEd25519, pub) != parts.id) {
    return InvalidArgumentError("verifier key: key hash does not match the key");
  }
  return std::unique_ptr<NoteVerifier>(std::make_unique<Ed25519Verifier>(parts.name, parts.id, pub));
}

Result<std::unique_ptr<NoteSigner>> NewSigner(std::string_view skey) {
  if (skey.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) {
    return InvalidArgumentError("private key: must start with PRIVATE+KEY+");
  }
  ASSIGN_OR_RETURN(KeyParts parts, SplitKey(skey.substr(kPrivatePrefix.size()), "private key"));
  std::string seed = parts.key.substr(1);
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519FromSeed(seed));
  if (KeyId(parts.name, kSigTypeEd25519, kp.public_key) != parts.id) {
    return InvalidArgumentError("private key: key hash does not match the key");
  }
  return std::unique_ptr<NoteSigner>(std::make_unique<Ed25519Signer>(parts.name, parts.id, seed));
}

namespace {
NoteKeyPair FormatKeys(std::string_view name, const crypto::Ed25519KeyPair& kp) {
  uint32_t id = KeyId(name, kSigTypeEd25519, kp.public_key);
  std::string type(1, char(kSigTypeEd25519));
  std::string suffix = std::string(name) + "+" + KeyIdHex(id) + "+";
  return NoteKeyPair{std::string(kPrivatePrefix) + suffix + Base64Encode(type + kp.seed),
                     suffix + Base64Encode(type + kp.public_key)};
}
}  // namespace

Result<NoteKeyPair> GenerateNoteKey(std::string_view name) {
  if (!IsValidKeyName(name)) return InvalidArgumentError("bad key name (empty, or has spaces or '+')");
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519Generate());
  return FormatKeys(name, kp);
}

Result<std::string> VerifierKeyFor(std::string_view skey) {
  ASSIGN_OR_RETURN(auto signer, NewSigner(skey));  // validates
  ASSIGN_OR_RETURN(KeyParts parts, SplitKey(skey.substr(kPrivatePrefix.size()), "private key"));
  ASSIGN_OR_RETURN(crypto::Ed25519KeyPair kp, crypto::Ed25519FromSeed(parts.key.substr(1)));
  return FormatKeys(signer->name(), kp).verifier_key;
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
