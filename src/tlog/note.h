// C2SP signed notes (c2sp.org/signed-note): text signed by one or more keys, with
// Ed25519 keys in the C2SP/Go text formats. Verifiers and signers are interfaces so
// that other signature types (witness cosignatures, c2sp.org/tlog-cosignature) can
// be added beside Ed25519 without touching the note code.
#ifndef DOMICILE_TLOG_NOTE_H_
#define DOMICILE_TLOG_NOTE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile::tlog {

inline constexpr size_t kMaxNoteSize = 1 << 20;
inline constexpr size_t kMaxNoteSignatures = 100;  // the spec requires at least 16
inline constexpr uint8_t kSigTypeEd25519 = 0x01;

// One signature line: "— <name> base64(key_id || signature)".
struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // the bytes after the key id
};

// A parsed (not yet verified) note. `text` ends in a newline.
struct Note {
  std::string text;
  std::vector<NoteSignature> signatures;
};

// Checks one kind of signature for one key. Implementations are immutable and
// safe to share between threads.
class NoteVerifier {
 public:
  virtual ~NoteVerifier() = default;
  virtual const std::string& name() const = 0;
  virtual uint32_t key_id() const = 0;
  virtual bool Verify(std::string_view text, std::string_view signature) const = 0;
};

class NoteSigner {
 public:
  virtual ~NoteSigner() = default;
  virtual const std::string& name() const = 0;
  virtual uint32_t key_id() const = 0;
  virtual Result<std::string> Sign(std::string_view text) const = 0;
};

// Key id = first 4 bytes (big-endian) of SHA-256(name || 0x0A || type || public key).
uint32_t KeyId(std::string_view name, uint8_t sig_type, std::string_view public_key);
// Key names must be non-empty, valid UTF-8 without spaces, '+' or control characters.
bool IsValidKeyName(std::string_view name);

// "name+hash+base64(0x01 || public key)".
Result<std::unique_ptr<NoteVerifier>> NewVerifier(std::string_view vkey);
// "PRIVATE+KEY+name+hash+base64(0x01 || seed)".
Result<std::unique_ptr<NoteSigner>> NewSigner(std::string_view skey);

struct NoteKeyPair {
  std::string private_key;   // PRIVATE+KEY+...
  std::string verifier_key;  // name+hash+base64
};
// A fresh Ed25519 note key named `name`.
Result<NoteKeyPair> GenerateNoteKey(std::string_view name);
// The verifier key belonging to a private key string.
Result<std::string> VerifierKeyFor(std::string_view skey);

// Structural parse: UTF-8, no control characters but newline, text ending in a
// newline, a blank line, then 1..kMaxNoteSignatures well-formed signature lines.
// InvalidArgument with a message naming the defect otherwise.
Result<Note> ParseNote(std::string_view msg);

// Parses and verifies `msg` against `known` keys. Signatures whose (name, key id)
// match no known key are ignored. Fails with InvalidArgument if the note is
// malformed, PermissionDenied if a known key's signature does not verify or if no
// known key signed it. On success, returns the note holding only the verified
// signatures.
Result<Note> OpenNote(std::string_view msg, std::span<const NoteVerifier* const> known);

// Signs `text` (which must end in a newline and satisfy the note rules) with every
// signer, returning the complete note.
Result<std::string> SignNote(std::string_view text, std::span<const NoteSigner* const> signers);

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_NOTE_H_
