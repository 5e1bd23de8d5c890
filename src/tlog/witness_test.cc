#include "tlog/witness.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "tlog/checkpoint.h"
#include "tlog/proof_format.h"

namespace domicile::tlog {
namespace {

using testing::FakeClock;
using testing::MemFileSystem;

constexpr std::string_view kOrigin = "example.com/audit";

// A log in memory: entries, a signing key and helpers to build add-checkpoint bodies.
class TestLog {
 public:
  explicit TestLog(std::string origin = std::string(kOrigin)) : origin_(std::move(origin)) {
    keys_ = *GenerateNoteKey(origin_);
    signer_ = std::move(*NewSigner(keys_.private_key));
  }
  void Grow(int n) {
    for (int i = 0; i < n; ++i) tree_.AppendEntry("entry " + std::to_string(tree_.size()));
  }
  uint64_t size() const { return tree_.size(); }
  std::string SignedCheckpoint(std::optional<Hash> root = std::nullopt) {
    Checkpoint cp{origin_, tree_.size(), root.value_or(tree_.Root()), {}};
    const NoteSigner* s = signer_.get();
    return *SignNote(cp.Text(), std::span(&s, 1));
  }
  std::vector<std::string> Proof(uint64_t old_size) {
    return HashesToStrings(*ConsistencyProof(tree_, old_size, tree_.size()));
  }
  std::string Body(uint64_t old_size) {
    AddCheckpointRequest r{old_size, old_size == 0 ? std::vector<std::string>{} : Proof(old_size), SignedCheckpoint()};
    return FormatAddCheckpoint(r);
  }
  const NoteKeyPair& keys() const { return keys_; }
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  NoteKeyPair keys_;
  std::unique_ptr<NoteSigner> signer_;
  MemoryTree tree_;
};

class WitnessTest : public ::testing::Test {
 protected:
  WitnessTest() : witness_keys_(*GenerateCosignerKey("witness.example/w1")) { Reopen(); }
  void Reopen() {
    witness_.reset();
    auto w = Witness::Open(fs_, "/w", witness_keys_.private_key, {{log_.origin(), {log_.keys().verifier_key}}}, &clock_);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    witness_ = std::move(*w);
  }
  // The cosignature in a 200 reply verifies for the checkpoint it was given.
  void ExpectCosigned(const WitnessReply& r, const std::string& checkpoint) {
    ASSERT_EQ(r.status, 200) << r.body;
    auto note = ParseNote(*AddSignatureLines(checkpoint, r.body));
    auto v = NewCosignatureVerifier(witness_keys_.verifier_key);
    const CosignatureVerifier* vp = v->get();
    auto got = VerifyCosignatures(*note, std::span(&vp, 1));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].timestamp, uint64_t(clock_.NowUnixMicros() / 1'000'000));
  }

  MemFileSystem fs_;
  FakeClock clock_;
  TestLog log_;
  NoteKeyPair witness_keys_;
  std::unique_ptr<Witness> witness_;
};

TEST_F(WitnessTest, CosignsAGrowingLog) {
  log_.Grow(5);
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(0)), log_.SignedCheckpoint());
  log_.Grow(300);
  clock_.Advance(5'000'000);
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(5)), log_.SignedCheckpoint());
  // The same checkpoint again is fine (same size, same root, empty proof).
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(305)), log_.SignedCheckpoint());
  WitnessReply got = witness_->GetCheckpoint(OriginHash(kOrigin));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(ParseUnverifiedCheckpoint(got.body)->size, 305u);
  EXPECT_EQ(witness_->GetCheckpoint(std::string(64, '0')).status, 404);
}

TEST_F(WitnessTest, WrongOldSizeIsConflictWithTheLatestSize) {
  log_.Grow(10);
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0)).status, 200);
  log_.Grow(10);
  WitnessReply r = witness_->AddCheckpoint(log_.Body(0));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, kTlogSizeContentType);
  EXPECT_EQ(r.body, "10\n");
  EXPECT_EQ(witness_->AddCheckpoint(log_.Body(5)).status, 409);
}

