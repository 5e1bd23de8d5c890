#include "scan/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scan/egress_guard.h"
#include "scan/residency.h"

namespace domicile::scan {
namespace {

std::string Render(ReportFormat format, const std::vector<LocatedFinding>& findings) {
  char* buf = nullptr;
  size_t size = 0;
  std::FILE* f = open_memstream(&buf, &size);
  auto r = MakeReporter(format, f);
  r->Add("dir/a \"q\".txt", findings);
  ScanStats stats{1, 100, findings.size(), 0};
  r->Finish(stats);
  std::fclose(f);
  std::string out(buf, size);
  free(buf);
  return out;
}

std::vector<LocatedFinding> Sample() {
  return {{{10, 16, Entity::kEmailAddress, 0.9f}, "j***@*******.com"},
          {{40, 11, Entity::kUsSsn, 0.754f}, "***-**-**34"}};
}

TEST(ReportTest, JsonlIsExactlyTheDocumentedShape) {
  EXPECT_EQ(Render(ReportFormat::kJsonl, Sample()),
            "{\"path\":\"dir/a \\\"q\\\".txt\",\"offset\":10,\"length\":16,\"entity\":\"EMAIL_ADDRESS\",\"score\":0.90}\n"
            "{\"path\":\"dir/a \\\"q\\\".txt\",\"offset\":40,\"length\":11,\"entity\":\"US_SSN\",\"score\":0.75}\n");
}

TEST(ReportTest, SarifIsValidJsonWithResultsAndRules) {
  auto j = nlohmann::json::parse(Render(ReportFormat::kSarif, Sample()));
  EXPECT_EQ(j["version"], "2.1.0");
  ASSERT_EQ(j["runs"][0]["results"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["results"][1]["ruleId"], "US_SSN");
  EXPECT_EQ(j["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["byteOffset"], 40);
  EXPECT_EQ(j["runs"][0]["tool"]["driver"]["rules"].size(), size_t{kEntityCount});
}

TEST(ReportTest, SummaryAndTextCountPerPathAndEntity) {
  auto j = nlohmann::json::parse(Render(ReportFormat::kSummary, Sample()));
  EXPECT_EQ(j["findings"], 2);
  EXPECT_EQ(j["by_entity"]["US_SSN"], 1);
  EXPECT_EQ(j["by_path"][0]["counts"]["EMAIL_ADDRESS"], 1);
  std::string text = Render(ReportFormat::kText, Sample());
  EXPECT_NE(text.find("EMAIL_ADDRESS"), std::string::npos);
  EXPECT_NE(text.find("***-**-**34 @40"), std::string::npos);
}

TEST(ReportTest, InvalidUtf8PathsStillMakeValidJson) {
  EXPECT_NO_THROW(nlohmann::json::parse(JsonQuote("a\xff\xfe")));
}

TEST(ResidencyTest, CountsWhatLivesWhereItMayNot) {
  auto config = ParseResidencyConfig(R"({
    "sites": [{"id": "sg-1", "jurisdiction": "SG", "role": "enclave"},
              {"id": "us-bk", "jurisdiction": "US", "role": "backup"},
              {"id": "glob", "jurisdiction": "EU", "role": "global", "allow": ["IP_ADDRESS"]}],
    "locations": {"/data/sg/": "sg-1", "/data/backup/": "us-bk", "/data/": "glob"}})");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ResidencyReport report(*config);
  LocatedFinding email{{0, 5, Entity::kEmailAddress, 1}, "x"};
  LocatedFinding ip{{0, 5, Entity::kIpAddress, 1}, "x"};
  report.Add("/data/sg/users.csv", {email, email});
  report.Add("/data/backup/dump.sql", {email});
  report.Add("/data/analytics.jsonl", {email, ip});
  report.Add("/tmp/x", {ip});
  EXPECT_EQ(report.violations(), 3u);
  auto j = nlohmann::json::parse(report.ToJson());
  ASSERT_EQ(j["sites"].size(), 3u);
  EXPECT_EQ(j["sites"][0]["site"], "(unmapped)");
  EXPECT_EQ(j["sites"][1]["site"], "glob");
  EXPECT_EQ(j["sites"][1]["counts"]["EMAIL_ADDRESS"], 1);
  EXPECT_EQ(j["sites"][2]["role"], "backup");
  EXPECT_EQ(j["sites"][2]["paths"]["/data/backup/dump.sql"], 1);
}

TEST(ResidencyTest, BadConfigsAreRejected) {
  EXPECT_FALSE(ParseResidencyConfig("[").ok());
  EXPECT_FALSE(ParseResidencyConfig(R"({"sites":[{"id":"a","role":"moon"}]})").ok());
  EXPECT_FALSE(ParseResidencyConfig(R"({"sites":[{"id":"a","role":"enclave"}],"locations":{"/x":"b"}})").ok());
  EXPECT_FALSE(ParseResidencyConfig(R"({"sites":[{"id":"a","role":"backup","allow":["NOPE"]}]})").ok());
  EXPECT_FALSE(ParseResidencyConfig(R"({"sites":[{"id":"a","role":"backup"},{"id":"a","role":"backup"}]})").ok());
}

TEST(EgressGuardTest, BlocksOrReports) {
  auto block = EgressGuard::Create({});
  ASSERT_TRUE(block.ok());
  auto v = (*block)->Check(R"({"user":{"phone":"+1 415 555 2671","dob":"1990-05-17"}})", "application/json");
  EXPECT_TRUE(v.blocked);
  ASSERT_EQ(v.findings.size(), 2u);
  EXPECT_EQ(v.findings[1].entity, Entity::kDateOfBirth);
  EXPECT_EQ(v.masked[1].find("1990"), std::string::npos);
  EXPECT_FALSE((*block)->Check(R"({"status":"ok","count":3})", "application/json").blocked);

  EgressPolicy report;
  report.mode = EgressPolicy::Mode::kReport;
  report.max_body_bytes = 10;
  auto guard = EgressGuard::Create(report);
  ASSERT_TRUE(guard.ok());
  EXPECT_FALSE((*guard)->Check("bob@example.com", "text/plain").blocked);
  EXPECT_FALSE((*guard)->Check("bob@example.com", "text/plain").scanned);

  EgressPolicy strict;
  strict.max_body_bytes = 10;
  auto strict_guard = EgressGuard::Create(strict);
  ASSERT_TRUE(strict_guard.ok());
  EXPECT_TRUE((*strict_guard)->Check(std::string(11, 'a'), "text/plain").blocked);  // fail closed
}

}  // namespace
}  // namespace domicile::scan
