// The assembled gateway (GatewayApp with the demo configuration) over real loopback
// sockets, RocksDB in a temporary data directory and the real audit log: the demo
// scenario, every request in the log, delete with its receipt, lookup, export limits,
// readiness, restart, and fail-closed behaviour when the log cannot append.
#include "server/gateway_app.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "fakes/mem_file_system.h"
#include "fakes/temp_dir.h"
#include "gateway/audit_entry.h"
#include "gateway/config.h"
#include "gateway/jwt.h"
#include "tlog/checkpoint.h"
#include "tlog/log_reader.h"
#include "tlog/note.h"
#include "tlog/tiles.h"
#include "test_client.h"

namespace domicile::server {
namespace {

using nlohmann::json;
using testing::TestConnection;
using testing::TestResponse;

constexpr char kUs[] = "127.0.0.5";
constexpr char kSg[] = "127.0.1.5";
constexpr char kPhone[] = "+1 415 555 0123";

class GatewayAppTest : public ::testing::Test {
 protected:
  void SetUp() override { StartApp(); }
  void TearDown() override {
    if (app_ != nullptr) {
      EXPECT_TRUE(app_->Shutdown().ok());
    }
  }

  void StartApp(FileSystem* fs = nullptr) {
    auto config = gateway::DemoGatewayConfig();
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    config->threads = 2;
    GatewayAppOptions options;
    options.data_dir = dir_.path() + "/data";
    options.port = 0;
    options.fs = fs;
    auto app = GatewayApp::Start(*config, options);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(*app);
  }

  static std::string Token(const std::string& sub) {
    const gateway::Ed25519Jwk key = gateway::DemoIdentityProviderKey();
    gateway::JwtIssueOptions o{key.seed, key.key_id, std::string(gateway::kDemoIssuer), sub,
                               {std::string(gateway::kDemoAudience)}, Clock::System()->NowUnixMicros() / 1'000'000,
                               600, 0};
    return gateway::IssueJwt(o).value();
  }

