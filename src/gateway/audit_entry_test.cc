#include "gateway/audit_entry.h"

#include <gtest/gtest.h>

namespace domicile::gateway {
namespace {

AuditEntry Sample() {
  AuditEntry e;
  e.time_unix_micros = 1'700'000'000'123'456;
  e.request_id = "req-1";
  e.principal = R"(Domicile::Employee::"ana")";
  e.authenticated_by = "jwt:https://idp.example";
  e.source_ip = "127.0.0.1";
  e.source_country = "US";
  e.action = "read";
  e.subject = "c3ViamVjdA";
  e.collection = "profile";
  e.fields = {{"profile.phone", View::kPlain, {"us-tns-read"}, {}},
              {"profile.email", View::kNone, {"forbid-foreign-us-data"}, {"policy0: error"}}};
  e.purpose = "investigation";
  e.justification = "T-1";
  e.outcome = "partial";
  e.http_status = 200;
  return e;
}

TEST(AuditEntryTest, FixedKeyOrderOneLine) {
  const std::string json = Sample().ToJson();
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.rfind(R"({"v":1,"time":"2023-11-14T22:13:20.123456Z","request_id":"req-1",)", 0), 0u) << json;
  EXPECT_NE(json.find(R"({"field":"profile.phone","decision":"allow","view":"plain","policies":["us-tns-read"],"errors":[]})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("decision":"deny","view":"none")"), std::string::npos);
}

TEST(AuditEntryTest, RoundTrips) {
  const AuditEntry e = Sample();
  auto back = AuditEntry::FromJson(e.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), e.ToJson());
  EXPECT_EQ(back->time_unix_micros, e.time_unix_micros);
  EXPECT_EQ(back->fields[1].view, View::kNone);
}

TEST(AuditEntryTest, BulkAndShredReceiptRoundTrip) {
  AuditEntry e = Sample();
  e.action = "shred";
  e.bulk = "profiling";
  e.receipt = R"({"digest":"ab","fields_destroyed":3,"type":"vault.shred"})";
  const std::string json = e.ToJson();
  EXPECT_NE(json.find(R"("records":0,"bulk":"profiling","outcome")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"(,"receipt":{"digest":"ab","fields_destroyed":3,"type":"vault.shred"}})"), std::string::npos)
      << "the receipt is embedded byte for byte, last";
  auto back = AuditEntry::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->receipt, e.receipt);
  EXPECT_EQ(back->bulk, "profiling");
  EXPECT_EQ(back->ToJson(), json);
  // Entries written before "bulk" existed still parse.
  std::string old = Sample().ToJson();
  old.erase(old.find(R"("bulk":"",)"), 10);
  EXPECT_TRUE(AuditEntry::FromJson(old).ok()) << old;
}

TEST(AuditEntryTest, RejectsMalformed) {
  EXPECT_FALSE(AuditEntry::FromJson("").ok());
  EXPECT_FALSE(AuditEntry::FromJson("{}").ok());
  std::string json = Sample().ToJson();
  std::string bad_version = json;
  bad_version.replace(bad_version.find("\"v\":1"), 5, "\"v\":2");
  EXPECT_FALSE(AuditEntry::FromJson(bad_version).ok());
  std::string inconsistent = json;
  inconsistent.replace(inconsistent.find("\"decision\":\"deny\""), 17, "\"decision\":\"allow\"");
  EXPECT_FALSE(AuditEntry::FromJson(inconsistent).ok());
  std::string bad_time = json;
  bad_time.replace(bad_time.find("2023-11-14T"), 11, "2023-11-14 ");
  EXPECT_FALSE(AuditEntry::FromJson(bad_time).ok());
}

TEST(AuditEntryTest, TimeFormat) {
  EXPECT_EQ(FormatRfc3339Micros(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(1'000'001), "1970-01-01T00:00:01.000001Z");
}

}  // namespace
}  // namespace domicile::gateway
