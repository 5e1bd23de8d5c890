#include "monitor/rules.h"

#include <gtest/gtest.h>

#include "gateway/audit_entry.h"

namespace domicile::monitor {
namespace {

constexpr int64_t kT0 = 1'795'000'000'000'000;

ComplianceConfig Config() {
  ComplianceConfig c;
  c.home = "US";
  c.categories = {{"profile.phone", "protected"}, {"videos.caption", "profiling"}, {"stats.count", "interoperable"}};
  c.directory_json = R"([{"uid":{"type":"Domicile::Employee","id":"ana"},"attrs":{"clearance":3},"parents":[]}])";
  c.bulk_records = 100;
  c.deny_spike_threshold = 3;
  c.deny_spike_window_seconds = 60;
  return c;
}

gateway::AuditEntry Read(std::string field, gateway::View view = gateway::View::kPlain) {
  gateway::AuditEntry e;
  e.time_unix_micros = kT0;
  e.request_id = "r";
  e.principal = "Domicile::Employee::\"ana\"";
  e.source_country = "US";
  e.action = "read";
  e.subject = "psn";
  e.collection = field.substr(0, field.find('.'));
  e.fields.push_back({field, view, {"p"}, {}});
  e.purpose = "support";
  e.outcome = view == gateway::View::kNone ? "denied" : "allowed";
  e.http_status = view == gateway::View::kNone ? 403 : 200;
  return e;
}

std::vector<std::string> Rules(ComplianceRules& rules, const gateway::AuditEntry& e, uint64_t index = 0) {
  std::vector<Violation> out;
  rules.Evaluate(index, e.ToJson(), out);
  std::vector<std::string> ids;
  for (const Violation& v : out) ids.push_back(v.rule);
  return ids;
}

using V = std::vector<std::string>;

TEST(RulesTest, CleanReadIsNoViolation) {
  auto rules = ComplianceRules::Create(Config());
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  EXPECT_EQ((*rules)->rule_count(), 4u);
  EXPECT_EQ(Rules(**rules, Read("profile.phone")), V{});
  gateway::AuditEntry denied = Read("profile.phone", gateway::View::kNone);
  denied.source_country = "SG";
  EXPECT_EQ(Rules(**rules, denied), V{});
}

TEST(RulesTest, ForeignAccessToHomeData) {
  auto rules = *ComplianceRules::Create(Config());
  gateway::AuditEntry e = Read("profile.phone");
  e.source_country = "SG";
  EXPECT_EQ(Rules(*rules, e), V{"foreign-access-to-home-data"});
  e.fields[0].view = gateway::View::kMasked;
  EXPECT_EQ(Rules(*rules, e), V{"foreign-access-to-home-data"});
  e.fields[0].view = gateway::View::kPseudonym;  // a pseudonym reveals nothing about the person
  EXPECT_EQ(Rules(*rules, e), V{});
  gateway::AuditEntry agg = Read("stats.count");  // interoperable data may travel
  agg.source_country = "SG";
  EXPECT_EQ(Rules(*rules, agg), V{});
  gateway::AuditEntry unclassified = Read("profile.birthdate");  // unclassified is protected
  unclassified.source_country = "CN";
  EXPECT_EQ(Rules(*rules, unclassified), V{"foreign-access-to-home-data"});
}

TEST(RulesTest, ReadWithoutPurpose) {
  auto rules = *ComplianceRules::Create(Config());
  gateway::AuditEntry e = Read("profile.phone");
  e.purpose = "";
  EXPECT_EQ(Rules(*rules, e), V{"read-without-purpose"});
  e.action = "write";
  EXPECT_EQ(Rules(*rules, e), V{});
}

TEST(RulesTest, BulkReadOfProfilingData) {
  auto rules = *ComplianceRules::Create(Config());
  gateway::AuditEntry e = Read("videos.caption");
  e.records = 500;
  EXPECT_EQ(Rules(*rules, e), V{"bulk-profiling-read"});
  e.records = 5;
  e.action = "export";
  EXPECT_EQ(Rules(*rules, e), V{"bulk-profiling-read"});
  e.action = "read";
  EXPECT_EQ(Rules(*rules, e), V{});
}

TEST(RulesTest, PrincipalNotInDirectory) {
  auto rules = *ComplianceRules::Create(Config());
  gateway::AuditEntry e = Read("profile.phone");
  e.principal = "Domicile::Employee::\"mallory\"";
  EXPECT_EQ(Rules(*rules, e), V{"principal-not-in-directory"});
  e.principal = "";
  EXPECT_EQ(Rules(*rules, e), V{"principal-not-in-directory"});
  e.principal = "not a uid";
  EXPECT_EQ(Rules(*rules, e), V{"principal-not-in-directory"});
}

TEST(RulesTest, DeniedSpikePerPrincipalAndCountry) {
  auto rules = *ComplianceRules::Create(Config());
  gateway::AuditEntry e = Read("profile.phone", gateway::View::kNone);
  e.source_country = "SG";
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) {
    e.time_unix_micros = kT0 + i * 1'000'000;
    for (const std::string& r : Rules(*rules, e, i)) got.push_back(r + "@" + std::to_string(i));
  }
  EXPECT_EQ(got, V{"denied-request-spike@2"});  // once, when it crosses the threshold
  // Another country is another counter; after the window it may fire again.
  e.source_country = "CN";
  EXPECT_EQ(Rules(*rules, e), V{});
  e.source_country = "SG";
  e.time_unix_micros = kT0 + 200'000'000;
  EXPECT_EQ(Rules(*rules, e), V{});
  e.time_unix_micros += 1'000'000;
  EXPECT_EQ(Rules(*rules, e), V{});
  e.time_unix_micros += 1'000'000;
  EXPECT_EQ(Rules(*rules, e), V{"denied-request-spike"});
}

TEST(RulesTest, OutOfOrderAndMalformedEntries) {
  auto rules = *ComplianceRules::Create(Config());
  gateway::AuditEntry e = Read("profile.phone");
  e.time_unix_micros = kT0 + 60'000'000;
  EXPECT_EQ(Rules(*rules, e), V{});
  e.time_unix_micros = kT0 + 58'000'000;  // within the concurrency tolerance
  EXPECT_EQ(Rules(*rules, e), V{});
  e.time_unix_micros = kT0;  // a minute back
  EXPECT_EQ(Rules(*rules, e), V{"entry-out-of-order"});
  std::vector<Violation> out;
  rules->Evaluate(7, "not json", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, "malformed-entry");
  EXPECT_EQ(out[0].index, 7u);
}

TEST(RulesTest, CustodianRulesAndExceptions) {
  ComplianceConfig c = Config();
  c.extra_rules = R"(
@id("night-access") @description("Protected data read at night")
permit (principal, action == Domicile::Action::"read", resource)
when { resource.category == "protected" && context.justification == "" && context.decision == "allow" };
@id("incident-exception")
forbid (principal == Domicile::Employee::"ana", action, resource) when { context.purpose == "incident" };
)";
  auto rules = ComplianceRules::Create(c);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  gateway::AuditEntry e = Read("profile.phone");
  EXPECT_EQ(Rules(**rules, e), V{"night-access"});
  e.purpose = "incident";  // the exception applies
  EXPECT_EQ(Rules(**rules, e), V{});
  e.justification = "T-1";
  e.purpose = "support";
  EXPECT_EQ(Rules(**rules, e), V{});
}

