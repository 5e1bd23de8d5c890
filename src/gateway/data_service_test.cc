#include "gateway/data_service.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "gateway/config.h"
#include "store/memory/memory_store.h"

namespace domicile::gateway {
namespace {

constexpr char kVaultYaml[] = R"(
site: us-1
sites:
  - {id: us-1, jurisdiction: US, custodian: US Trust, role: enclave}
collections:
  profile:
    fields:
      phone: protected
      language: public
  videos:
    fields:
      caption: profiling
)";

class DataServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GatewayConfig demo = DemoGatewayConfig().value();
    directory_ = demo.directory;
    policies_ = cedar::PolicySet::Parse(demo.policies_text).value();
    entities_ = cedar::Entities::FromJson(directory_->raw_json()).value();
    auto created = crypto::FileKeyring::Create(fs_, "/keyring", {"US"}, /*shred_buckets=*/2).value();
    keyring_ = std::move(created.keyring);
    store_ = store::NewMemoryStore();
    vault_ = vault::Vault::Open(vault::ParseVaultConfig(kVaultYaml).value(), store_.get(), keyring_.get(), &clock_)
                 .value();
    ASSERT_TRUE(vault_->Unseal(created.root_key).ok());
    ASSERT_TRUE(vault_->Put("u1", "US",
                            {{"profile", {{"phone", "+1 415 555 0123"}, {"language", "en"}}},
                             {"videos", {{"caption", "my cat"}}}})
                    .ok());
    DataServiceDeps deps;
    deps.policies = &policies_;
    deps.directory = &entities_;
    deps.vault = vault_.get();
    deps.audit = [this](const AuditEntry& entry) -> Result<uint64_t> {
      if (fail_audit_) return UnavailableError("disk full");
      log_.push_back(entry.ToJson());
      if (during_audit_) std::exchange(during_audit_, nullptr)();
      return log_.size() - 1;
    };
    deps.pseudonym_key = std::string(32, 'k');
    deps.masks = {{"profile.phone", MaskKind::kLastFour}};
    service_ = std::make_unique<DataService>(std::move(deps));
  }

  RequestContext Context(const std::string& ip, const std::string& country, const std::string& purpose) {
    RequestContext c;
    c.request_id = "req-" + std::to_string(log_.size());
    c.time_unix_micros = clock_.NowUnixMicros();
    c.source_ip = IpAddress::Parse(ip).value();
    c.source_country = country;
    c.purpose = purpose;
    return c;
  }
  Result<ReadResult> Read(const std::string& who, const RequestContext& ctx, const std::string& collection,
                          std::vector<std::string> fields = {}) {
    AuditTrail trail;
    return service_->Read(directory_->Find(who).value(), ctx, {"u1", collection, std::move(fields)}, trail);
  }
  Result<AuditEntry> Write(const Principal& who, const RequestContext& ctx, const std::string& subject,
                           const SubjectWrite& w) {
    AuditTrail trail;
    return service_->Write(who, ctx, subject, w, trail);
  }

  testing::MemFileSystem fs_;
  testing::FakeClock clock_;
  std::shared_ptr<const Directory> directory_;
  cedar::PolicySet policies_;
  cedar::Entities entities_;
  std::unique_ptr<crypto::FileKeyring> keyring_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<DataService> service_;
  std::vector<std::string> log_;
  bool fail_audit_ = false;
  std::function<void()> during_audit_;  // runs once, inside the next audit append
};

TEST_F(DataServiceTest, UsAnalystFromUsReadsPlainAndIsLogged) {
  auto r = Read("ana", Context("127.0.0.5", "US", "investigation"), "profile", {"phone"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body["fields"]["phone"]["view"], "plain");
  EXPECT_EQ(r->body["fields"]["phone"]["value"], "+1 415 555 0123");
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], r->audit.ToJson());
  EXPECT_EQ(log_[0].find("555 01"), std::string::npos) << "no data values in the log";
  EXPECT_EQ(r->audit.outcome, "allowed");
  EXPECT_EQ(r->audit.fields.at(0).policy_ids, std::vector<std::string>{"us-tns-read"});
}

TEST_F(DataServiceTest, SupportSeesMaskedOnly) {
  auto r = Read("sam", Context("127.0.0.6", "US", "support"), "profile", {"phone"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body["fields"]["phone"]["view"], "masked");
  EXPECT_EQ(r->body["fields"]["phone"]["value"].get<std::string>().find("415"), std::string::npos);
}

TEST_F(DataServiceTest, SameAnalystFromAbroadIsDeniedAndLogged) {
  auto r = Read("ana", Context("127.0.1.5", "SG", "investigation"), "profile", {"phone"});
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(log_.size(), 1u);
  auto entry = AuditEntry::FromJson(log_[0]).value();
  EXPECT_EQ(entry.outcome, "denied");
  EXPECT_EQ(entry.fields.at(0).view, View::kNone);
  EXPECT_EQ(entry.source_country, "SG");
}

TEST_F(DataServiceTest, ForeignEngineerCannotReadProfiling) {
  auto r = Read("wei", Context("127.1.0.5", "SG", "debugging"), "videos");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(log_.size(), 1u);
}

TEST_F(DataServiceTest, PartialReadMarksDeniedFields) {
  // Support may see masked protected fields, not the public-category language.
  auto r = Read("sam", Context("127.0.0.6", "US", "support"), "profile");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->audit.outcome, "partial");
  EXPECT_FALSE(r->body["fields"].contains("language"));
  EXPECT_EQ(r->body["fields"]["phone"]["view"], "masked");
}