TEST_F(WitnessTest, RefusesBadRequestsWithTheSpecStatus) {
  log_.Grow(8);
  EXPECT_EQ(witness_->AddCheckpoint("garbage").status, 400);
  EXPECT_EQ(witness_->AddCheckpoint("old 01\n\n" + log_.SignedCheckpoint()).status, 400);
  EXPECT_EQ(witness_->AddCheckpoint("old 9\n\n" + log_.SignedCheckpoint()).status, 400);  // beyond the size
  TestLog stranger("other.example/log");
  stranger.Grow(1);
  EXPECT_EQ(witness_->AddCheckpoint(stranger.Body(0)).status, 404);
  // Same origin, signed by a key the witness does not trust: no known signature.
  TestLog impostor(std::string{kOrigin});
  impostor.Grow(8);
  EXPECT_EQ(witness_->AddCheckpoint(impostor.Body(0)).status, 403);
  // A trusted key's signature that does not verify.
  std::string body = log_.Body(0);
  size_t sig = body.rfind(' ') + 5;
  body[sig] = body[sig] == 'A' ? 'B' : 'A';
  EXPECT_EQ(witness_->AddCheckpoint(body).status, 403);
  // Old size 0 with a proof.
  std::string with_proof = "old 0\n" + Base64Encode(std::string(32, 'x')) + "\n\n" + log_.SignedCheckpoint();
  EXPECT_EQ(witness_->AddCheckpoint(with_proof).status, 422);
  EXPECT_EQ(witness_->GetCheckpoint(OriginHash(kOrigin)).status, 404);  // nothing was cosigned
}

TEST_F(WitnessTest, EmptyTreeNeedsTheEmptyRoot) {
  Hash bad{};
  bad[0] = 1;
  std::string body = "old 0\n\n" + log_.SignedCheckpoint(bad);
  EXPECT_EQ(witness_->AddCheckpoint(body).status, 422);
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(0)), log_.SignedCheckpoint());
}

TEST_F(WitnessTest, InconsistentCheckpointsAreRefusedAndKept) {
  log_.Grow(20);
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0)).status, 200);
  // Same size, another root (a fork).
  std::string fork = "old 20\n\n" + log_.SignedCheckpoint(EmptyRoot());
  EXPECT_EQ(witness_->AddCheckpoint(fork).status, 422);
  // A proof that does not verify.
  log_.Grow(7);
  std::vector<std::string> proof = log_.Proof(20);
  proof[0][0] ^= 1;
  EXPECT_EQ(witness_->AddCheckpoint(FormatAddCheckpoint({20, proof, log_.SignedCheckpoint()})).status, 422);
  auto evidence = fs_.ListDir("/w/evidence");
  ASSERT_TRUE(evidence.ok());
  EXPECT_EQ(evidence->size(), 2u);
  EXPECT_EQ(witness_->AddCheckpoint(log_.Body(20)).status, 200);
}

TEST_F(WitnessTest, StateSurvivesARestart) {
  log_.Grow(3);
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0)).status, 200);
  Reopen();
  log_.Grow(3);
  WitnessReply r = witness_->AddCheckpoint(log_.Body(0));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "3\n");
  EXPECT_EQ(witness_->AddCheckpoint(log_.Body(3)).status, 200);
}

TEST_F(WitnessTest, DamagedStateRefusesToOpen) {
  log_.Grow(3);
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0)).status, 200);
  std::string path = "/w/" + OriginHash(kOrigin);
  std::string state = *fs_.ReadFile(path);
  fs_.PutFile(path, state.substr(0, state.size() - 10) + "AAAAAAAAA\n");
  auto w = Witness::Open(fs_, "/w", witness_keys_.private_key, {{log_.origin(), {log_.keys().verifier_key}}}, &clock_);
  EXPECT_EQ(w.status().code(), StatusCode::kDataLoss);
}

TEST_F(WitnessTest, OpenRejectsBadConfiguration) {
  EXPECT_FALSE(Witness::Open(fs_, "/x", "nonsense", {}, &clock_).ok());
  EXPECT_FALSE(Witness::Open(fs_, "/x", witness_keys_.private_key, {{"o", {}}}, &clock_).ok());
  EXPECT_FALSE(Witness::Open(fs_, "/x", witness_keys_.private_key, {{"o", {"bad key"}}}, &clock_).ok());
  WitnessedLog l{log_.origin(), {log_.keys().verifier_key}};
  EXPECT_FALSE(Witness::Open(fs_, "/x", witness_keys_.private_key, {l, l}, &clock_).ok());
}

