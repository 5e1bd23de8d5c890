// The gateway end to end: a `domicile serve` child process with the embedded demo
// configuration, real HTTP over loopback from US (127.0.0.x) and SG (127.0.1.x)
// sources. After every test the server is stopped with SIGTERM and every response the
// test received must have its entry (same request id and status) in a log that verifies.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/temp_dir.h"
#include "gateway_process.h"

namespace domicile::testing {
namespace {

using Json = nlohmann::json;

constexpr char kUs[] = "127.0.0.5";
constexpr char kSg[] = "127.0.1.5";
constexpr char kPhone[] = "+1 415 555 0132";

class GatewayE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = GatewayProcess::Start(dir_.path());
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
  }

  // Every response, allowed or denied, has its own entry in the log, and the log verifies.
  void TearDown() override {
    if (!server_) return;
    ASSERT_TRUE(server_->Terminate().ok());
    auto size = VerifyLog(dir_.path());
    ASSERT_TRUE(size.ok()) << size.status().message();
    EXPECT_EQ(*size, replies_.size() + receipts_.size()) << "one entry per request (two per delete)";
    for (const auto& [index, request_id] : receipts_) {
      auto entry = ReadLogEntry(LogDir(dir_.path()), index);
      ASSERT_TRUE(entry.ok()) << entry.status().message();
      const Json e = Json::parse(*entry);
      EXPECT_EQ(e.value("request_id", ""), request_id);
      EXPECT_EQ(e.value("action", ""), "shred");
    }
    for (const HttpReply& r : replies_) {
      ASSERT_GE(r.AuditIndex(), 0) << "response " << r.status << " " << r.body << " has no Domicile-Audit-Index";
      auto entry = ReadLogEntry(LogDir(dir_.path()), static_cast<uint64_t>(r.AuditIndex()));
      ASSERT_TRUE(entry.ok()) << entry.status().message();
      const Json e = Json::parse(*entry);
      EXPECT_EQ(e.value("request_id", ""), r.RequestId());
      EXPECT_EQ(e.value("status", 0), r.status);
      for (const char* value : {kPhone, "1987-04-12", "a@example.com", "v-17", "my cat"}) {
        EXPECT_EQ(entry->find(value), std::string::npos) << "audit entries never hold data values: " << *entry;
      }
    }
  }

  // A request on a fresh connection; the reply is remembered for TearDown.
  HttpReply Call(const std::string& source, const std::string& method, const std::string& target,
                 const std::string& token, const std::string& purpose, const Headers& extra = {},
                 const std::string& body = "") {
    Headers headers = {{"Authorization", "Bearer " + token}, {"Domicile-Purpose", purpose}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    HttpReply reply = HttpClient(source, server_->port()).Send(method, target, headers, body);
    EXPECT_NE(reply.status, 0) << reply.error;
    if (reply.status != 0) replies_.push_back(reply);
    const Json answer = Json::parse(reply.body, nullptr, false);
    if (answer.is_object() && answer.contains("receipt_audit_index")) {
      receipts_.emplace_back(answer["receipt_audit_index"].get<uint64_t>(), reply.RequestId());
    }
    return reply;
  }

  void PutSubject(const std::string& id) {
    const Json body = {{"home", "US"},
                       {"data",
                        {{"profile", {{"phone", kPhone}, {"birth_date", "1987-04-12"}, {"email", "a@example.com"}}},
                         {"videos", {{"watch_history", Json::array({"v-17", "v-42"})}, {"caption", "my cat"}}}}}};
    HttpReply put = Call("127.0.0.10", "PUT", "/v1/subjects/" + id, DemoToken("ingest"), "ingest", {}, body.dump());
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(Json::parse(put.body).value("written", 0), 5);
  }

  TempDir dir_;
  std::unique_ptr<GatewayProcess> server_;
  std::vector<HttpReply> replies_;
  std::vector<std::pair<uint64_t, std::string>> receipts_;  // a delete's shred entry: index, request id
};

TEST_F(GatewayE2eTest, SameTokenGetsDataFromUsAnd403FromSg) {
  PutSubject("u1");
  const std::string ana = DemoToken("ana");
  HttpReply us = Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone", ana, "investigation");
  ASSERT_EQ(us.status, 200) << us.body;
  EXPECT_EQ(Json::parse(us.body)["fields"]["phone"], Json({{"view", "plain"}, {"value", kPhone}}));
  EXPECT_FALSE(us.RequestId().empty());

  HttpReply sg = Call(kSg, "GET", "/v1/subjects/u1/profile?fields=phone", ana, "investigation");
  EXPECT_EQ(sg.status, 403) << sg.body;
  EXPECT_EQ(sg.body.find(kPhone), std::string::npos);
  EXPECT_EQ(Json::parse(sg.body)["error"].value("status", 0), 403);
}

TEST_F(GatewayE2eTest, SpoofedForwardedForChangesNothing) {
  PutSubject("u1");
  const std::string ana = DemoToken("ana");
  // From SG claiming a US origin: still SG, still refused.
  HttpReply spoofed = Call(kSg, "GET", "/v1/subjects/u1/profile?fields=phone", ana, "investigation",
                           {{"X-Forwarded-For", "127.0.0.5"}, {"Forwarded", "for=127.0.0.5"}, {"X-Real-IP", kUs}});
  EXPECT_EQ(spoofed.status, 403) << spoofed.body;
  EXPECT_EQ(spoofed.body.find(kPhone), std::string::npos);
  // From the US claiming SG: the claim does not count either way.
  HttpReply us = Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone", ana, "investigation",
                      {{"X-Forwarded-For", "127.0.1.5"}});
  EXPECT_EQ(us.status, 200) << us.body;