TEST(RulesTest, RuleErrorsAreReported) {
  ComplianceConfig c = Config();
  c.extra_rules = R"(@id("clearance") permit (principal, action, resource) when { principal.clearance < 2 };)";
  auto rules = *ComplianceRules::Create(c);
  gateway::AuditEntry e = Read("profile.phone");
  EXPECT_EQ(Rules(*rules, e), V{});  // ana has clearance 3
  e.principal = "Domicile::Employee::\"zed\"";  // not in the directory: no clearance attribute
  V got = Rules(*rules, e);
  EXPECT_NE(std::find(got.begin(), got.end(), "rule-error"), got.end());
}

TEST(RulesTest, RejectsBadRuleSets) {
  ComplianceConfig c = Config();
  c.extra_rules = "permit (principal, action, resource);";
  EXPECT_FALSE(ComplianceRules::Create(c).ok());  // no @id
  c.extra_rules = R"(@id("x") permit (principal, action, resource) when {)";
  EXPECT_FALSE(ComplianceRules::Create(c).ok());
  c.extra_rules = R"(@id("read-without-purpose") permit (principal, action, resource);)";
  EXPECT_FALSE(ComplianceRules::Create(c).ok());  // duplicate id
  c.extra_rules = "";
  c.directory_json = "{";
  EXPECT_FALSE(ComplianceRules::Create(c).ok());
}

}  // namespace
}  // namespace domicile::monitor
