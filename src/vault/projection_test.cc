#include "vault/projection.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/x25519_seal.h"
#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "store/memory/memory_store.h"
#include "vault/replication.h"

namespace domicile::vault {
namespace {

constexpr char kSites[] = R"(
sites:
  - {id: us-1, jurisdiction: US, custodian: US Trust, role: enclave}
  - {id: glob, jurisdiction: GLOBAL, custodian: Platform, role: global}
collections:
  profile:
    fields:
      phone: {category: protected, blind_index: phone}
      followers: interoperable
  videos:
    fields:
      caption: profiling
  stats:
    fields:
      bucket: interoperable
)";

// One side of the projection: a vault with its own keyring and store.
struct Side {
  explicit Side(const std::string& site, const std::string& jurisdiction) {
    auto created = crypto::FileKeyring::Create(fs, "/keyring", {jurisdiction}, /*shred_buckets=*/2).value();
    keyring = std::move(created.keyring);
    store = store::NewMemoryStore();
    vault = Vault::Open(ParseVaultConfig("site: " + site + kSites).value(), store.get(), keyring.get(), &clock).value();
    EXPECT_TRUE(vault->Unseal(created.root_key).ok());
  }
  testing::MemFileSystem fs;
  testing::FakeClock clock;
  std::unique_ptr<crypto::FileKeyring> keyring;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Vault> vault;
};

class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(enclave_.vault
                    ->Put("kim", "US",
                          {{"profile", {{"phone", "+1 415 555 0132"}, {"followers", 1234}}},
                           {"videos", {{"caption", "a cat"}}},
                           {"stats", {{"bucket", "1k-10k"}}}})
                    .ok());
  }
  ProjectionBatch Batch(uint64_t seq, std::vector<ProjectionChange> changes) {
    return {"us-1", "glob", seq, std::move(changes)};
  }
  std::string Seal(const ProjectionBatch& b) {
    return SealProjectionBatch(b, signer_.seed, site_key_.public_key).value();
  }
  Result<ProjectionBatch> Open(const std::string& envelope) {
    return OpenProjectionBatch(envelope, signer_.public_key, site_key_.private_key, "us-1", "glob");
  }

  Side enclave_{"us-1", "US"};
  Side global_{"glob", "GLOBAL"};
  crypto::Ed25519KeyPair signer_ = crypto::Ed25519Generate().value();
  crypto::X25519KeyPair site_key_ = crypto::X25519Generate().value();
};

TEST_F(ProjectionTest, HoldsOnlyInteroperableValuesUnderAKeyedPseudonym) {
  ProjectionChange c = ReadProjection(*enclave_.vault, *enclave_.keyring, "kim").value();
  EXPECT_FALSE(c.drop);
  EXPECT_EQ(c.pseudonym, HexEncode(enclave_.keyring->BlindIndexToken("global.subject", "kim").value()));
  EXPECT_EQ(c.pseudonym.size(), 64u);
  EXPECT_EQ(c.values, (FieldValues{{"profile", {{"followers", 1234}}}, {"stats", {{"bucket", "1k-10k"}}}}));
  // Another keyring (another custodian) gives another pseudonym: P depends on the key.
  Side other{"us-1", "US"};
  EXPECT_NE(ReadProjection(*other.vault, *other.keyring, "kim").value().pseudonym, c.pseudonym);
  const std::string payload = EncodeProjectionPayload(Batch(1, {c}));
  // (Whole values: a fragment such as "555" can occur in the hex pseudonym by chance.)
  for (const char* leak : {"kim", "+1 415 555 0132", "a cat", "phone", "caption", "videos"}) {
    EXPECT_EQ(payload.find(leak), std::string::npos) << leak;
  }
}