  // The audit entries record the TCP peer and its mapped country.
  ASSERT_GE(spoofed.AuditIndex(), 0);
  auto entry = ReadLogEntry(LogDir(dir_.path()), static_cast<uint64_t>(spoofed.AuditIndex()));
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  const Json e = Json::parse(*entry);
  EXPECT_EQ(e.value("source_ip", ""), kSg);
  EXPECT_EQ(e.value("source_country", ""), "SG");
  EXPECT_EQ(e.value("outcome", ""), "denied");

  // whoami shows the same location.
  HttpReply who = Call(kSg, "GET", "/v1/whoami", ana, "investigation", {{"X-Forwarded-For", kUs}});
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(Json::parse(who.body).value("source_country", ""), "SG");
  EXPECT_EQ(Json::parse(who.body).value("source_ip", ""), kSg);
}

TEST_F(GatewayE2eTest, ForeignRequesterCannotReadProfilingFields) {
  PutSubject("u1");
  const std::string target = "/v1/subjects/u1/videos?fields=watch_history,caption";
  // The US analyst may (the data is there) ...
  HttpReply ana = Call(kUs, "GET", target, DemoToken("ana"), "investigation");
  ASSERT_EQ(ana.status, 200) << ana.body;
  EXPECT_EQ(Json::parse(ana.body)["fields"]["watch_history"]["view"], "plain");
  // ... the same analyst from SG, and the SG engineer from either network, may not.
  EXPECT_EQ(Call(kSg, "GET", target, DemoToken("ana"), "investigation").status, 403);
  HttpReply wei_sg = Call("127.0.1.7", "GET", target, DemoToken("wei"), "analytics");
  EXPECT_EQ(wei_sg.status, 403) << wei_sg.body;
  HttpReply wei_us = Call("127.0.0.7", "GET", target, DemoToken("wei"), "analytics");
  EXPECT_EQ(wei_us.status, 403) << wei_us.body;
  EXPECT_EQ(wei_us.body.find("v-17"), std::string::npos);

  auto entry = ReadLogEntry(LogDir(dir_.path()), static_cast<uint64_t>(wei_sg.AuditIndex()));
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  EXPECT_NE(entry->find("forbid-foreign-us-data"), std::string::npos) << *entry;
}

