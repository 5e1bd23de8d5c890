// The acceptance tests of the custodian's monitor: a log written by tlog::Appender
// with audit entries in the gateway's format, published by the server's log
// publication on loopback, cosigned by witnesses over HTTP (tlog-witness), and
// followed by the monitor over HTTP. Each kind of tampering is its own test, and a
// clean run must report nothing.
#include <gtest/gtest.h>

#include <mutex>

#include "cedar/cedar.h"
#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "fakes/temp_dir.h"
#include "fakes/test_certs.h"
#include "gateway/audit_entry.h"
#include "monitor/evidence.h"
#include "monitor/http_client.h"
#include "monitor/monitor.h"
#include "monitor/report.h"
#include "monitor/witness_service.h"
#include "server/http_server.h"
#include "server/log_publication.h"
#include "tlog/appender.h"
#include "tlog/cosignature.h"
#include "tlog/log_reader.h"
#include "tlog/witness.h"

namespace domicile::monitor {
namespace {

using testing::FakeClock;
using testing::MemFileSystem;

constexpr char kOrigin[] = "us.domicile.example/audit";
constexpr int64_t kStart = 1'795'000'000'000'000;  // 2026-11-18

constexpr char kDirectory[] = R"([
  {"uid":{"type":"Domicile::Employee","id":"ana"},"attrs":{"work_country":"US"},"parents":[]},
  {"uid":{"type":"Domicile::Employee","id":"bob"},"attrs":{"work_country":"SG"},"parents":[]}
])";

// The gateway's decision for one field under a policy set: the view it returns.
gateway::View Decide(const cedar::PolicySet& policies, const std::string& principal, const std::string& country,
                     const std::string& field) {
  cedar::Entities none;
  none.Finalize();
  cedar::Request req{{"Domicile::Employee", principal},
                     {"Domicile::Action", "read"},
                     {"Domicile::Field", field},
                     cedar::Value::Record({{"source_country", cedar::Value(country)}})};
  cedar::Response r = cedar::Authorize(policies, none, req, {.strict = true});
  return r.decision == cedar::Decision::kAllow ? gateway::View::kPlain : gateway::View::kNone;
}

std::string Entry(int64_t time, const std::string& principal, const std::string& country, const std::string& field,
                  gateway::View view, const std::string& purpose = "support", const std::string& policy = "us-read") {
  gateway::AuditEntry e;
  e.time_unix_micros = time;
  e.request_id = "req-" + std::to_string(time);
  e.principal = principal.empty() ? "" : "Domicile::Employee::\"" + principal + "\"";
  e.authenticated_by = "jwt:https://idp.example";
  e.source_ip = country == "US" ? "10.1.0.5" : "10.9.0.5";
  e.source_country = country;
  e.action = "read";
  e.subject = "psn-" + std::to_string(time % 97);
  e.collection = field.substr(0, field.find('.'));
  e.fields.push_back({field, view, view == gateway::View::kNone ? std::vector<std::string>{}
                                                                : std::vector<std::string>{policy}, {}});
  e.purpose = purpose;
  e.outcome = view == gateway::View::kNone ? "denied" : "allowed";
  e.http_status = view == gateway::View::kNone ? 403 : 200;
  return e.ToJson();
}

// Normal traffic: ana reads from the US, an occasional denied attempt from SG.
std::vector<std::string> CleanEntries(int n, int64_t t0 = kStart) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    int64_t t = t0 + int64_t(i) * 1'000'000;
    if (i % 10 == 9) out.push_back(Entry(t, "bob", "SG", "profile.phone", gateway::View::kNone));
    else out.push_back(Entry(t, "ana", "US", i % 2 ? "profile.phone" : "videos.caption", gateway::View::kPlain));
  }
  return out;
}

class MonitorIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_keys_ = *tlog::GenerateNoteKey(kOrigin);
    for (const char* name : {"witness.custodian.example/w1", "witness.regulator.example/w2"}) {
      witness_keys_.push_back(*tlog::GenerateCosignerKey(name));
    }
    // The log and its publication, with /log/checkpoint carrying the cosignatures.
    router_ = std::make_shared<server::Router>();
    auto& router = router_;
    router->Add("GET", "/log/checkpoint", [this](const server::HttpRequest&) {
      std::lock_guard<std::mutex> l(mu_);
      server::HttpResponse r;
      r.content_type = "text/plain; charset=utf-8";
      r.body = served_checkpoint_;
      return r;
    });
    server::AddLogPublicationRoutes(*router, "/log", &log_fs_);
    auto log_server = server::HttpServer::Start({.threads = 2}, router, nullptr, {});
    ASSERT_TRUE(log_server.ok()) << log_server.status().ToString();
    log_server_ = std::move(*log_server);
    // Two witnesses, each its own server with its own state.
    for (size_t i = 0; i < witness_keys_.size(); ++i) {
      auto w = tlog::Witness::Open(witness_fs_, "/witness" + std::to_string(i), witness_keys_[i].private_key,
                                   {{kOrigin, {log_keys_.verifier_key}}}, &clock_);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      auto wr = std::make_shared<server::Router>();
      AddWitnessRoutes(*wr, w->get());
      auto ws = server::HttpServer::Start({.threads = 1}, wr, nullptr, {});
      ASSERT_TRUE(ws.ok());
      auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string((*ws)->port()));
      witness_clients_.push_back(std::make_unique<tlog::WitnessClient>(
          std::make_unique<HttpWitnessTransport>(std::move(*client)),
          std::move(*tlog::NewCosignatureVerifier(witness_keys_[i].verifier_key))));
      witnesses_.push_back(std::move(*w));
      witness_servers_.push_back(std::move(*ws));
    }
    ASSERT_TRUE(tlog::CreateLog(log_fs_, "/log", kOrigin, log_keys_.private_key).ok());
  }
  void TearDown() override {
    log_server_.reset();
    witness_servers_.clear();
  }

  MonitorConfig Config(size_t quorum = 1) {
    MonitorConfig c;
    c.log_url = "http://127.0.0.1:" + std::to_string(log_server_->port()) + "/log";
    c.origin = kOrigin;
    c.log_keys = {log_keys_.verifier_key};
    for (const auto& k : witness_keys_) c.witness_keys.push_back(k.verifier_key);
    c.quorum = quorum;
    c.state_dir = "/monitor";
    c.compliance.home = "US";
    c.compliance.categories = {{"profile.phone", "protected"}, {"videos.caption", "profiling"}};
    c.compliance.directory_json = kDirectory;
    return c;
  }
  std::unique_ptr<Monitor> OpenMonitor(size_t quorum = 1) {
    auto source = NewHttpLogSource(Config(quorum).log_url);
    auto m = Monitor::Open(monitor_fs_, Config(quorum), std::move(*source), &clock_);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? std::move(*m) : nullptr;
  }

  void Append(const std::vector<std::string>& entries) {
    auto app = tlog::Appender::Open(log_fs_, "/log", log_keys_.private_key);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    for (const std::string& e : entries) ASSERT_TRUE((*app)->Submit(e).ok());
    ASSERT_TRUE((*app)->Close().ok());
  }
  // The operator rewrites history: the log directory is rebuilt from `entries`
  // with the same key, as an operator holding the log key could.
  void Rewrite(const std::vector<std::string>& entries) {
    RemoveTree("/log");
    ASSERT_TRUE(tlog::CreateLog(log_fs_, "/log", kOrigin, log_keys_.private_key).ok());
    Append(entries);
  }
  void RemoveTree(const std::string& dir) {
    auto names = log_fs_.ListDir(dir);
    if (!names.ok()) return;
    for (const std::string& n : *names) {
      std::string p = dir + "/" + n;
      if (log_fs_.ListDir(p).ok()) RemoveTree(p);
      else ASSERT_TRUE(log_fs_.Remove(p).ok());
    }
  }
  // Publishes the log's checkpoint with the cosignatures of the first `cosigners`
  // witnesses that agree to cosign it. Returns how many did.
  int Publish(size_t cosigners = 2) {
    std::string note = *tlog::ReadCheckpointFile(log_fs_, "/log");
    std::string lines;
    int cosigned = 0;
    for (size_t i = 0; i < cosigners && i < witness_clients_.size(); ++i) {
      auto line = witness_clients_[i]->Cosign(note, [&](uint64_t old) -> Result<std::vector<std::string>> {
        ASSIGN_OR_RETURN(tlog::AddCheckpointRequest r, tlog::ProveConsistency(log_fs_, "/log", old));
        return r.proof;
      });
      if (line.ok()) {
        lines += *line;
        ++cosigned;
      }
    }
    std::lock_guard<std::mutex> l(mu_);
    served_checkpoint_ = lines.empty() ? note : *tlog::AddSignatureLines(note, lines);
    return cosigned;
  }

  static bool Has(const PollResult& r, const std::string& kind, std::optional<uint64_t> index = std::nullopt) {
    for (const Finding& f : r.findings) {
      if (f.kind == kind && (!index || f.index == index)) return true;
    }
    return false;
  }
  static std::string Kinds(const PollResult& r) {
    std::string s;
    for (const Finding& f : r.findings) s += f.kind + (f.index ? "@" + std::to_string(*f.index) : "") + ": " + f.detail + "\n";
    for (const Violation& v : r.violations) s += v.rule + "@" + std::to_string(v.index) + "\n";
    return s;
  }
  // The evidence file of a finding verifies on its own with the log's key only.
  void ExpectPortableProof(const Finding& f) {
    ASSERT_FALSE(f.evidence.empty()) << f.kind;
    auto text = monitor_fs_.ReadFile("/monitor/evidence/" + f.evidence);
    ASSERT_TRUE(text.ok());
    auto proof = ParseMisbehaviourProof(*text);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    auto key = tlog::NewVerifier(log_keys_.verifier_key);
    const tlog::NoteVerifier* k = key->get();
    EXPECT_TRUE(VerifyMisbehaviourProof(*proof, std::span(&k, 1)).ok());
    // And it does not verify under another log's key.
    auto other = tlog::GenerateNoteKey(kOrigin);
    auto other_key = tlog::NewVerifier(other->verifier_key);
    const tlog::NoteVerifier* o = other_key->get();
    EXPECT_FALSE(VerifyMisbehaviourProof(*proof, std::span(&o, 1)).ok());
  }
  const Finding* Find(const PollResult& r, const std::string& kind) {
    for (const Finding& f : r.findings) {
      if (f.kind == kind) return &f;
    }
    return nullptr;
  }

  FakeClock clock_{kStart + 3'600'000'000};
  MemFileSystem log_fs_, witness_fs_, monitor_fs_;
  tlog::NoteKeyPair log_keys_;
  std::vector<tlog::NoteKeyPair> witness_keys_;
  std::vector<std::unique_ptr<tlog::Witness>> witnesses_;
  std::vector<std::unique_ptr<tlog::WitnessClient>> witness_clients_;
  std::vector<std::unique_ptr<server::HttpServer>> witness_servers_;
  std::shared_ptr<server::Router> router_;
  std::unique_ptr<server::HttpServer> log_server_;
  std::mutex mu_;
  std::string served_checkpoint_;  // guarded by mu_
};

