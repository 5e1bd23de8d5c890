#include "tlog/proof_format.h"

#include <gtest/gtest.h>

namespace domicile::tlog {
namespace {

class ProofFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kp = GenerateNoteKey("example.com/log");
    signer_ = std::move(NewSigner(kp->private_key)).value();
    verifier_ = std::move(NewVerifier(kp->verifier_key)).value();
    for (int i = 0; i < 13; ++i) tree_.AppendEntry("e" + std::to_string(i));
  }
  std::string SignedCheckpoint(uint64_t size) {
    Checkpoint cp{"example.com/log", size, *TreeHash(tree_, size), {}};
    const NoteSigner* s[] = {signer_.get()};
    return *SignNote(cp.Text(), s);
  }
  std::unique_ptr<NoteSigner> signer_;
  std::unique_ptr<NoteVerifier> verifier_;
  MemoryTree tree_;
};

TEST_F(ProofFormatTest, TlogProofRoundTripsAndVerifies) {
  TlogProof p{std::string("extra data"), 6, HashesToStrings(*InclusionProof(tree_, 6, 13)), SignedCheckpoint(13)};
  std::string text = FormatTlogProof(p);
  EXPECT_EQ(text.rfind("c2sp.org/tlog-proof@v1\nextra ZXh0cmEgZGF0YQ==\nindex 6\n", 0), 0u) << text;
  auto parsed = ParseTlogProof(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->extra, p.extra);
  EXPECT_EQ(parsed->proof, p.proof);
  EXPECT_EQ(parsed->checkpoint, p.checkpoint);
  const NoteVerifier* known[] = {verifier_.get()};
  std::string leaf(HashBytes(HashLeaf("e6")));
  EXPECT_TRUE(VerifyTlogProof(*parsed, leaf, known).ok());
  EXPECT_FALSE(VerifyTlogProof(*parsed, std::string(HashBytes(HashLeaf("e7"))), known).ok());
  parsed->index = 7;
  EXPECT_FALSE(VerifyTlogProof(*parsed, leaf, known).ok());
}

TEST_F(ProofFormatTest, TlogProofRejectsMalformedText) {
  std::string cp = SignedCheckpoint(13);
  for (std::string bad : {std::string(""), "c2sp.org/tlog-proof@v2\nindex 0\n\n" + cp,
                          "c2sp.org/tlog-proof@v1\nindex 01\n\n" + cp, "c2sp.org/tlog-proof@v1\nindex 0\n" + cp,
                          "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\n" + cp,
                          "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\n" + cp,
                          std::string("c2sp.org/tlog-proof@v1\nindex 0\n\nnot a checkpoint\n"),
                          "c2sp.org/tlog-proof@v1\n" + std::string("index 0\n\n")}) {
    EXPECT_EQ(ParseTlogProof(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(ProofFormatTest, AddCheckpointRoundTripsAndVerifies) {
  AddCheckpointRequest r{5, HashesToStrings(*ConsistencyProof(tree_, 5, 13)), SignedCheckpoint(13)};
  std::string text = FormatAddCheckpoint(r);
  EXPECT_EQ(text.rfind("old 5\n", 0), 0u);
  auto parsed = ParseAddCheckpoint(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const NoteVerifier* known[] = {verifier_.get()};
  std::string old_root(HashBytes(*TreeHash(tree_, 5)));
  EXPECT_TRUE(VerifyAddCheckpoint(*parsed, old_root, known).ok());
  EXPECT_FALSE(VerifyAddCheckpoint(*parsed, std::string(HashBytes(*TreeHash(tree_, 4))), known).ok());
  auto zero = ParseAddCheckpoint("old 0\n\n" + SignedCheckpoint(13));
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(VerifyAddCheckpoint(*zero, "", known).ok());
  std::string too_many = "old 1\n";
  for (int i = 0; i < 64; ++i) too_many += "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
  EXPECT_FALSE(ParseAddCheckpoint(too_many + "\n" + SignedCheckpoint(13)).ok());
  EXPECT_FALSE(ParseAddCheckpoint("old x\n\n" + SignedCheckpoint(13)).ok());
}

}  // namespace
}  // namespace domicile::tlog