TEST_F(GatewayE2eTest, BadTokensGet401) {
  PutSubject("u1");
  const struct {
    const char* name;
    TokenSpec spec;
  } cases[] = {
      {"expired", {.subject = "ana", .issued_at_offset = -7200, .ttl_seconds = 3600}},
      {"not yet valid", {.subject = "ana", .not_before_offset = 3600}},
      {"wrong audience", {.subject = "ana", .audience = "someone-else"}},
      {"forged", {.subject = "ana", .forged = true}},
      {"unknown principal", {.subject = "eve"}},
  };
  for (const auto& c : cases) {
    HttpReply r = Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone", DemoToken(c.spec), "investigation");
    EXPECT_EQ(r.status, 401) << c.name << ": " << r.body;
    EXPECT_FALSE(r.Header("www-authenticate").empty()) << c.name;
    EXPECT_EQ(r.body.find(kPhone), std::string::npos) << c.name;
    const Json body = Json::parse(r.body, nullptr, false);
    EXPECT_EQ(body.is_object() ? body["error"].value("status", 0) : 0, 401) << c.name << ": " << r.body;
  }
  HttpReply garbage = Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone", "not.a.token", "investigation");
  EXPECT_EQ(garbage.status, 401);
  // Tampering with a valid token's payload breaks its signature.
  std::string token = DemoToken("sam");
  const size_t dot = token.find('.');
  token[dot + 2] = token[dot + 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone", token, "support").status, 401);
}

TEST_F(GatewayE2eTest, SupportAgentSeesMaskedViews) {
  PutSubject("u1");
  HttpReply r = Call("127.0.0.6", "GET", "/v1/subjects/u1/profile?fields=phone,birth_date,email", DemoToken("sam"),
                     "support");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json fields = Json::parse(r.body)["fields"];
  EXPECT_EQ(fields["phone"], Json({{"view", "masked"}, {"value", "+* *** *** 0132"}}));
  EXPECT_EQ(fields["birth_date"], Json({{"view", "masked"}, {"value", "1987"}}));
  EXPECT_EQ(fields["email"], Json({{"view", "masked"}, {"value", "***@example.com"}}));
  // Without the support purpose nothing is allowed.
  EXPECT_EQ(Call("127.0.0.6", "GET", "/v1/subjects/u1/profile?fields=phone", DemoToken("sam"), "curiosity").status,
            403);
}

TEST_F(GatewayE2eTest, DeleteShredsTheSubject) {
  PutSubject("u1");
  PutSubject("u2");
  // Only the ingest service deletes, and only from the subject's home network.
  EXPECT_EQ(Call(kUs, "DELETE", "/v1/subjects/u1", DemoToken("ana"), "investigation").status, 403);
  EXPECT_EQ(Call("127.0.1.10", "DELETE", "/v1/subjects/u1", DemoToken("ingest"), "ingest").status, 403);
  HttpReply deleted = Call("127.0.0.10", "DELETE", "/v1/subjects/u1", DemoToken("ingest"), "ingest");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(receipts_.size(), 1u);
  EXPECT_EQ(Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone", DemoToken("ana"), "investigation").status, 404);
  EXPECT_EQ(Call(kUs, "GET", "/v1/subjects/u2/profile?fields=phone", DemoToken("ana"), "investigation").status, 200);
}

TEST_F(GatewayE2eTest, BulkExportOfProfilingDataIsRefusedOrLimited) {
  PutSubject("u1");
  PutSubject("u2");
  const std::string body = R"({"collection":"videos","fields":["watch_history"]})";
  const std::string ana = DemoToken("ana");
  const Headers justified = {{"Domicile-Justification", "case T-1234"}};
  EXPECT_EQ(Call(kUs, "POST", "/v1/export", DemoToken("sam"), "support", justified, body).status, 403);
  EXPECT_EQ(Call(kUs, "POST", "/v1/export", ana, "investigation", {}, body).status, 403) << "no justification";
  EXPECT_EQ(Call(kSg, "POST", "/v1/export", ana, "investigation", justified, body).status, 403) << "from abroad";
  HttpReply page = Call(kUs, "POST", "/v1/export", ana, "investigation", justified, body);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(Json::parse(page.body)["records"].size(), 2u);
  auto entry = ReadLogEntry(LogDir(dir_.path()), static_cast<uint64_t>(page.AuditIndex()));
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  EXPECT_EQ(Json::parse(*entry).value("records", 0), 2);
  // The demo allows 2 export requests per minute per principal and purpose.
  EXPECT_EQ(Call(kUs, "POST", "/v1/export", ana, "investigation", justified, body).status, 200);
  HttpReply limited = Call(kUs, "POST", "/v1/export", ana, "investigation", justified, body);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.Header("retry-after").empty());
  EXPECT_EQ(limited.body.find("v-17"), std::string::npos);
}

}  // namespace
}  // namespace domicile::testing