  // The bytes of one request; `headers` are extra "Name: value\r\n" lines, `who` ""
  // for no token and "-" for a malformed one.
  static std::string Raw(const std::string& method, const std::string& path, const std::string& who,
                         const std::string& headers = "", const std::string& body = "") {
    std::string raw = method + " " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n";
    if (!who.empty()) raw += "Authorization: Bearer " + (who == "-" ? std::string("garbage") : Token(who)) + "\r\n";
    raw += headers;
    if (!body.empty() || method == "PUT" || method == "POST") {
      raw += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    return raw + "\r\n" + body;
  }

  // One request from `source`.
  TestResponse Call(const std::string& source, const std::string& method, const std::string& path,
                    const std::string& who, const std::string& headers = "", const std::string& body = "") {
    TestConnection c(source, app_->port());
    TestResponse r = c.Exchange(Raw(method, path, who, headers, body));
    if (r.headers.contains("domicile-audit-index")) indices_.insert(std::stoull(r.headers.at("domicile-audit-index")));
    if (path.starts_with("/v1/")) ++calls_;
    return r;
  }
  static std::string Purpose(const std::string& p) { return "Domicile-Purpose: " + p + "\r\n"; }

  void PutDemoSubject(const std::string& id) {
    TestResponse r = Call(kUs, "PUT", "/v1/subjects/" + id, "ingest", Purpose("ingest"),
                          json{{"home", "US"},
                               {"data",
                                {{"profile", {{"phone", kPhone}, {"email", "Ada@Example.org"}, {"language", "en"}}},
                                 {"videos", {{"caption", "my cat"}}}}}}
                              .dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // Every entry of the log, after verifying the whole log against its key.
  std::vector<gateway::AuditEntry> LogEntries(FileSystem& fs) {
    auto verifier = tlog::NewVerifier(app_->log_verifier_key()).value();
    const tlog::NoteVerifier* known[] = {verifier.get()};
    auto report = tlog::AuditLog(fs, app_->log_dir(), known);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    std::vector<gateway::AuditEntry> out;
    if (!report.ok()) return out;
    const uint64_t size = report->checkpoint.size;
    for (uint64_t start = 0; start < size; start += 256) {
      const uint64_t width = std::min<uint64_t>(256, size - start);
      auto bundle = tlog::ReadBundleFile(fs, app_->log_dir(), start / 256, width == 256 ? 0 : width);
      EXPECT_TRUE(bundle.ok()) << bundle.status().ToString();
      if (!bundle.ok()) return out;
      auto entries = tlog::SplitBundle(*bundle);
      EXPECT_TRUE(entries.ok());
      if (!entries.ok()) return out;
      for (std::string_view e : *entries) {
        for (std::string_view value : {"415 555", "Example.org", "my cat"}) {
          EXPECT_EQ(e.find(value), std::string_view::npos) << "a data value in the log: " << e;
        }
        auto entry = gateway::AuditEntry::FromJson(e);
        EXPECT_TRUE(entry.ok()) << entry.status().ToString();
        if (entry.ok()) out.push_back(std::move(*entry));
      }
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<GatewayApp> app_;
  std::set<uint64_t> indices_;
  size_t calls_ = 0;
};

TEST_F(GatewayAppTest, DemoScenarioEveryRequestIsLoggedAndTheLogVerifies) {
  PutDemoSubject("u1");
  // The US analyst from a US address reads plain, with a purpose.
  TestResponse ana = Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone,email", "ana", Purpose("investigation"));
  ASSERT_EQ(ana.status, 200) << ana.body;
  EXPECT_EQ(json::parse(ana.body)["fields"]["phone"], (json{{"view", "plain"}, {"value", kPhone}}));
  EXPECT_TRUE(ana.headers.contains("domicile-request-id"));
  // Without a purpose, nothing.
  EXPECT_EQ(Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone", "ana").status, 403);
  // Support sees masked values.
  TestResponse sam = Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone,email", "sam", Purpose("support"));
  ASSERT_EQ(sam.status, 200) << sam.body;
  EXPECT_EQ(json::parse(sam.body)["fields"]["phone"]["view"], "masked");
  EXPECT_EQ(json::parse(sam.body)["fields"]["email"]["value"], "***@Example.org");
  EXPECT_EQ(sam.body.find("415"), std::string::npos) << "last4 keeps only the last four digits";
  // The same analyst's token from the SG network, spoofed X-Forwarded-For or not: 403.
  EXPECT_EQ(Call(kSg, "GET", "/v1/subjects/u1/profile", "ana", Purpose("investigation")).status, 403);
  TestResponse spoofed = Call(kSg, "GET", "/v1/subjects/u1/profile", "ana",
                              Purpose("investigation") + "X-Forwarded-For: 127.0.0.5\r\n");
  EXPECT_EQ(spoofed.status, 403);
  EXPECT_EQ(spoofed.body.find("555 01"), std::string::npos);
  // The engineer in SG: no protected, no profiling data.
  EXPECT_EQ(Call(kSg, "GET", "/v1/subjects/u1/profile", "wei", Purpose("debugging")).status, 403);
  EXPECT_EQ(Call(kSg, "GET", "/v1/subjects/u1/videos", "wei", Purpose("debugging")).status, 403);
  // Refusals before any decision are logged too: 401, 400 (header, body, query), 404.
  TestResponse unauthenticated = Call(kUs, "GET", "/v1/subjects/u1/profile", "-");
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_TRUE(unauthenticated.headers.contains("domicile-audit-index"));
  EXPECT_EQ(Call(kUs, "GET", "/v1/subjects/u1/profile", "ana", Purpose("Bad Purpose")).status, 400);
  EXPECT_EQ(Call(kUs, "GET", "/v1/subjects/u1/profile?fields=a,,b", "ana", Purpose("x")).status, 400);
  EXPECT_EQ(Call(kUs, "PUT", "/v1/subjects/u2", "ingest", Purpose("ingest"), "{\"home\":").status, 400);
  EXPECT_EQ(Call(kUs, "GET", "/v1/subjects/nobody/profile", "ana", Purpose("x")).status, 404);
  EXPECT_EQ(Call(kUs, "GET", "/v1/whoami", "ana").status, 200);
  // Not /v1: not audited.
  EXPECT_EQ(Call(kUs, "GET", "/readyz", "").status, 200);

  EXPECT_EQ(indices_.size(), calls_) << "one distinct audit index per /v1 response";
  ASSERT_TRUE(app_->Shutdown().ok());
  std::vector<gateway::AuditEntry> log = LogEntries(*FileSystem::Default());
  ASSERT_EQ(log.size(), calls_);
  EXPECT_EQ(*indices_.rbegin(), calls_ - 1);
  std::map<int, int> by_status;
  for (const auto& e : log) ++by_status[e.http_status];
  EXPECT_EQ(by_status[200], 4);
  EXPECT_EQ(by_status[403], 5);
  EXPECT_EQ(by_status[401], 1);
  EXPECT_EQ(by_status[400], 3);
  EXPECT_EQ(by_status[404], 1);
  const auto refused = std::find_if(log.begin(), log.end(), [](const auto& e) { return e.http_status == 401; });
  EXPECT_EQ(refused->principal, "unauthenticated");
  EXPECT_EQ(refused->outcome, "denied");
  EXPECT_EQ(refused->source_country, "US");
  app_.reset();
}

TEST_F(GatewayAppTest, DeleteIsDecidedAuditedAndReturnsTheShredReceipt) {
  PutDemoSubject("u1");
  EXPECT_EQ(Call(kUs, "DELETE", "/v1/subjects/u1", "ana", Purpose("investigation")).status, 403);
  EXPECT_EQ(Call(kSg, "DELETE", "/v1/subjects/u1", "ingest", Purpose("erasure")).status, 403);
  TestResponse deleted = Call(kUs, "DELETE", "/v1/subjects/u1", "ingest", Purpose("erasure"));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  json body = json::parse(deleted.body);
  EXPECT_EQ(body["receipt"]["type"], "vault.shred");
  EXPECT_EQ(body["receipt"]["fields_destroyed"], 4);
  EXPECT_EQ(body["receipt_audit_index"].get<uint64_t>(), body["audit_index"].get<uint64_t>() + 1);
  EXPECT_EQ(deleted.headers.at("domicile-audit-index"), std::to_string(body["audit_index"].get<uint64_t>()));
  EXPECT_EQ(Call(kUs, "GET", "/v1/subjects/u1/profile", "ana", Purpose("investigation")).status, 404);
  EXPECT_EQ(Call(kUs, "DELETE", "/v1/subjects/u1", "ingest", Purpose("erasure")).status, 404);

  ASSERT_TRUE(app_->Shutdown().ok());
  std::vector<gateway::AuditEntry> log = LogEntries(*FileSystem::Default());
  ASSERT_EQ(log.size(), calls_ + 1) << "a delete writes a decision entry and a receipt entry";
  const gateway::AuditEntry& shred = log[body["receipt_audit_index"].get<uint64_t>()];
  EXPECT_EQ(shred.action, "shred");
  EXPECT_EQ(json::parse(shred.receipt)["digest"], body["receipt"]["digest"]);
  EXPECT_EQ(log[body["audit_index"].get<uint64_t>()].action, "delete");
  app_.reset();
}

TEST_F(GatewayAppTest, LookupByBlindIndex) {
  PutDemoSubject("u1");
  PutDemoSubject("u2");
  const std::string lookup = R"({"collection":"profile","field":"email","value":"  ada@example.ORG "})";
  TestResponse found = Call(kUs, "POST", "/v1/lookup", "ana", Purpose("investigation"), lookup);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(json::parse(found.body)["subjects"], (json{"u1", "u2"}));
  TestResponse none = Call(kUs, "POST", "/v1/lookup", "ana", Purpose("investigation"),
                           R"({"collection":"profile","field":"phone","value":"+1 212 555 0100"})");
  EXPECT_EQ(json::parse(none.body)["subjects"], json::array());
  EXPECT_EQ(Call(kSg, "POST", "/v1/lookup", "ana", Purpose("investigation"), lookup).status, 403);
  EXPECT_EQ(Call(kUs, "POST", "/v1/lookup", "sam", Purpose("support"), lookup).status, 403);
  // No blind index on the field; a value the normaliser refuses; malformed bodies.
  EXPECT_EQ(Call(kUs, "POST", "/v1/lookup", "ana", Purpose("x"),
                 R"({"collection":"profile","field":"language","value":"en"})").status, 400);
  EXPECT_EQ(Call(kUs, "POST", "/v1/lookup", "ana", Purpose("x"),
                 R"({"collection":"profile","field":"email","value":"no-at-sign"})").status, 400);
  for (const char* bad : {"", "[]", "{}", R"({"collection":"profile","field":"email","value":7})",
                          R"({"collection":"profile","field":"email","value":"a@b","x":1})"}) {
    TestResponse r = Call(kUs, "POST", "/v1/lookup", "ana", Purpose("x"), bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(json::parse(r.body, nullptr, false).contains("error")) << r.body;
  }
  EXPECT_EQ(indices_.size(), calls_);
}

TEST_F(GatewayAppTest, ExportIsDecidedLimitedAndLoggedAsBulk) {
  for (const char* id : {"u1", "u2", "u3"}) PutDemoSubject(id);
  const std::string investigation = Purpose("investigation");
  // Profiling data: refused without a justification, whoever asks.
  TestResponse refused = Call(kUs, "POST", "/v1/export", "ana", investigation, R"({"collection":"videos"})");
  EXPECT_EQ(refused.status, 403) << refused.body;
  // Paged export of protected fields, in plain for the analyst.
  TestResponse page = Call(kUs, "POST", "/v1/export", "ana", investigation,
                           R"({"collection":"profile","fields":["phone"],"limit":2})");
  ASSERT_EQ(page.status, 200) << page.body;
  json j = json::parse(page.body);
  ASSERT_EQ(j["records"].size(), 2u);
  EXPECT_EQ(j["records"][0]["fields"]["phone"]["value"], kPhone);
  EXPECT_EQ(j["next_cursor"], "u2");
  // With a justification profiling data goes out; the demo limit is 2 exports a minute.
  TestResponse profiling = Call(kUs, "POST", "/v1/export", "ana", investigation + "Domicile-Justification: T-1\r\n",
                                R"({"collection":"videos","cursor":"u2"})");
  ASSERT_EQ(profiling.status, 200) << profiling.body;
  EXPECT_EQ(json::parse(profiling.body)["records"].size(), 1u);
  TestResponse limited = Call(kUs, "POST", "/v1/export", "ana", investigation, R"({"collection":"profile"})");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_TRUE(limited.headers.contains("retry-after"));
  // Another purpose has its own bucket, but the engineer abroad may not export at all.
  EXPECT_EQ(Call(kSg, "POST", "/v1/export", "wei", Purpose("debugging"), R"({"collection":"profile"})").status, 403);
  for (const char* bad : {R"({"collection":"profile","limit":0})", R"({"collection":"profile","limit":1001})",
                          R"({"collection":"profile","fields":"phone"})", R"({"collection":"nope"})",
                          R"({"collection":"profile","home":"us"})"}) {
    EXPECT_EQ(Call(kUs, "POST", "/v1/export", "ana", Purpose("other"), bad).status, 400) << bad;
  }

  ASSERT_TRUE(app_->Shutdown().ok());
  std::vector<gateway::AuditEntry> log = LogEntries(*FileSystem::Default());
  ASSERT_EQ(log.size(), calls_);
  std::vector<std::pair<std::string, int>> exports;
  for (const auto& e : log) {
    if (e.action == "export" && e.http_status != 400) exports.emplace_back(e.bulk, e.http_status);
  }
  const std::vector<std::pair<std::string, int>> want = {
      {"profiling", 403}, {"export", 200}, {"profiling", 200}, {"export", 429}, {"export", 403}};
  EXPECT_EQ(exports, want);
  app_.reset();
}

TEST_F(GatewayAppTest, RestartKeepsDataAndContinuesTheLog) {
  PutDemoSubject("u1");
  ASSERT_TRUE(app_->Shutdown().ok());
  app_.reset();
  StartApp();
  TestResponse r = Call(kUs, "GET", "/v1/subjects/u1/profile?fields=phone", "ana", Purpose("investigation"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("domicile-audit-index"), "1");
  EXPECT_EQ(Call(kUs, "GET", "/readyz", "").status, 200);
}

TEST(GatewayAppStartTest, ProductionConfigNeedsTheCustodiansKeyring) {
  auto config = gateway::DemoGatewayConfig();
  ASSERT_TRUE(config.ok());
  config->demo = false;
  testing::TempDir dir;
  GatewayAppOptions options;
  options.data_dir = dir.path();
  options.port = 0;
  auto app = GatewayApp::Start(*config, options);
  EXPECT_EQ(app.status().code(), StatusCode::kFailedPrecondition) << app.status().ToString();
}

// The gateway with its audit log (and keys) on a file system that fails on demand;
// RocksDB keeps the real data directory, which is therefore made here.
class GatewayAppFailClosedTest : public GatewayAppTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/data");
    StartApp(&fs_);
  }
  void TearDown() override { app_.reset(); }  // before fs_ goes

  // The next file operation fails, and what was not durable is lost: the next commit
  // of the log fails.
  void FailNextCommit() {
    fs_.SetFault(fs_.op_count() + 1);
    fs_.SetCrashAfterFault(true);
  }

  testing::MemFileSystem fs_;
};

TEST_F(GatewayAppFailClosedTest, NoDataWhenTheLogCannotAppend) {
  PutDemoSubject("u1");
  FailNextCommit();
  TestResponse r = Call(kUs, "GET", "/v1/subjects/u1/profile", "ana", Purpose("investigation"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("555 01"), std::string::npos);
  EXPECT_FALSE(r.headers.contains("domicile-audit-index"));
  EXPECT_EQ(testing::Get(kUs, app_->port(), "/readyz").status, 503);
  EXPECT_FALSE(app_->Shutdown().ok()) << "the failed commit is reported at close";
}

// Many reads in flight when the log fails: each one is answered 503, without data and
// without an index, whether its entry was in the failed commit or submitted after it.
TEST_F(GatewayAppFailClosedTest, EveryPendingReadFailsClosedWhenTheLogFails) {
  PutDemoSubject("u1");
  const std::string read = Raw("GET", "/v1/subjects/u1/profile", "ana", Purpose("investigation"));
  constexpr int kClients = 12;
  std::vector<std::unique_ptr<TestConnection>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<TestConnection>(kUs, app_->port()));
  FailNextCommit();
  std::vector<TestResponse> answers(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] { answers[i] = clients[i]->Exchange(read); });
  }
  for (std::thread& t : threads) t.join();
  for (const TestResponse& r : answers) {
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.body.find("555 01"), std::string::npos);
    EXPECT_FALSE(r.headers.contains("domicile-audit-index"));
  }
  EXPECT_EQ(testing::Get(kUs, app_->port(), "/readyz").status, 503);
  EXPECT_FALSE(app_->Shutdown().ok());
}

}  // namespace
}  // namespace domicile::server
