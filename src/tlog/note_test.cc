#include "tlog/note.h"

#include <gtest/gtest.h>

#include "tlog/checkpoint.h"

namespace domicile::tlog {
namespace {

// From c2sp.org/signed-note.
constexpr char kSpecVkey[] = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr char kSpecNote[] =
    "This is an example message.\n\n"
    "\xe2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
// From the Tessera test log (testdata/tlog/tessera-log/SOURCE; test keys).
constexpr char kTesseraSkey[] =
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
constexpr char kTesseraVkey[] = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

std::unique_ptr<NoteVerifier> V(std::string_view vkey) {
  auto v = NewVerifier(vkey);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return std::move(v).value();
}

TEST(NoteTest, VerifiesTheSpecExample) {
  auto v = V(kSpecVkey);
  EXPECT_EQ(v->name(), "example.com/foo");
  EXPECT_EQ(v->key_id(), 0x530d903au);
  const NoteVerifier* known[] = {v.get()};
  auto note = OpenNote(kSpecNote, known);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(note->text, "This is an example message.\n");
  ASSERT_EQ(note->signatures.size(), 1u);
}

TEST(NoteTest, GoKeyFormatsRoundTrip) {
  auto vkey = VerifierKeyFor(kTesseraSkey);
  ASSERT_TRUE(vkey.ok()) << vkey.status().ToString();
  EXPECT_EQ(*vkey, kTesseraVkey);
  auto signer = NewSigner(kTesseraSkey);
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ((*signer)->key_id(), 0x33d7b496u);

  auto kp = GenerateNoteKey("example.com/new");
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(kp->private_key.rfind("PRIVATE+KEY+example.com/new+", 0), 0u);
  EXPECT_EQ(*VerifierKeyFor(kp->private_key), kp->verifier_key);
}

TEST(NoteTest, RejectsBadKeys) {
  EXPECT_FALSE(NewVerifier("").ok());
  EXPECT_FALSE(NewVerifier("example.com/foo+530d903a").ok());
  EXPECT_FALSE(NewVerifier("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").ok());  // id
  EXPECT_FALSE(NewVerifier("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").ok());  // case
  EXPECT_FALSE(NewVerifier("example.com/foo+530d903a+AkyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").ok());   // b64
  EXPECT_FALSE(NewVerifier("exa mple+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").ok());         // name
  EXPECT_FALSE(NewSigner(kTesseraVkey).ok());
  EXPECT_FALSE(NewSigner("PRIVATE+KEY+example.com/log/testdata+33d7b497+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg").ok());
  EXPECT_FALSE(GenerateNoteKey("a+b").ok());
  EXPECT_FALSE(GenerateNoteKey("").ok());
}

class NoteSignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"log.example", "witness.example", "other.example"}) {
      auto kp = GenerateNoteKey(name);
      ASSERT_TRUE(kp.ok());
      signers_.push_back(std::move(NewSigner(kp->private_key)).value());
      verifiers_.push_back(std::move(NewVerifier(kp->verifier_key)).value());
    }
  }
  std::string Sign(std::string_view text, std::vector<int> who) {
    std::vector<const NoteSigner*> s;
    for (int i : who) s.push_back(signers_[i].get());
    auto note = SignNote(text, s);
    EXPECT_TRUE(note.ok()) << note.status().ToString();
    return note.value_or("");
  }
  std::vector<std::unique_ptr<NoteSigner>> signers_;
  std::vector<std::unique_ptr<NoteVerifier>> verifiers_;
};

TEST_F(NoteSignTest, SeveralSignaturesUnknownOnesIgnored) {
  std::string note = Sign("hello\n\nworld\n", {0, 1, 2});
  const NoteVerifier* only_log[] = {verifiers_[0].get()};
  auto n = OpenNote(note, only_log);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->text, "hello\n\nworld\n");
  EXPECT_EQ(n->signatures.size(), 1u);
  const NoteVerifier* two[] = {verifiers_[0].get(), verifiers_[1].get()};
  EXPECT_EQ(OpenNote(note, two)->signatures.size(), 2u);
}