TEST_F(DataServiceTest, AuditFailureMeansUnavailableAndNoData) {
  fail_audit_ = true;
  auto r = Read("ana", Context("127.0.0.5", "US", "investigation"), "profile", {"phone"});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().find("555 01"), std::string::npos);
}

TEST_F(DataServiceTest, BadInput) {
  auto ctx = Context("127.0.0.5", "US", "investigation");
  EXPECT_EQ(Read("ana", ctx, "nope").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Read("ana", ctx, "profile", {"nope"}).status().code(), StatusCode::kInvalidArgument);
  AuditTrail trail;
  EXPECT_EQ(service_->Read(directory_->Find("ana").value(), ctx, {"nobody", "profile", {}}, trail).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(log_.empty());
}

TEST_F(DataServiceTest, IngestWritesFromHomeOnlyAndEveryWriteIsLogged) {
  const Principal ingest = directory_->Find("ingest").value();
  SubjectWrite w{"US", {{"profile", {{"phone", "+1 212 555 0199"}}}}};
  auto denied = Write(ingest, Context("127.0.1.9", "SG", "ingest"), "u2", w);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(vault_->Home("u2").status().code(), StatusCode::kNotFound);
  auto ok = Write(ingest, Context("127.0.0.9", "US", "ingest"), "u2", w);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->fields.at(0).policy_ids, std::vector<std::string>{"ingest-write"});
  EXPECT_EQ(vault_->Home("u2").value(), "US");
  ASSERT_EQ(log_.size(), 2u);
  EXPECT_EQ(log_[1].find("555 01"), std::string::npos);
  // An analyst may not write.
  EXPECT_EQ(Write(directory_->Find("ana").value(), Context("127.0.0.5", "US", "x"), "u2", w).status().code(),
            StatusCode::kPermissionDenied);
  // The home never changes; audit failure writes nothing.
  EXPECT_EQ(Write(ingest, Context("127.0.0.9", "US", "ingest"), "u2",
                            {"SG", {{"profile", {{"phone", "1"}}}}}).status().code(),
            StatusCode::kAlreadyExists);
  fail_audit_ = true;
  EXPECT_EQ(Write(ingest, Context("127.0.0.9", "US", "ingest"), "u3", w).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(vault_->Home("u3").status().code(), StatusCode::kNotFound);
}

TEST_F(DataServiceTest, ReadFailsClosedForAShreddedSubjectAndASealedVault) {
  auto ctx = Context("127.0.0.5", "US", "investigation");
  // Shredded between the decision (logged) and the read: the subject record the
  // read began with is not used, nothing is returned.
  during_audit_ = [this] { ASSERT_TRUE(vault_->Delete("u1").ok()); };
  auto r = Read("ana", ctx, "profile", {"phone"});
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(Read("ana", ctx, "profile", {"phone"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_.size(), 1u) << "an unknown subject is refused before any decision";
  ASSERT_TRUE(vault_->Put("u2", "US", {{"profile", {{"language", "en"}}}}).ok());
  vault_->Seal();
  AuditTrail trail;
  EXPECT_EQ(service_->Read(directory_->Find("ana").value(), ctx, {"u2", "profile", {}}, trail).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(log_.size(), 1u);
}

TEST_F(DataServiceTest, DeleteNeedsEveryFieldAndShredsOnlyAfterTheDecisionIsLogged) {
  const Principal ingest = directory_->Find("ingest").value();
  AuditTrail trail;
  EXPECT_EQ(service_->Delete(ingest, Context("127.0.1.9", "SG", "erasure"), "u1", trail).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(vault_->Home("u1").ok());
  fail_audit_ = true;
  trail = {};
  EXPECT_EQ(service_->Delete(ingest, Context("127.0.0.9", "US", "erasure"), "u1", trail).status().code(),
            StatusCode::kUnavailable);
  EXPECT_TRUE(trail.attempted);
  EXPECT_FALSE(trail.index.has_value());
  EXPECT_TRUE(vault_->Home("u1").ok()) << "nothing is shredded without a logged decision";
  fail_audit_ = false;
  trail = {};
  auto deleted = service_->Delete(ingest, Context("127.0.0.9", "US", "erasure"), "u1", trail);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*trail.index + 1, deleted->receipt_index);
  EXPECT_EQ(vault_->Home("u1").status().code(), StatusCode::kNotFound);
  auto shred = AuditEntry::FromJson(log_.back()).value();
  EXPECT_EQ(shred.action, "shred");
  EXPECT_EQ(shred.receipt, deleted->receipt.ToJson());
}

TEST_F(DataServiceTest, LookupAndExportAreRefusedWithoutALoggedDecision) {
  const Principal ana = directory_->Find("ana").value();
  AuditTrail trail;
  // The test vault has no blind index on any field.
  EXPECT_EQ(service_->Lookup(ana, Context("127.0.0.5", "US", "investigation"), {"profile", "phone", "+1"}, trail)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(trail.attempted) << "the route logs the refusal";
  // Export is not configured here (no store, no limiter): refused before any decision.
  EXPECT_EQ(service_->Export(ana, Context("127.0.0.5", "US", "investigation"), {"profile"}, trail).status().code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace domicile::gateway
