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
    store::Mutation m;
    m.subject = "u1";
    m.upsert = store::SubjectRecord{"u1", "US", "wrapped-dek", 1};
    m.put_fields = {{"profile", "phone", 1, "sealed-phone"}, {"profile", "followers", 2, "sealed-followers"}};
    m.put_index = {{"profile.phone", "token-1", "u1"}, {"vault.shred-bucket", "US/7", "u1"}};
    ASSERT_TRUE(enclave_->Apply(m).ok());
  }

  ReplicationBatch Batch(uint64_t seq) {
    auto c = ReadSubjectChange(*enclave_, "u1");
    EXPECT_TRUE(c.ok());
    return ReplicationBatch{"us-1", "de-b", seq, {*c}};
  }

  crypto::Ed25519KeyPair keys_;
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
  EXPECT_EQ(backup_->GetIndexEntries("u1").value(), enclave_->GetIndexEntries("u1").value());
  EXPECT_EQ(backup_->Lookup("vault.shred-bucket", "US/7").value(), std::vector<std::string>{"u1"});
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

TEST_F(ReplicationTest, IndexEntriesAtTheBackupBecomeExactlyTheShippedOnes) {
  BatchApplier applier(backup_.get());
  ASSERT_TRUE(applier.Apply(Batch(1)).ok());
  // The enclave replaces the phone token (a changed value) and drops nothing else.
  store::Mutation m;
  m.subject = "u1";
  m.delete_index = {{"profile.phone", "token-1", "u1"}};
  m.put_index = {{"profile.phone", "token-2", "u1"}};
  ASSERT_TRUE(enclave_->Apply(m).ok());
  auto opened = OpenBatch(SignBatch(Batch(2), keys_.seed).value(), keys_.public_key, "us-1", "de-b");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  ASSERT_TRUE(applier.Apply(*opened).ok());
  EXPECT_EQ(backup_->GetIndexEntries("u1").value(), enclave_->GetIndexEntries("u1").value());
  EXPECT_TRUE(backup_->Lookup("profile.phone", "token-1").value().empty());
  EXPECT_EQ(backup_->Lookup("profile.phone", "token-2").value(), std::vector<std::string>{"u1"});
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
  const std::string put = R"({"subject":"dTE=","op":"put","home":"US","key_blob":"eA==","generation":1,)";
  for (const std::string& bad : std::vector<std::string>{
           R"({"v":2,"from":"us-1","to":"de-b","seq":0,"changes":[]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[],"x":1})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":-1,"changes":[]})",
        R"({"v":1,"from":"us-1","to":"de-b","seq":1,"changes":[]})",  // format 1: no index entries
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"","op":"shred"}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"dTE=","op":"drop"}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"dTE=","op":"put","home":"US","key_blob":"","generation":1,"fields":[],"index":[]}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[)" + put +
            R"("fields":[{"collection":"","field":"f","version":1,"sealed":"eA=="}],"index":[]}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[{"subject":"dTE=","op":"put","home":"US","key_blob":"eA==","generation":"1","fields":[],"index":[]}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[)" + put + R"("fields":[]}]})",  // no index
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[)" + put + R"("fields":[],"index":{}}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[)" + put +
            R"("fields":[],"index":[{"index":"p.e","token":""}]}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[)" + put +
            R"("fields":[],"index":[{"index":"","token":"eA=="}]}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[)" + put +
            R"("fields":[],"index":[{"index":"p.e","token":"eA==","subject":"dTI="}]}]})",
        R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[)" + put +
            R"("fields":[],"index":[{"index":"p.e","token":"!"}]}]})"}) {
    EXPECT_EQ(OpenBatch(sign_raw(bad), keys_.public_key, "us-1", "de-b").status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(OpenBatch(sign_raw(R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[]})"), keys_.public_key,
                        "us-1", "de-b")
                  .ok());
  EXPECT_TRUE(OpenBatch(sign_raw(R"({"v":2,"from":"us-1","to":"de-b","seq":1,"changes":[)" + put +
                                 R"("fields":[],"index":[{"index":"p.e","token":"eA=="}]}]})"),
                        keys_.public_key, "us-1", "de-b")
                  .ok());
  EXPECT_FALSE(backup_->ListSubjects("", 10).value().size());
}

