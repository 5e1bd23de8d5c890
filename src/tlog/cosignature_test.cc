#include "tlog/cosignature.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "tlog/checkpoint.h"

namespace domicile::tlog {
namespace {

constexpr std::string_view kText = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

TEST(CosignatureTest, MessageIsTheSpecLayout) {
  EXPECT_EQ(CosignatureMessage(kText, 1679315147),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
}

// The spec's example cosignature line: key id, then the big-endian timestamp that
// its example message shows (1679315147), then 64 signature bytes.
TEST(CosignatureTest, SpecExampleLineHasTheTimestampLayout) {
  std::string note = std::string(kText) +
                     "\n\xe2\x80\x94 witness.example.com/w1 "
                     "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+"
                     "mbIUBkBIfZ+qnA==\n";
  auto parsed = ParseNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->signatures.size(), 1u);
  const std::string& sig = parsed->signatures[0].signature;
  ASSERT_EQ(sig.size(), kCosignatureSize);
  uint64_t ts = 0;
  for (int i = 0; i < 8; ++i) ts = (ts << 8) | uint8_t(sig[i]);
  EXPECT_EQ(ts, 1679315147u);
  // Without the witness's key the line cannot verify; a verifier that claims its
  // name and key id must reject it (a malformed note, not an ignored line).
  auto kp = GenerateCosignerKey("witness.example.com/w1");
  ASSERT_TRUE(kp.ok());
  auto other = NewCosignatureVerifier(kp->verifier_key);
  ASSERT_TRUE(other.ok());
  CosignatureVerifier impostor("witness.example.com/w1", parsed->signatures[0].key_id, std::string(32, 'k'));
  const CosignatureVerifier* v = &impostor;
  EXPECT_EQ(VerifyCosignatures(*parsed, std::span(&v, 1)).status().code(), StatusCode::kPermissionDenied);
  const CosignatureVerifier* unrelated = other->get();
  auto none = VerifyCosignatures(*parsed, std::span(&unrelated, 1));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(CosignatureTest, SignAndVerifyRoundTrip) {
  auto kp = GenerateCosignerKey("witness.example/w1");
  ASSERT_TRUE(kp.ok()) << kp.status().ToString();
  auto signer = NewCosignatureSigner(kp->private_key);
  auto verifier = NewCosignatureVerifier(kp->verifier_key);
  ASSERT_TRUE(signer.ok() && verifier.ok());
  EXPECT_EQ(*CosignerVerifierKeyFor(kp->private_key), kp->verifier_key);
  // name+hash+base64: the name has no '+', the base64 may.
  auto raw = Base64Decode(kp->verifier_key.substr(kp->verifier_key.find('+', kp->verifier_key.find('+') + 1) + 1));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(uint8_t((*raw)[0]), kSigTypeCosignatureV1);
  EXPECT_EQ((*verifier)->key_id(), KeyId("witness.example/w1", kSigTypeCosignatureV1, raw->substr(1)));

  auto line = (*signer)->Cosign(kText, 1700000000);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  std::string note = std::string(kText) + "\n" + *line;
  auto parsed = ParseNote(note);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const CosignatureVerifier* v = verifier->get();
  auto got = VerifyCosignatures(*parsed, std::span(&v, 1));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].timestamp, 1700000000u);
  EXPECT_EQ((*got)[0].line, *line);
  // OpenNote accepts the cosigner as a note verifier.
  const NoteVerifier* nv = verifier->get();
  EXPECT_TRUE(OpenNote(note, std::span(&nv, 1)).ok());
}

TEST(CosignatureTest, TamperedTextOrTimestampFails) {
  auto kp = GenerateCosignerKey("w");
  auto signer = NewCosignatureSigner(kp->private_key);
  auto verifier = NewCosignatureVerifier(kp->verifier_key);
  auto line = (*signer)->Cosign(kText, 1700000000);
  ASSERT_TRUE(line.ok());
  auto note = ParseNote(std::string(kText) + "\n" + *line);
  ASSERT_TRUE(note.ok());
  const std::string sig = note->signatures[0].signature;
  EXPECT_TRUE((*verifier)->Verify(kText, sig));
  std::string other_text(kText);
  other_text[30] = '3';
  EXPECT_FALSE((*verifier)->Verify(other_text, sig));
  std::string later = sig;
  later[7] = char(later[7] + 1);
  EXPECT_FALSE((*verifier)->Verify(kText, later));
  std::string zero = sig;
  for (int i = 0; i < 8; ++i) zero[i] = 0;
  EXPECT_FALSE((*verifier)->Verify(kText, zero));
  EXPECT_FALSE((*verifier)->Verify(kText, sig.substr(8)));  // an Ed25519 note signature is not a cosignature
}

TEST(CosignatureTest, RejectsBadKeysAndTimestamps) {
  auto note_key = GenerateNoteKey("log.example");
  ASSERT_TRUE(note_key.ok());
  EXPECT_FALSE(NewCosignatureVerifier(note_key->verifier_key).ok());  // type 0x01
  EXPECT_FALSE(NewCosignatureSigner(note_key->private_key).ok());
  auto kp = GenerateCosignerKey("w");
  EXPECT_FALSE(NewVerifier(kp->verifier_key).ok());  // and the other way round
  std::string wrong_hash = kp->verifier_key;
  wrong_hash[2] = wrong_hash[2] == '0' ? '1' : '0';
  EXPECT_FALSE(NewCosignatureVerifier(wrong_hash).ok());
  EXPECT_FALSE(NewCosignatureVerifier("w+0000").ok());
  EXPECT_FALSE(GenerateCosignerKey("bad name").ok());
  auto signer = NewCosignatureSigner(kp->private_key);
  EXPECT_FALSE((*signer)->Cosign(kText, 0).ok());
  EXPECT_FALSE((*signer)->Cosign(kText, uint64_t(1) << 63).ok());
  EXPECT_FALSE((*signer)->Cosign("no newline", 5).ok());
}

TEST(CosignatureTest, AddSignatureLinesDeduplicatesAndValidates) {
  auto log_key = GenerateNoteKey("log.example");
  auto log_signer = NewSigner(log_key->private_key);
  const NoteSigner* ls = log_signer->get();
  auto note = SignNote(kText, std::span(&ls, 1));
  ASSERT_TRUE(note.ok());
  auto kp = GenerateCosignerKey("w");
  auto line = (*NewCosignatureSigner(kp->private_key))->Cosign(kText, 42);
  auto once = AddSignatureLines(*note, *line);
  ASSERT_TRUE(once.ok()) << once.status().ToString();
  EXPECT_EQ(*once, *note + *line);
  EXPECT_EQ(*AddSignatureLines(*once, *line), *once);
  EXPECT_FALSE(AddSignatureLines(*note, "not a signature\n").ok());
  EXPECT_FALSE(AddSignatureLines(*note, line->substr(0, line->size() - 1)).ok());
  EXPECT_FALSE(AddSignatureLines("no note", *line).ok());
}

}  // namespace
}  // namespace domicile::tlog
