#include "vault/config.h"

#include <gtest/gtest.h>

#include "vault/blind_index.h"
#include "vault/classification_history.h"
#include "vault/placement.h"

namespace domicile::vault {
namespace {

constexpr char kConfig[] = R"(
site: sg-1
max_value_bytes: 2048
sites:
  - {id: sg-1, jurisdiction: SG, custodian: SG Data Trust, role: enclave}
  - {id: us-bak, jurisdiction: US, custodian: US Vaulting, role: backup}
  - {id: glob, jurisdiction: XX, custodian: Platform, role: global}
collections:
  profile:
    fields:
      email: {category: protected, blind_index: email}
      phone: {category: protected, blind_index: phone}
      display_name: public
      follower_count: interoperable
  videos:
    fields:
      caption: profiling
)";

TEST(VaultConfigTest, ParsesCollectionsSitesAndDefaults) {
  auto c = ParseVaultConfig(kConfig);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->site().jurisdiction, "SG");
  EXPECT_EQ(c->max_value_bytes, 2048u);
  EXPECT_EQ(c->dek_cache_entries, 65536u);  // default
  EXPECT_EQ(c->sites.size(), 3u);
  EXPECT_EQ(c->CategoryOf("profile", "email"), Category::kProtected);
  EXPECT_EQ(c->CategoryOf("profile", "display_name"), Category::kPublic);
  EXPECT_EQ(c->CategoryOf("videos", "caption"), Category::kProfiling);
  EXPECT_EQ(c->CategoryOf("profile", "follower_count"), Category::kInteroperable);
  // Unclassified is protected, in a known or an unknown collection.
  EXPECT_EQ(c->CategoryOf("profile", "birth_date"), Category::kProtected);
  EXPECT_EQ(c->CategoryOf("nope", "x"), Category::kProtected);
  EXPECT_EQ(c->FindCollection("profile")->fields.at("phone").blind_index, Normalizer::kPhone);
}