TEST_F(ProjectionTest, AbsentOrUninteroperableSubjectsAreDrops) {
  ASSERT_TRUE(enclave_.vault->Put("lee", "US", {{"profile", {{"phone", "+1 212 555 0199"}}}}).ok());
  EXPECT_TRUE(ReadProjection(*enclave_.vault, *enclave_.keyring, "lee").value().drop);
  ASSERT_TRUE(enclave_.vault->Delete("kim").ok());
  ProjectionChange gone = ReadProjection(*enclave_.vault, *enclave_.keyring, "kim").value();
  EXPECT_TRUE(gone.drop);
  EXPECT_TRUE(gone.values.empty());
  enclave_.vault->Seal();
  EXPECT_EQ(ReadProjection(*enclave_.vault, *enclave_.keyring, "lee").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ProjectionTest, SealedBatchRoundTripsAndOnlyTheGlobalSiteOpensIt) {
  const ProjectionBatch b =
      Batch(3, {ReadProjection(*enclave_.vault, *enclave_.keyring, "kim").value(), {std::string(64, 'a'), true, {}}});
  const std::string envelope = Seal(b);
  EXPECT_TRUE(IsProjectionEnvelope(envelope));
  const std::string sealed = Base64Decode(nlohmann::json::parse(envelope)["payload"].get<std::string>()).value();
  EXPECT_EQ(sealed.find("1k-10k"), std::string::npos);
  EXPECT_EQ(Open(envelope).value(), b);
  // Another site's key opens nothing.
  const crypto::X25519KeyPair other = crypto::X25519Generate().value();
  EXPECT_EQ(OpenProjectionBatch(envelope, signer_.public_key, other.private_key, "us-1", "glob").status().code(),
            StatusCode::kPermissionDenied);
  // Another signer, sender or recipient: refused.
  const crypto::Ed25519KeyPair mallory = crypto::Ed25519Generate().value();
  EXPECT_EQ(OpenProjectionBatch(envelope, mallory.public_key, site_key_.private_key, "us-1", "glob").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenProjectionBatch(envelope, signer_.public_key, site_key_.private_key, "sg-1", "glob").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenProjectionBatch(envelope, signer_.public_key, site_key_.private_key, "us-1", "glob2").status().code(),
            StatusCode::kPermissionDenied);
  // A change-stream batch is no projection, and the reverse.
  const std::string stream = SignBatch({"us-1", "glob", 1, {}}, signer_.seed).value();
  EXPECT_FALSE(IsProjectionEnvelope(stream));
  EXPECT_EQ(Open(stream).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(OpenBatch(envelope, signer_.public_key, "us-1", "glob").ok());
}

TEST_F(ProjectionTest, TamperedEnvelopesAreRefused) {
  const std::string envelope = Seal(Batch(1, {ReadProjection(*enclave_.vault, *enclave_.keyring, "kim").value()}));
  nlohmann::json j = nlohmann::json::parse(envelope);
  std::string payload = Base64Decode(j["payload"].get<std::string>()).value();
  payload[payload.size() / 2] ^= 1;
  nlohmann::json flipped = j;
  flipped["payload"] = Base64Encode(payload);
  EXPECT_EQ(Open(flipped.dump()).status().code(), StatusCode::kPermissionDenied);  // signature no longer verifies
  // Re-signed by the sender after tampering: the seal still catches it.
  flipped["sig"] = Base64Encode(crypto::Ed25519Sign(signer_.seed, "domicile-projection-v1\n" + payload).value());
  EXPECT_EQ(Open(flipped.dump()).status().code(), StatusCode::kPermissionDenied);
  for (const char* bad : {"", "[]", "{}", R"({"v":1,"kind":"projection","payload":"","sig":""})",
                          R"({"v":2,"kind":"projection","payload":"AA==","sig":"AA=="})",
                          R"({"v":1,"kind":"stream","payload":"AA==","sig":"AA=="})",
                          R"({"v":1,"kind":"projection","payload":"!!","sig":"AA=="})"}) {
    Result<ProjectionBatch> r = Open(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().code() == StatusCode::kInvalidArgument || r.status().code() == StatusCode::kPermissionDenied)
        << bad << ": " << r.status().ToString();
  }
  nlohmann::json extra = j;
  extra["x"] = 1;
  EXPECT_EQ(Open(extra.dump()).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ProjectionTest, PayloadParsingIsStrict) {
  const std::string p64(64, 'b');
  EXPECT_TRUE(ParseProjectionPayload(R"({"v":1,"from":"a","to":"b","seq":1,"changes":[{"pseudonym":")" + p64 +
                                     R"(","op":"put","values":{"stats":{"bucket":"x"}}}]})")
                  .ok());
  for (const std::string& bad : std::vector<std::string>{
           "not json",
           R"({"v":1,"from":"a","to":"b","seq":0,"changes":[]})",
           R"({"v":2,"from":"a","to":"b","seq":1,"changes":[]})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":{}})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":[],"x":1})",
           R"({"v":1,"from":"a","to":"b","seq":-1,"changes":[]})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":[{"pseudonym":"kim","op":"drop"}]})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":[{"pseudonym":")" + std::string(64, 'B') +
               R"(","op":"drop"}]})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":[{"pseudonym":")" + p64 + R"(","op":"shred"}]})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":[{"pseudonym":")" + p64 + R"(","op":"drop","values":{}}]})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":[{"pseudonym":")" + p64 + R"(","op":"put","values":{}}]})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":[{"pseudonym":")" + p64 +
               R"(","op":"put","values":{"stats":{}}}]})",
           R"({"v":1,"from":"a","to":"b","seq":1,"changes":[{"pseudonym":")" + p64 +
               R"(","op":"put","values":{"stats":1}}]})",
       }) {
    EXPECT_FALSE(ParseProjectionPayload(bad).ok()) << bad;
  }
  std::string many = R"({"v":1,"from":"a","to":"b","seq":1,"changes":[)";
  for (size_t i = 0; i <= kMaxBatchChanges; ++i)
    many += std::string(i ? "," : "") + R"({"pseudonym":")" + p64 + R"(","op":"drop"})";
  EXPECT_EQ(ParseProjectionPayload(many + "]}").status().code(), StatusCode::kResourceExhausted);
}