// The same publication behind mutual TLS: the monitor reaches it with the custodian's
// CA bundle and client certificate, and gets nothing without the certificate.
TEST_F(MonitorIntegrationTest, FollowsALogPublishedOverMutualTls) {
  testing::TempDir dir;
  testing::KeyAndCert ca, server_cert, client_cert;
  testing::MakeCert({.cn = "Custodian CA", .ca = true}, nullptr, ca);
  testing::MakeCert({.cn = "gateway", .san = "IP:127.0.0.1"}, &ca, server_cert);
  testing::MakeCert({.cn = "monitor"}, &ca, client_cert);
  ASSERT_TRUE(testing::WritePem(dir.path() + "/ca.pem", ca.cert, nullptr));
  ASSERT_TRUE(testing::WritePem(dir.path() + "/gw.pem", server_cert.cert, nullptr));
  ASSERT_TRUE(testing::WritePem(dir.path() + "/gw.key", nullptr, server_cert.key));
  ASSERT_TRUE(testing::WritePem(dir.path() + "/mon.pem", client_cert.cert, nullptr));
  ASSERT_TRUE(testing::WritePem(dir.path() + "/mon.key", nullptr, client_cert.key));
  server::ServerOptions o{.threads = 1, .tls = true};
  o.tls_options = {dir.path() + "/gw.pem", dir.path() + "/gw.key", dir.path() + "/ca.pem", true};
  auto tls_server = server::HttpServer::Start(o, router_, nullptr, {});
  ASSERT_TRUE(tls_server.ok()) << tls_server.status().ToString();
  Append(CleanEntries(40));
  ASSERT_EQ(Publish(), 2);

  MonitorConfig c = Config(2);
  c.log_url = "https://127.0.0.1:" + std::to_string((*tls_server)->port()) + "/log";
  c.log_tls.ca_file = dir.path() + "/ca.pem";
  auto anonymous = Monitor::Open(monitor_fs_, c, std::move(*NewHttpLogSource(c.log_url, c.log_tls)), &clock_);
  ASSERT_TRUE(anonymous.ok()) << anonymous.status().ToString();
  EXPECT_EQ((*anonymous)->Poll().status().code(), StatusCode::kUnavailable);
  anonymous->reset();

  c.log_tls.client_cert = dir.path() + "/mon.pem";
  c.log_tls.client_key = dir.path() + "/mon.key";
  auto m = Monitor::Open(monitor_fs_, c, std::move(*NewHttpLogSource(c.log_url, c.log_tls)), &clock_);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto r = (*m)->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size, 40u);
  EXPECT_TRUE(r->findings.empty() && r->violations.empty()) << Kinds(*r);
}