// A crash at any file operation of an add-checkpoint leaves a state that opens
// and holds either the old or the new view; the new one whenever a cosignature
// was returned.
TEST_F(WitnessTest, CrashAtEveryStepKeepsAConsistentView) {
  log_.Grow(4);
  const std::string first = log_.Body(0);
  log_.Grow(4);
  const std::string second = log_.Body(4);
  auto open = [&](MemFileSystem& fs) {
    return Witness::Open(fs, "/w", witness_keys_.private_key, {{log_.origin(), {log_.keys().verifier_key}}}, &clock_);
  };
  uint64_t ops = 0;
  {
    MemFileSystem fs;
    auto w = open(fs);
    ASSERT_EQ((*w)->AddCheckpoint(first).status, 200);
    uint64_t before = fs.op_count();
    ASSERT_EQ((*w)->AddCheckpoint(second).status, 200);
    ops = fs.op_count() - before;
  }
  ASSERT_GT(ops, 2u);
  for (uint64_t n = 1; n <= ops; ++n) {
    SCOPED_TRACE("fault at operation " + std::to_string(n) + " of " + std::to_string(ops));
    MemFileSystem fs;
    auto w = open(fs);
    ASSERT_TRUE(w.ok());
    ASSERT_EQ((*w)->AddCheckpoint(first).status, 200);
    fs.SetFault(fs.op_count() + n);
    fs.SetCrashAfterFault(true);
    WitnessReply r = (*w)->AddCheckpoint(second);
    w->reset();
    fs.SimulateCrash();
    auto reopened = open(fs);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    WitnessReply state = (*reopened)->GetCheckpoint(OriginHash(kOrigin));
    ASSERT_EQ(state.status, 200);
    uint64_t size = ParseUnverifiedCheckpoint(state.body)->size;
    if (r.status == 200) {
      EXPECT_EQ(size, 8u);
    } else {
      EXPECT_EQ(r.status, 500);
      EXPECT_TRUE(size == 4 || size == 8) << size;
    }
  }
}

// An in-process transport for the client.
class DirectTransport final : public WitnessTransport {
 public:
  explicit DirectTransport(Witness* w) : w_(w) {}
  Result<WitnessReply> PostAddCheckpoint(std::string_view body) override {
    if (garble_) return WitnessReply{200, "text/plain", "\xe2\x80\x94 witness.example/w1 AAAAAAAA\n"};
    return w_->AddCheckpoint(body);
  }
  bool garble_ = false;

 private:
  Witness* w_;
};

TEST_F(WitnessTest, ClientCatchesUpAfterAConflict) {
  log_.Grow(6);
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0)).status, 200);  // someone else got size 6 cosigned
  log_.Grow(6);
  auto transport = std::make_unique<DirectTransport>(witness_.get());
  DirectTransport* t = transport.get();
  WitnessClient client(std::move(transport), std::move(*NewCosignatureVerifier(witness_keys_.verifier_key)));
  auto prove = [&](uint64_t old) -> Result<std::vector<std::string>> { return log_.Proof(old); };
  auto line = client.Cosign(log_.SignedCheckpoint(), prove);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_TRUE(AddSignatureLines(log_.SignedCheckpoint(), *line).ok());
  log_.Grow(1);
  EXPECT_TRUE(client.Cosign(log_.SignedCheckpoint(), prove).ok());
  t->garble_ = true;
  log_.Grow(1);
  EXPECT_EQ(client.Cosign(log_.SignedCheckpoint(), prove).status().code(), StatusCode::kPermissionDenied);
  t->garble_ = false;
  TestLog impostor(std::string{kOrigin});
  impostor.Grow(20);
  EXPECT_EQ(client.Cosign(impostor.SignedCheckpoint(), [&](uint64_t old) -> Result<std::vector<std::string>> {
    return impostor.Proof(old);
  }).status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace domicile::tlog
