#include "crypto/keyring.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/envelope.h"
#include "fakes/mem_file_system.h"

namespace domicile::crypto {
namespace {

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = FileKeyring::Create(fs_, "/keys/keyring.json", {"US", "SG"}, 16);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    keyring_ = std::move(c->keyring);
    root_ = c->root_key;
  }
  testing::MemFileSystem fs_;
  std::unique_ptr<FileKeyring> keyring_;
  std::string root_;
};

TEST_F(KeyringTest, WrapsAndUnwrapsAcrossReopen) {
  const std::string dek(32, 'd');
  auto w = keyring_->WrapKey("US", 3, dek, "bind").value();
  EXPECT_EQ(keyring_->UnwrapKey("US", w, "bind").value(), dek);
  EXPECT_EQ(w.find(dek), std::string::npos);

  auto reopened = FileKeyring::Open(fs_, "/keys/keyring.json").value();
  EXPECT_TRUE(reopened->sealed());
  EXPECT_TRUE(reopened->HasJurisdiction("SG"));
  EXPECT_FALSE(reopened->HasJurisdiction("CN"));
  EXPECT_EQ(reopened->UnwrapKey("US", w, "bind").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reopened->BlindIndexToken("i", "v").status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(reopened->Unseal(root_).ok());
  EXPECT_EQ(reopened->UnwrapKey("US", w, "bind").value(), dek);
  EXPECT_EQ(reopened->BlindIndexToken("i", "v").value(), keyring_->BlindIndexToken("i", "v").value());
  reopened->Seal();
  EXPECT_EQ(reopened->WrapKey("US", 0, dek, "").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(KeyringTest, WrongRootKeyIsPermissionDenied) {
  auto k = FileKeyring::Open(fs_, "/keys/keyring.json").value();
  EXPECT_EQ(k->Unseal(std::string(32, 'x')).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(k->sealed());
  EXPECT_EQ(k->Unseal("short").code(), StatusCode::kInvalidArgument);
}

TEST_F(KeyringTest, BindingJurisdictionAndTamperingAreChecked) {
  auto w = keyring_->WrapKey("US", 1, std::string(32, 'd'), "subject-a").value();
  EXPECT_EQ(keyring_->UnwrapKey("US", w, "subject-b").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(keyring_->UnwrapKey("SG", w, "subject-a").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(keyring_->UnwrapKey("CN", w, "subject-a").status().code(), StatusCode::kNotFound);
  std::string t = w;
  t[8] ^= 1;  // bucket number
  EXPECT_EQ(keyring_->UnwrapKey("US", t, "subject-a").status().code(), StatusCode::kDataLoss);
  t = w;
  t.back() ^= 1;
  EXPECT_EQ(keyring_->UnwrapKey("US", t, "subject-a").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(keyring_->UnwrapKey("US", "", "subject-a").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(keyring_->WrapKey("US", 16, "k", "").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KeyringTest, KekRotationKeepsOldWrapsUntilRetired) {
  const std::string dek(32, 'd');
  auto old = keyring_->WrapKey("US", 2, dek, "b").value();
  EXPECT_TRUE(keyring_->IsCurrent("US", old).value());
  EXPECT_EQ(keyring_->RotateKek("US").value(), 2u);
  EXPECT_FALSE(keyring_->IsCurrent("US", old).value());
  auto fresh = keyring_->WrapKey("US", 2, dek, "b").value();
  EXPECT_TRUE(keyring_->IsCurrent("US", fresh).value());
  EXPECT_EQ(keyring_->UnwrapKey("US", old, "b").value(), dek);
  ASSERT_TRUE(keyring_->DestroyRetiredKeks("US").ok());
  EXPECT_EQ(keyring_->UnwrapKey("US", old, "b").status().code(), StatusCode::kDataLoss);
  // The destruction is persistent.
  auto k = FileKeyring::Open(fs_, "/keys/keyring.json").value();
  ASSERT_TRUE(k->Unseal(root_).ok());
  EXPECT_EQ(k->UnwrapKey("US", old, "b").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(k->UnwrapKey("US", fresh, "b").value(), dek);
}

TEST_F(KeyringTest, BucketRotationShredsOnlyThatBucket) {
  const std::string dek(32, 'd');
  auto in5 = keyring_->WrapKey("US", 5, dek, "b").value();
  auto in6 = keyring_->WrapKey("US", 6, dek, "b").value();
  ASSERT_TRUE(keyring_->RotateBucket("US", 5).ok());
  EXPECT_EQ(keyring_->StaleBuckets("US").value(), std::vector<uint32_t>{5});
  EXPECT_EQ(keyring_->UnwrapKey("US", in5, "b").value(), dek);  // until destroyed
  ASSERT_TRUE(keyring_->DestroyStaleBucket("US", 5).ok());
  EXPECT_TRUE(keyring_->StaleBuckets("US").value().empty());
  EXPECT_EQ(keyring_->UnwrapKey("US", in5, "b").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(keyring_->UnwrapKey("US", in6, "b").value(), dek);
}

TEST_F(KeyringTest, RootKeyFileAndCreateChecks) {
  EXPECT_EQ(ParseRootKeyFile(FormatRootKeyFile(root_)).value(), root_);
  EXPECT_FALSE(ParseRootKeyFile("dkr1-00").ok());
  EXPECT_FALSE(ParseRootKeyFile(std::string(64, '0')).ok());
  EXPECT_EQ(FileKeyring::Create(fs_, "/keys/keyring.json", {"US"}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(FileKeyring::Create(fs_, "/k2", {"U S"}).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(keyring_->AddJurisdiction("EU").ok());
  EXPECT_EQ(keyring_->AddJurisdiction("EU").code(), StatusCode::kAlreadyExists);
  auto k = FileKeyring::Open(fs_, "/keys/keyring.json").value();
  ASSERT_TRUE(k->Unseal(root_).ok());
  EXPECT_TRUE(k->WrapKey("EU", 0, "x", "").ok());
}

TEST_F(KeyringTest, BlindIndexTokensAreKeyedPerIndex) {
  auto a = keyring_->BlindIndexToken("profile.email", "a@b.c").value();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, keyring_->BlindIndexToken("profile.phone", "a@b.c").value());
  auto other = FileKeyring::Create(fs_, "/other", {"US"}).value();
  EXPECT_NE(a, other.keyring->BlindIndexToken("profile.email", "a@b.c").value());
}

TEST(EnvelopeTest, BindingIsEnforced) {
  const std::string dek = NewDataKey().value();
  ValueBinding b{"alice", "profile", "email", 1};
  auto sealed = SealValue(dek, b, "alice@example.org").value();
  EXPECT_EQ(uint8_t(sealed[0]), kSealedValueFormat);
  EXPECT_EQ(OpenValue(dek, b, sealed).value(), "alice@example.org");
  for (ValueBinding other : {ValueBinding{"bob", "profile", "email", 1}, ValueBinding{"alice", "profile", "phone", 1},
                             ValueBinding{"alice", "contact", "email", 1}, ValueBinding{"alice", "profile", "email", 2},
                             // length prefixes keep ("ab","c") apart from ("a","bc")
                             ValueBinding{"alice", "profil", "eemail", 1}}) {
    EXPECT_EQ(OpenValue(dek, other, sealed).status().code(), StatusCode::kDataLoss);
  }
  EXPECT_EQ(OpenValue(NewDataKey().value(), b, sealed).status().code(), StatusCode::kDataLoss);
  std::string bad = sealed;
  bad[0] = 2;
  EXPECT_EQ(ParseSealedValue(bad).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseSealedValue(sealed.substr(0, 20)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseSealedValue("").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(SealValue(dek, b, std::string(kMaxSealedPlaintext + 1, 'x')).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_NE(DataKeyBinding("a", "bUS"), DataKeyBinding("ab", "US"));
}

// The format documented in docs/vault.md, sealed by an independent implementation
// (Python `cryptography`, AESGCM): key 32 x 0x07, nonce 00..0b.
TEST(EnvelopeTest, OpensIndependentlySealedValue) {
  const std::string sealed =
      HexDecode("01000102030405060708090a0b3ae085197e6c992c0fd388ec8e3d4295935b940f1a7130684c7c766c1822d663f161f3")
          .value();
  EXPECT_EQ(OpenValue(std::string(32, '\x07'), {"alice", "profile", "email", 1}, sealed).value(),
            "\"alice@example.org\"");
}

}  // namespace
}  // namespace domicile::crypto