TEST_F(ProjectionTest, GlobalSiteStoresSealedUnderItsOwnKeyAndDropShreds) {
  ProjectionApplier applier(global_.vault.get(), global_.store.get());
  const ProjectionChange kim = ReadProjection(*enclave_.vault, *enclave_.keyring, "kim").value();
  ASSERT_EQ(applier.Apply(Batch(1, {kim})).value(), 1u);
  std::vector<FieldValue> got = global_.vault->Get(kim.pseudonym, "stats", {}).value();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, "1k-10k");
  EXPECT_EQ(global_.vault->Home(kim.pseudonym).value(), "GLOBAL");
  EXPECT_EQ(global_.store->ListSubjects("", 10).value(), std::vector<std::string>{kim.pseudonym});
  // A replay changes nothing (the cursor stays).
  ProjectionChange changed = kim;
  changed.values["stats"]["bucket"] = "10k+";
  EXPECT_EQ(applier.Apply(Batch(1, {changed})).value(), 1u);
  EXPECT_EQ(global_.vault->Get(kim.pseudonym, "stats", {}).value()[0].value, "1k-10k");
  // A drop shreds P; dropping an absent P again is no error.
  ASSERT_EQ(applier.Apply(Batch(2, {{kim.pseudonym, true, {}}})).value(), 2u);
  EXPECT_EQ(global_.vault->Get(kim.pseudonym, "stats", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(applier.Apply(Batch(3, {{kim.pseudonym, true, {}}})).value(), 3u);
}

TEST_F(ProjectionTest, GlobalSiteRefusesAnyNonInteroperableValueAndAppliesNothing) {
  ProjectionApplier applier(global_.vault.get(), global_.store.get());
  const ProjectionChange kim = ReadProjection(*enclave_.vault, *enclave_.keyring, "kim").value();
  ProjectionChange leak{std::string(64, 'c'), false, {{"profile", {{"phone", "+1 415 555 0132"}}}}};
  Result<uint64_t> r = applier.Apply(Batch(1, {kim, leak}));
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().ToString().find("residency.global-interoperable-only"), std::string::npos);
  ProjectionChange unclassified{std::string(64, 'd'), false, {{"stats", {{"new_field", 1}}}}};
  EXPECT_EQ(applier.Apply(Batch(1, {kim, unclassified})).status().code(), StatusCode::kPermissionDenied);
  ProjectionChange unknown{std::string(64, 'e'), false, {{"nope", {{"x", 1}}}}};
  EXPECT_EQ(applier.Apply(Batch(1, {kim, unknown})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(global_.store->ListSubjects("", 10).value().empty());
  EXPECT_FALSE(global_.store->GetMeta("projection/cursor/us-1").value().has_value());
}

}  // namespace
}  // namespace domicile::vault
