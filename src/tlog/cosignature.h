// C2SP tlog-cosignature v1 (Ed25519): a witness's timestamped statement that a
// checkpoint is the largest consistent tree it has seen for that log. Cosignatures
// are note signature lines of key type 0x04 over "cosignature/v1\ntime T\n" followed
// by the checkpoint text; they ride on the checkpoint note beside the log's own.
#ifndef DOMICILE_TLOG_COSIGNATURE_H_
#define DOMICILE_TLOG_COSIGNATURE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "tlog/note.h"

namespace domicile::tlog {

inline constexpr uint8_t kSigTypeCosignatureV1 = 0x04;
// timestamp (8 bytes, big-endian) || Ed25519 signature (64 bytes).
inline constexpr size_t kCosignatureSize = 72;

// "cosignature/v1\ntime <timestamp>\n" || checkpoint_text (which ends in a newline).
std::string CosignatureMessage(std::string_view checkpoint_text, uint64_t timestamp);

// Verifies cosignatures of one cosigner. Its NoteVerifier::Verify takes the note
// text and the signature bytes after the key id, so OpenNote works with it.
class CosignatureVerifier final : public NoteVerifier {
 public:
  CosignatureVerifier(std::string name, uint32_t id, std::string public_key)
      : name_(std::move(name)), id_(id), public_key_(std::move(public_key)) {}
  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return id_; }
  // False for a timestamp of 0 or >= 2^63 (the spec forbids both) or a bad signature.
  bool Verify(std::string_view text, std::string_view signature) const override;

 private:
  const std::string name_;
  const uint32_t id_;
  const std::string public_key_;  // 32 bytes
};

// Signs cosignatures; holds the secret seed. Immutable, thread-safe.
class CosignatureSigner {
 public:
  CosignatureSigner(std::string name, uint32_t id, crypto::Ed25519PrivateKey key)
      : name_(std::move(name)), id_(id), key_(std::move(key)) {}
  const std::string& name() const { return name_; }
  uint32_t key_id() const { return id_; }
  // The signature line "— <name> base64(key id || timestamp || sig)\n" for the
  // checkpoint whose note text is `checkpoint_text`. timestamp must be in 1..2^63-1.
  Result<std::string> Cosign(std::string_view checkpoint_text, uint64_t timestamp) const;

 private:
  const std::string name_;
  const uint32_t id_;
  const crypto::Ed25519PrivateKey key_;  // secret
};

// Cosigner keys in the signed-note vkey format with type 0x04:
//   verifier "name+hash+base64(0x04 || public key)"
//   private  "PRIVATE+KEY+name+hash+base64(0x04 || seed)" (our extension; the spec
//            defines no private key format)
Result<std::unique_ptr<CosignatureVerifier>> NewCosignatureVerifier(std::string_view vkey);
Result<std::unique_ptr<CosignatureSigner>> NewCosignatureSigner(std::string_view skey);
Result<NoteKeyPair> GenerateCosignerKey(std::string_view name);
Result<std::string> CosignerVerifierKeyFor(std::string_view skey);

struct VerifiedCosignature {
  std::string name;
  uint32_t key_id = 0;
  uint64_t timestamp = 0;  // POSIX seconds
  std::string line;        // the signature line, with its newline
};

// The cosignatures in `note` (a parsed note) that verify under `cosigners`, at most
// one per cosigner. A line that matches a cosigner's name and key id but does not
// verify is PermissionDenied (such a note is malformed per signed-note).
Result<std::vector<VerifiedCosignature>> VerifyCosignatures(const Note& note,
                                                            std::span<const CosignatureVerifier* const> cosigners);

// "— <name> base64(be32(key_id) || signature)\n".
std::string FormatSignatureLine(std::string_view name, uint32_t key_id, std::string_view signature);

// Appends signature lines (each "— …\n", as add-checkpoint returns them) to a signed
// note, dropping lines already present. InvalidArgument if the result is not a note.
Result<std::string> AddSignatureLines(std::string_view note, std::string_view lines);

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_COSIGNATURE_H_
