#include "gateway/audit_entry.h"

#include <gtest/gtest.h>

#include <random>

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

// ToJson writes by hand what the nlohmann reference writes: same bytes for random
// text (quotes, backslashes, control bytes, multi-byte and broken UTF-8), lists and numbers.
TEST(AuditEntryTest, DirectEncodingMatchesTheReference) {
  std::mt19937_64 rng(20261129);
  const std::vector<std::string> pieces = {"a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t",
                                           std::string(1, '\0'), "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
                                           "\xf0\x9f\x98\x80", "\xed\x9f\xbf", "\xc3", "\xff", "\xc0\xaf", "\xed\xa0\x80",
                                           "\xf4\x90\x80\x80", "\xe0\x80\x80", "::", "\\u00"};
  auto text = [&] {
    std::string out;
    for (int n = static_cast<int>(rng() % 6); n > 0; --n) out += pieces[rng() % pieces.size()];
    return out;
  };
  for (int i = 0; i < 2000; ++i) {
    AuditEntry e;
    e.time_unix_micros = static_cast<int64_t>(rng() % 4'000'000'000'000'000ULL);
    for (std::string* s : {&e.request_id, &e.principal, &e.authenticated_by, &e.source_ip, &e.source_country,
                           &e.action, &e.subject, &e.collection, &e.purpose, &e.justification, &e.bulk, &e.outcome,
                           &e.reason}) {
      *s = text();
    }
    for (int f = static_cast<int>(rng() % 3); f > 0; --f) {
      FieldDecision d{text(), static_cast<View>(rng() % 4), {}, {}};
      for (int p = static_cast<int>(rng() % 3); p > 0; --p) d.policy_ids.push_back(text());
      for (int p = static_cast<int>(rng() % 2); p > 0; --p) d.errors.push_back(text());
      e.fields.push_back(std::move(d));
    }
    e.records = rng();
    e.http_status = static_cast<int>(rng() % 600) - 1;
    if (i % 50 == 0) e.receipt = R"({"digest":"ab", "n":1})";
    ASSERT_EQ(e.ToJson(), internal::AuditEntryToJsonReference(e)) << "case " << i;
  }
  EXPECT_EQ(Sample().ToJson(), internal::AuditEntryToJsonReference(Sample()));
}

}  // namespace
}  // namespace domicile::gateway