TEST(VaultConfigTest, RejectsBadConfigsNamingThePath) {
  const std::string base = "site: a\nsites: [{id: a, jurisdiction: SG, custodian: C, role: enclave}]\n";
  struct Case {
    std::string yaml, expect;
  } cases[] = {
      {"", "must be a mapping"},
      {"[1, 2]", "must be a mapping"},
      {"site: a\n", "sites"},
      {base + "collections: {p: {fields: {x: secret}}}", "collections.p.fields.x"},
      {base + "collections: {p: {fields: {x: {category: public, blind_index: soundex}}}}", "blind_index"},
      {base + "collections: {p: {fields: {'a.b': public}}}", "field names"},
      {base + "collections: {p: {fields: {x: public}, extra: 1}}", "unknown key 'extra'"},
      {base + "collections: {p: {fields: {x: public}}}\ncolour: red", "unknown key 'colour'"},
      {"site: b\nsites: [{id: a, jurisdiction: SG, custodian: C, role: enclave}]\ncollections: {}", "not one of"},
      {"site: a\nsites: [{id: a, jurisdiction: SG, custodian: C, role: moon}]\ncollections: {}", "unknown role"},
      {"site: a\nsites: [{id: a, jurisdiction: SG, custodian: C, role: enclave}, "
       "{id: a, jurisdiction: US, custodian: C, role: backup}]\ncollections: {}",
       "duplicate site"},
      {base + "collections: {}\nmax_value_bytes: 0", "max_value_bytes"},
      {base + "collections: {}\nmax_value_bytes: -5", "max_value_bytes"},
      {base + "collections: {}\ndek_cache_entries: -1", "dek_cache_entries"},
      {base + "collections: {}\ndek_cache_entries: 123456789", "dek_cache_entries"},
      {base + "collections: {}\nlowering: [{field: p.x, from: public, to: protected, approved_by: a, reason: r}]",
       "not a lowering"},
      {base + "collections: {}\nlowering: [{field: p.x, from: protected, to: public, approved_by: '', reason: r}]",
       "approved_by"},
      {"site: [unclosed", "YAML"},
  };
  for (const auto& c : cases) {
    auto r = ParseVaultConfig(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
}

TEST(PlacementTest, EachRuleIsNamed) {
  Site sg{"sg-1", "SG", "C", SiteRole::kEnclave};
  Site bak{"bak", "US", "C", SiteRole::kBackup};
  Site glob{"glob", "XX", "C", SiteRole::kGlobal};
  EXPECT_TRUE(CheckPlacement(sg, "SG", Category::kProtected).ok());
  Status s = CheckPlacement(sg, "US", Category::kPublic);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("residency.enclave-home"), std::string::npos);
  s = CheckPlacement(bak, "US", Category::kInteroperable);
  EXPECT_NE(s.message().find("residency.backup-sealed-only"), std::string::npos);
  EXPECT_NE(CheckMayHoldKeys(bak).message().find("residency.backup-sealed-only"), std::string::npos);
  EXPECT_TRUE(CheckMayHoldKeys(sg).ok());
  EXPECT_TRUE(CheckPlacement(glob, "SG", Category::kInteroperable).ok());
  s = CheckPlacement(glob, "SG", Category::kProfiling);
  EXPECT_NE(s.message().find("residency.global-interoperable-only"), std::string::npos);
}

TEST(BlindIndexTest, Normalises) {
  EXPECT_EQ(NormalizeForIndex(Normalizer::kEmail, "  Alice@Example.ORG ").value(), "alice@example.org");
  EXPECT_EQ(NormalizeForIndex(Normalizer::kPhone, "+65 (6123) 4567").value(), "+6561234567");
  EXPECT_EQ(NormalizeForIndex(Normalizer::kPhone, "0065-6123-4567").value(), "+6561234567");
  EXPECT_EQ(NormalizeForIndex(Normalizer::kExact, " x y ").value(), "x y");
  for (const char* bad : {"", "   ", "no-at", "@x", "x@", "a@b@c", "a b@c"}) {
    EXPECT_FALSE(NormalizeForIndex(Normalizer::kEmail, bad).ok()) << bad;
  }
  for (const char* bad : {"12345", "1234567890123456", "+65 61a3 4567", "65+123456"}) {
    EXPECT_FALSE(NormalizeForIndex(Normalizer::kPhone, bad).ok()) << bad;
  }
  auto err = NormalizeForIndex(Normalizer::kEmail, "secret-value");
  EXPECT_EQ(err.status().message().find("secret-value"), std::string::npos);  // never echoes the value
  EXPECT_FALSE(NormalizeForIndex(Normalizer::kNone, "x").ok());
}

VaultConfig WithFields(const std::string& fields, const std::string& lowering = "") {
  return ParseVaultConfig("site: a\nsites: [{id: a, jurisdiction: SG, custodian: C, role: enclave}]\n"
                          "collections:\n  p:\n    fields: " +
                          fields + "\n" + lowering)
      .value();
}

TEST(ClassificationHistoryTest, FirstStartRecordsEverything) {
  auto r = ReconcileClassification(WithFields("{a: public, b: protected}"), std::nullopt, 7).value();
  ASSERT_TRUE(r.record);
  EXPECT_EQ(r.record->previous_digest, "");
  EXPECT_EQ(r.record->changes.size(), 2u);
  EXPECT_TRUE(r.record->changes[0].added);
  auto again = ReconcileClassification(WithFields("{a: public, b: protected}"), r.state, 8).value();
  EXPECT_FALSE(again.record);  // nothing changed, nothing recorded
  EXPECT_EQ(again.state, r.state);
}

TEST(ClassificationHistoryTest, LoweringNeedsAnApprovalAndIsRecorded) {
  auto first = ReconcileClassification(WithFields("{a: protected, b: public}"), std::nullopt, 1).value();
  auto refused = ReconcileClassification(WithFields("{a: public, b: public}"), first.state, 2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("p.a from protected to public"), std::string::npos);
  // An approval for a different lowering does not count.
  EXPECT_FALSE(ReconcileClassification(
                   WithFields("{a: public, b: public}", "lowering: [{field: p.a, from: protected, to: "
                                                        "interoperable, approved_by: dpo, reason: r}]"),
                   first.state, 2)
                   .ok());
  auto ok = ReconcileClassification(
                WithFields("{a: public, b: protected}",
                           "lowering: [{field: p.a, from: protected, to: public, approved_by: dpo, reason: shown}]"),
                first.state, 3)
                .value();
  ASSERT_TRUE(ok.record);
  EXPECT_EQ(ok.record->previous_digest, first.record->digest);
  ASSERT_EQ(ok.record->changes.size(), 2u);
  EXPECT_TRUE(ok.record->changes[0].lowering);
  EXPECT_EQ(ok.record->changes[0].approved_by, "dpo");
  EXPECT_FALSE(ok.record->changes[1].lowering);  // b raised: no approval needed
  EXPECT_NE(ok.record->ToJson().find("\"approved_by\":\"dpo\""), std::string::npos);
}

TEST(ClassificationHistoryTest, NewFieldInKnownCollectionWasProtected) {
  auto first = ReconcileClassification(WithFields("{a: protected}"), std::nullopt, 1).value();
  EXPECT_EQ(ReconcileClassification(WithFields("{a: protected, c: public}"), first.state, 2).status().code(),
            StatusCode::kFailedPrecondition);
  // Dropping a field makes it unclassified, i.e. protected: a raise.
  auto second = ReconcileClassification(WithFields("{a: public}", "lowering: [{field: p.a, from: protected, to: "
                                                                  "public, approved_by: x, reason: y}]"),
                                        first.state, 2)
                    .value();
  auto dropped = ReconcileClassification(WithFields("{z: protected}"), second.state, 3).value();
  ASSERT_TRUE(dropped.record);
}

TEST(ClassificationHistoryTest, RemovingAndReaddingACollectionCannotBypass) {
  VaultConfig with_p = WithFields("{a: protected}");
  auto first = ReconcileClassification(with_p, std::nullopt, 1).value();
  VaultConfig without_p = ParseVaultConfig(
                              "site: a\nsites: [{id: a, jurisdiction: SG, custodian: C, role: enclave}]\n"
                              "collections: {q: {fields: {x: public}}}")
                              .value();
  auto second = ReconcileClassification(without_p, first.state, 2).value();
  EXPECT_EQ(ReconcileClassification(WithFields("{a: public}"), second.state, 3).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReconcileClassification(with_p, std::string("{not json"), 3).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace domicile::vault