TEST_F(MonitorIntegrationTest, CleanRunReportsNothing) {
  auto m = OpenMonitor(2);
  ASSERT_TRUE(m);
  Append(CleanEntries(300));  // crosses a full tile and bundle
  ASSERT_EQ(Publish(), 2);
  auto r = m->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->advanced);
  EXPECT_EQ(r->size, 300u);
  EXPECT_GE(r->tiles_checked, 3u);
  EXPECT_TRUE(r->findings.empty() && r->violations.empty()) << Kinds(*r);
  Append(CleanEntries(60, kStart + 300'000'000));
  ASSERT_EQ(Publish(), 2);
  r = m->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size, 360u);
  EXPECT_TRUE(r->findings.empty() && r->violations.empty()) << Kinds(*r);
  r = m->Poll();  // nothing new
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->advanced);
  EXPECT_TRUE(r->findings.empty());

  // The state survives a restart and the mirror re-verifies.
  m.reset();
  m = OpenMonitor(2);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->size(), 360u);

  auto report = BuildEvidenceReport(*m, Config(2), kStart, kStart + 86'400'000'000, clock_.NowUnixMicros());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_NE(report->json.find("\"entries\": 360"), std::string::npos);
  EXPECT_NE(report->json.find("\"violations\": []"), std::string::npos);
  EXPECT_NE(report->json.find("\"integrity_findings\": []"), std::string::npos);
  EXPECT_NE(report->html.find("<svg"), std::string::npos);
  EXPECT_EQ(report->html.find("src="), std::string::npos);  // self-contained
  EXPECT_EQ(report->html.find("<link"), std::string::npos);
}

TEST_F(MonitorIntegrationTest, CatchesARewrittenEntry) {
  auto m = OpenMonitor();
  std::vector<std::string> entries = CleanEntries(20);
  Append(entries);
  Publish();
  ASSERT_TRUE(m->Poll().ok());
  ASSERT_EQ(m->size(), 20u);
  // Entry 7 becomes a harmless-looking read by someone else; the log grows on.
  entries[7] = Entry(kStart + 7'000'000, "ana", "US", "videos.caption", gateway::View::kNone);
  for (const std::string& e : CleanEntries(5, kStart + 20'000'000)) entries.push_back(e);
  Rewrite(entries);
  EXPECT_EQ(Publish(), 0);  // the witnesses refuse an inconsistent checkpoint
  auto r = m->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Has(*r, "entry-rewritten", 7)) << Kinds(*r);
  EXPECT_FALSE(r->advanced);
  EXPECT_EQ(m->size(), 20u);
  ExpectPortableProof(*Find(*r, "entry-rewritten"));
  // Reported once, not on every poll.
  r = m->Poll();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->findings.empty());
  auto all = m->Findings();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(MonitorIntegrationTest, CatchesADeletedEntry) {
  auto m = OpenMonitor();
  std::vector<std::string> entries = CleanEntries(20);
  Append(entries);
  Publish();
  ASSERT_TRUE(m->Poll().ok());
  entries.erase(entries.begin() + 9);  // the denied attempt from SG disappears
  for (const std::string& e : CleanEntries(3, kStart + 20'000'000)) entries.push_back(e);
  Rewrite(entries);
  Publish();
  auto r = m->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Has(*r, "entry-deleted", 9)) << Kinds(*r);
  ExpectPortableProof(*Find(*r, "entry-deleted"));
}