TEST_F(NoteSignTest, NoKnownSignatureIsRejected) {
  std::string note = Sign("hello\n", {1, 2});
  const NoteVerifier* only_log[] = {verifiers_[0].get()};
  EXPECT_EQ(OpenNote(note, only_log).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(NoteSignTest, SameNameOtherKeyIsIgnoredNotFailed) {
  // A signature whose name matches but id does not belongs to an unknown key.
  auto other = GenerateNoteKey("log.example");
  auto other_signer = std::move(NewSigner(other->private_key)).value();
  const NoteSigner* both[] = {other_signer.get(), signers_[0].get()};
  std::string note = *SignNote("text\n", both);
  const NoteVerifier* known[] = {verifiers_[0].get()};
  EXPECT_TRUE(OpenNote(note, known).ok());
}

TEST_F(NoteSignTest, BadSignatureFromKnownKeyRejectsTheNote) {
  std::string note = Sign("hello\n", {0, 1});
  const NoteVerifier* known[] = {verifiers_[0].get(), verifiers_[1].get()};
  std::string tampered = note;
  tampered[0] = 'j';  // text changed: both signatures fail
  EXPECT_EQ(OpenNote(tampered, known).status().code(), StatusCode::kPermissionDenied);
  // Corrupt only the second signature's bytes (keep base64 valid).
  size_t last = note.rfind(' ');
  std::string sig_tampered = note;
  sig_tampered[last + 10] = sig_tampered[last + 10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(OpenNote(sig_tampered, known).status().code(), StatusCode::kPermissionDenied);
}

TEST(NoteParseTest, MalformedNotesAreRejectedWithAClearError) {
  const std::string sig = "\xe2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
  struct Case {
    std::string msg, want;
  } cases[] = {
      {"", "does not end in a newline"},
      {"text\n" + sig, "no blank line"},
      {"text\n\n", "no signatures"},
      {"text\n\n" + sig.substr(0, sig.size() - 1), "does not end in a newline"},
      {"te\txt\n\n" + sig, "control character"},
      {"te\xff xt\n\n" + sig, "UTF-8"},
      {"text\n\n- example.com/foo AAAAAAAA\n", "em dash"},
      {"text\n\n\xe2\x80\x94 example.com/foo\n", "no key name"},
      {"text\n\n\xe2\x80\x94 example.com/foo AAAA\n", "not base64"},
      {"text\n\n\xe2\x80\x94 example.com/foo !!!!\n", "not base64"},
      {"text\n\n\xe2\x80\x94  AAAAAAAA\n", "bad key name"},
      {"text\n\n" + sig + "\n", "no signatures"},
  };
  for (const auto& c : cases) {
    auto n = ParseNote(c.msg);
    ASSERT_FALSE(n.ok()) << c.msg;
    EXPECT_EQ(n.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(n.status().message().find(c.want), std::string::npos) << n.status().message();
  }
  std::string many = "text\n\n";
  for (int i = 0; i < 101; ++i) many += sig;
  EXPECT_FALSE(ParseNote(many).ok());
}

TEST(CheckpointTest, ParsesAndFormats) {
  auto cp = ParseCheckpointText("example.com/log\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\next\n");
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->origin, "example.com/log");
  EXPECT_EQ(cp->size, 15u);
  ASSERT_EQ(cp->extensions.size(), 1u);
  EXPECT_EQ(cp->Text(), "example.com/log\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\next\n");
}

TEST(CheckpointTest, RejectsMalformedText) {
  const char* root = "rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=";
  for (std::string bad : {std::string("o\n15\n"), "o\n015\n" + std::string(root) + "\n",
                          "o\n-1\n" + std::string(root) + "\n", "o\n18446744073709551616\n" + std::string(root) + "\n",
                          std::string("o\n1\nAAAA\n"), "\n1\n" + std::string(root) + "\n",
                          "o\n1\n" + std::string(root) + "\n\n", "o\n1\n" + std::string(root)}) {
    EXPECT_FALSE(ParseCheckpointText(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseDecimal("18446744073709551615").ok());
  EXPECT_FALSE(ParseDecimal("18446744073709551616").ok());
  EXPECT_FALSE(ParseDecimal("").ok());
  EXPECT_FALSE(ParseDecimal("+1").ok());
}

TEST(CheckpointTest, OpensTheTesseraCheckpoint) {
  constexpr char kNote[] =
      "example.com/log/testdata\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n\n"
      "\xe2\x80\x94 example.com/log/testdata "
      "M9e0luh4jTG+UMBqOUo9/q+yAEvx1ilBEniMvjf1zfcBOhg+CKubMt53MvIt/uEWP6zdkdIQzd/fmwlM/dlPWF74ewI=\n";
  auto v = V(kTesseraVkey);
  const NoteVerifier* known[] = {v.get()};
  auto cp = OpenCheckpoint(kNote, known);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->size, 15u);
}

}  // namespace
}  // namespace domicile::tlog