TEST_F(ReplicationTest, ExportRequestsAreSignedAddressedAndFresh) {
  const int64_t now = 1'800'000'000'000'000;
  const ExportRequest req{"us-1", "de-b", std::string("u\0\xff", 3), now};
  const std::string env = SignExportRequest(req, keys_.seed).value();
  auto opened = OpenExportRequest(env, keys_.public_key, "us-1", "de-b", now + 1000);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, req);
  auto other = crypto::Ed25519Generate().value();
  EXPECT_EQ(OpenExportRequest(env, other.public_key, "us-1", "de-b", now).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenExportRequest(env, keys_.public_key, "us-1", "ch-b", now).status().code(),
            StatusCode::kPermissionDenied);
  for (int64_t skew : {kMaxExportRequestAgeMicros + 1, -kMaxExportRequestAgeMicros - 1}) {
    EXPECT_EQ(OpenExportRequest(env, keys_.public_key, "us-1", "de-b", now + skew).status().code(),
              StatusCode::kPermissionDenied)
        << skew;
  }
  // Signatures are domain-separated: a batch never passes as an export request, nor
  // the reverse.
  const std::string batch = SignBatch(Batch(1), keys_.seed).value();
  EXPECT_EQ(OpenExportRequest(batch, keys_.public_key, "us-1", "de-b", now).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenBatch(env, keys_.public_key, "us-1", "de-b").status().code(), StatusCode::kPermissionDenied);
  for (const std::string bad : {"", "{}", "{\"v\":1,\"payload\":\"!\",\"sig\":\"\"}"}) {
    EXPECT_EQ(OpenExportRequest(bad, keys_.public_key, "us-1", "de-b", now).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(ReplicationTest, ExportPagesCoverTheStoreAndParseStrictly) {
  for (int i = 0; i < 300; ++i) {
    const std::string id = "s" + std::to_string(1000 + i);
    store::Mutation m;
    m.subject = id;
    m.upsert = store::SubjectRecord{id, "US", "dek", 1};
    m.put_fields = {{"profile", "phone", 1, "sealed-" + id}};
    m.put_index = {{"profile.phone", "tok-" + id, id}};
    ASSERT_TRUE(enclave_->Apply(m).ok());
  }
  std::vector<std::string> seen;
  std::string after;
  for (bool more = true; more;) {
    auto page = ReadExportPage(*enclave_, after);
    ASSERT_TRUE(page.ok()) << page.status().message();
    ASSERT_LE(page->changes.size(), kMaxExportPage);
    auto parsed = ParseExportPage(EncodeExportPage(*page));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(*parsed, *page);
    for (const SubjectChange& c : parsed->changes) {
      EXPECT_EQ(c, ReadSubjectChange(*enclave_, c.subject).value());
      seen.push_back(c.subject);
    }
    more = parsed->more;
    if (more) after = parsed->changes.back().subject;
  }
  EXPECT_EQ(seen, enclave_->ListSubjects("", 1000).value());
  EXPECT_EQ(seen.size(), 301u);
  for (const std::string bad :
       {"", "[]", R"({"v":2,"changes":[]})", R"({"v":1,"changes":[],"more":false})",
        R"({"v":2,"changes":{},"more":false})", R"({"v":2,"changes":[],"more":0})",
        R"({"v":2,"changes":[],"more":false,"x":1})",
        R"({"v":2,"changes":[{"subject":"dTE=","op":"put","home":"US","key_blob":"eA==","generation":1,"fields":[]}],"more":false})"}) {
    EXPECT_FALSE(ParseExportPage(bad).ok()) << bad;
  }
}

using Taken = ChangeFeed::Taken;

TEST_F(ReplicationTest, ChangeFeedRecordsWritesAndDeletes) {
  ChangeFeed feed(enclave_.get());
  EXPECT_TRUE(feed.Take(10, 0).empty());
  ASSERT_TRUE(feed.MarkAll().ok());
  EXPECT_EQ(feed.Take(10, 0), (std::vector<Taken>{Taken{"u1", ""}}));
  ASSERT_TRUE(feed.DeleteSubject("u1").ok());
  EXPECT_EQ(feed.outbox_size(), 1u);
  auto taken = feed.Take(10, 0);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].subject, "u1");
  EXPECT_EQ(taken[0].outbox.size(), 32u) << "a random intent id";
  EXPECT_TRUE(feed.Take(10, 0).empty());
}

// The deletion's intent is in the store before the delete and survives the feed
// (a crash); a later deletion's intent is not cleared by an acknowledgement of an
// earlier one; no intent, no delete.
TEST_F(ReplicationTest, DeletionIsDurableIntentFirst) {
  std::string intent;
  {
    ChangeFeed feed(enclave_.get());
    ASSERT_TRUE(feed.DeleteSubject("u1").ok());
    intent = feed.Take(10, 0).at(0).outbox;
    EXPECT_EQ(enclave_->GetMeta("replication/outbox/u1").value(), intent);
  }  // "crash": nothing shipped, the feed's memory is gone
  ChangeFeed after(enclave_.get());
  ASSERT_TRUE(after.MarkAll().ok());
  EXPECT_EQ(after.Take(10, 0), (std::vector<Taken>{Taken{"u1", intent}})) << "the lost shred is shipped again";

  // Re-created and deleted again before the first acknowledgement arrives.
  store::Mutation m;
  m.subject = "u1";
  m.upsert = store::SubjectRecord{"u1", "US", "dek-2", 1};
  ASSERT_TRUE(after.Apply(m).ok());
  ASSERT_TRUE(after.DeleteSubject("u1").ok());
  const std::string second = after.Take(10, 0).at(0).outbox;
  ASSERT_NE(second, intent);
  ASSERT_TRUE(after.ClearOutbox("u1", intent).ok());
  EXPECT_EQ(enclave_->GetMeta("replication/outbox/u1").value(), second);
  ASSERT_TRUE(after.ClearOutbox("u1", second).ok());
  EXPECT_EQ(enclave_->GetMeta("replication/outbox/u1").value(), std::nullopt);
  EXPECT_EQ(after.outbox_size(), 0u);

  // A subject whose intent cannot be stored (its outbox key is over the store's
  // name limit) is not deleted.
  const std::string long_id(store::kMaxNameBytes - 4, 'x');
  m.subject = long_id;
  m.upsert = store::SubjectRecord{long_id, "US", "dek", 1};
  ASSERT_TRUE(after.Apply(m).ok());
  EXPECT_EQ(after.DeleteSubject(long_id).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(enclave_->GetSubject(long_id).value().has_value());
}

}  // namespace
}  // namespace domicile::vault