TEST_F(MonitorIntegrationTest, CatchesATruncatedLog) {
  auto m = OpenMonitor();
  std::vector<std::string> entries = CleanEntries(20);
  Append(entries);
  Publish();
  ASSERT_TRUE(m->Poll().ok());
  entries.resize(15);
  Rewrite(entries);
  Publish();
  auto r = m->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Has(*r, "truncated", 15)) << Kinds(*r);
}

TEST_F(MonitorIntegrationTest, CatchesAFork) {
  auto m = OpenMonitor();
  std::vector<std::string> entries = CleanEntries(20);
  Append(entries);
  Publish();
  ASSERT_TRUE(m->Poll().ok());
  // Another view of the same size: entry 12 differs.
  entries[12] = Entry(kStart + 12'000'000, "ana", "US", "profile.phone", gateway::View::kNone);
  Rewrite(entries);
  Publish();
  auto r = m->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(Has(*r, "fork")) << Kinds(*r);
  ExpectPortableProof(*Find(*r, "fork"));
  EXPECT_EQ(m->size(), 20u);
}

TEST_F(MonitorIntegrationTest, CatchesACheckpointWithoutTheWitnessQuorum) {
  auto m = OpenMonitor(/*quorum=*/2);
  Append(CleanEntries(10));
  ASSERT_EQ(Publish(/*cosigners=*/1), 1);  // only w1 cosigned
  auto r = m->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Has(*r, "quorum")) << Kinds(*r);
  EXPECT_FALSE(r->advanced);
  EXPECT_EQ(m->size(), 0u);
  // Once both witnesses cosign, the same tree is accepted.
  ASSERT_EQ(Publish(2), 2);
  r = m->Poll();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->advanced);
  EXPECT_TRUE(r->findings.empty()) << Kinds(*r);
  EXPECT_EQ(m->size(), 10u);
}

TEST_F(MonitorIntegrationTest, CatchesAForeignRequesterAllowedByABadPolicy) {
  auto m = OpenMonitor();
  // The operator's policy should confine US subjects' data to US requesters; this
  // one forgot the condition.
  auto good = cedar::PolicySet::Parse(R"(permit (principal, action, resource) when { context.source_country == "US" };)");
  auto bad = cedar::PolicySet::Parse(R"(@id("oops") permit (principal, action, resource);)");
  ASSERT_TRUE(good.ok() && bad.ok());
  std::vector<std::string> entries = CleanEntries(12);
  const uint64_t index = entries.size();
  gateway::View view = Decide(*bad, "bob", "SG", "profile.phone");
  ASSERT_EQ(view, gateway::View::kPlain);
  entries.push_back(Entry(kStart + 12'000'000, "bob", "SG", "profile.phone", view, "support", "oops"));
  ASSERT_EQ(Decide(*good, "bob", "SG", "profile.phone"), gateway::View::kNone);
  entries.push_back(Entry(kStart + 13'000'000, "bob", "SG", "profile.phone", gateway::View::kNone));
  Append(entries);
  Publish();
  auto r = m->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->findings.empty()) << Kinds(*r);
  ASSERT_EQ(r->violations.size(), 1u) << Kinds(*r);
  EXPECT_EQ(r->violations[0].rule, "foreign-access-to-home-data");
  EXPECT_EQ(r->violations[0].index, index);
  EXPECT_EQ(r->violations[0].fields, std::vector<std::string>{"profile.phone"});

  // The report lists it with an inclusion proof that verifies offline.
  auto report = BuildEvidenceReport(*m, Config(), kStart, kStart + 86'400'000'000, clock_.NowUnixMicros());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_NE(report->json.find("foreign-access-to-home-data"), std::string::npos);
  EXPECT_NE(report->html.find("foreign-access-to-home-data"), std::string::npos);
  auto proof = m->ProveInclusion(index);
  ASSERT_TRUE(proof.ok());
  auto parsed = tlog::ParseTlogProof(tlog::FormatTlogProof(*proof));
  auto key = tlog::NewVerifier(log_keys_.verifier_key);
  const tlog::NoteVerifier* k = key->get();
  EXPECT_TRUE(tlog::VerifyTlogProof(*parsed, tlog::HashBytes(tlog::HashLeaf(entries[index])), std::span(&k, 1)).ok());
  EXPECT_NE(report->json.find("c2sp.org/tlog-proof@v1\\nindex " + std::to_string(index)), std::string::npos);
}

}  // namespace
}  // namespace domicile::monitor
