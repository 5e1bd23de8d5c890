#include "vault/replication.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "store/memory/memory_store.h"

namespace domicile::vault {
namespace {

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = crypto::Ed25519Generate();
    ASSERT_TRUE(pair.ok());
    keys_ = *pair;
    auto config = ParseVaultConfig(R"(site: us-1
sites:
  - {id: us-1, jurisdiction: US, custodian: A, role: enclave}
  - {id: de-b, jurisdiction: DE, custodian: B, role: backup}
  - {id: g, jurisdiction: GLOBAL, custodian: C, role: global}
collections:
  profile:
    fields: {phone: protected, followers: interoperable}
)");
    ASSERT_TRUE(config.ok()) << config.status().message();
    config_ = *config;
    store::Mutation m;
    m.subject = "u1";
    m.upsert = store::SubjectRecord{"u1", "US", "wrapped-dek", 1};
    m.put_fields = {{"profile", "phone", 1, "sealed-phone"}, {"profile", "followers", 2, "sealed-followers"}};
    ASSERT_TRUE(enclave_->Apply(m).ok());
  }

  ReplicationBatch Batch(uint64_t seq, SiteRole role = SiteRole::kBackup) {
    auto c = ReadSubjectChange(*enclave_, "u1", config_, role);
    EXPECT_TRUE(c.ok());
    return ReplicationBatch{"us-1", "de-b", seq, {*c}};
  }

  crypto::Ed25519KeyPair keys_;
  VaultConfig config_;
  std::unique_ptr<store::Store> enclave_ = store::NewMemoryStore();
  std::unique_ptr<store::Store> backup_ = store::NewMemoryStore();
};

TEST_F(ReplicationTest, SignedBatchRoundTripsAndAppliesIdempotently) {
  const ReplicationBatch batch = Batch(1);
  auto env = SignBatch(batch, keys_.seed);
  ASSERT_TRUE(env.ok());
  auto opened = OpenBatch(*env, keys_.public_key, "us-1", "de-b");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, batch);
  BatchApplier applier(backup_.get());
  EXPECT_EQ(applier.Apply(*opened).value_or(0), 1u);
  EXPECT_EQ(backup_->GetAllFields("u1").value(), enclave_->GetAllFields("u1").value());
  EXPECT_EQ(backup_->GetSubject("u1").value(), enclave_->GetSubject("u1").value());
  // A replay of an applied batch changes nothing, even after the subject is gone.
  ASSERT_TRUE(backup_->DeleteSubject("u1").ok());
  EXPECT_EQ(applier.Apply(*opened).value_or(0), 1u);
  EXPECT_FALSE(backup_->GetSubject("u1").value().has_value());
}

TEST_F(ReplicationTest, ShredDeletesAtTheBackup) {
  BatchApplier applier(backup_.get());
  ASSERT_TRUE(applier.Apply(Batch(1)).ok());
  ASSERT_TRUE(enclave_->DeleteSubject("u1").ok());
  const ReplicationBatch shred = Batch(2);
  ASSERT_TRUE(shred.changes[0].shred);
  auto opened = OpenBatch(SignBatch(shred, keys_.seed).value(), keys_.public_key, "us-1", "de-b");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(applier.Apply(*opened).value_or(0), 2u);
  EXPECT_FALSE(backup_->GetSubject("u1").value().has_value());
  EXPECT_EQ(applier.Apply(*opened).value_or(0), 2u) << "shred of an absent subject is a no-op";
}

TEST_F(ReplicationTest, GlobalTargetGetsOnlyInteroperableFields) {
  const ReplicationBatch b = Batch(1, SiteRole::kGlobal);
  ASSERT_EQ(b.changes[0].fields.size(), 1u);
  EXPECT_EQ(b.changes[0].fields[0].field, "followers");
}

TEST_F(ReplicationTest, BadBatchesAreRefusedAndChangeNothing) {
  const std::string env = SignBatch(Batch(1), keys_.seed).value();
  auto other = crypto::Ed25519Generate().value();
  EXPECT_EQ(OpenBatch(env, other.public_key, "us-1", "de-b").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenBatch(env, keys_.public_key, "us-1", "ch-b").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenBatch(env, keys_.public_key, "sg-1", "de-b").status().code(), StatusCode::kPermissionDenied);
  // Flipping any payload byte breaks the signature.
  nlohmann::json j = nlohmann::json::parse(env);
  std::string payload = Base64Decode(j["payload"].get<std::string>()).value();
  payload[payload.size() / 2] ^= 1;
  j["payload"] = Base64Encode(payload);
  EXPECT_EQ(OpenBatch(j.dump(), keys_.public_key, "us-1", "de-b").status().code(), StatusCode::kPermissionDenied);
  for (const std::string bad : {"", "{", "[]", "{\"v\":1}", "{\"v\":2,\"payload\":\"\",\"sig\":\"\"}",
                                "{\"v\":1,\"payload\":\"!!\",\"sig\":\"\"}", "{\"v\":1,\"payload\":1,\"sig\":\"\"}"}) {
    EXPECT_FALSE(OpenBatch(bad, keys_.public_key, "us-1", "de-b").ok()) << bad;
  }
  // Correctly signed but malformed payloads: unknown keys, bad types, seq 0, empty blobs.
  auto sign_raw = [&](const std::string& payload_text) {
    std::string msg = "domicile-replication-v1\n" + payload_text;
    return nlohmann::json({{"v", 1},
                           {"payload", Base64Encode(payload_text)},
                           {"sig", Base64Encode(crypto::Ed25519Sign(keys_.seed, msg).value())}})
        .dump();
  };
  for (const std::string bad :
       {R"({"v":1,"from":"us-1","to":"de-b","seq":0,"changes":[]})",
        R"({"v":1,"from":"us-1","to":"de-b","seq":1,"changes":[],"x":1})",
        R"({"v":1,"from":"us-1","to":"de-b","seq":-1,"changes":[]})",
        R"({"v":1,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"","op":"shred"}]})",
        R"({"v":1,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"dTE=","op":"drop"}]})",
        R"({"v":1,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"dTE=","op":"put","home":"US","key_blob":"","generation":1,"fields":[]}]})",
        R"({"v":1,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"dTE=","op":"put","home":"US","key_blob":"eA==","generation":1,"fields":[{"collection":"","field":"f","version":1,"sealed":"eA=="}]}]})",
        R"({"v":1,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"dTE=","op":"put","home":"US","key_blob":"eA==","generation":"1","fields":[]}]})"}) {
    EXPECT_EQ(OpenBatch(sign_raw(bad), keys_.public_key, "us-1", "de-b").status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(OpenBatch(sign_raw(R"({"v":1,"from":"us-1","to":"de-b","seq":1,"changes":[]})"), keys_.public_key,
                        "us-1", "de-b")
                  .ok());
  EXPECT_FALSE(backup_->ListSubjects("", 10).value().size());
}

TEST_F(ReplicationTest, ChangeFeedRecordsWritesAndDeletes) {
  ChangeFeed feed(enclave_.get());
  EXPECT_TRUE(feed.Take(10, 0).empty());
  ASSERT_TRUE(feed.MarkAll().ok());
  EXPECT_EQ(feed.Take(10, 0), std::vector<std::string>{"u1"});
  ASSERT_TRUE(feed.DeleteSubject("u1").ok());
  EXPECT_FALSE(feed.DeleteSubject("u1").ok());
  EXPECT_EQ(feed.Take(10, 0), std::vector<std::string>{"u1"});
  EXPECT_TRUE(feed.Take(10, 0).empty());
}

}  // namespace
}  // namespace domicile::vault
