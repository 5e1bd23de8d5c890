#include "monitor/monitor.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "gateway/audit_entry.h"
#include "monitor/config.h"
#include "monitor/evidence.h"
#include "tlog/appender.h"
#include "tlog/checkpoint.h"
#include "tlog/cosignature.h"
#include "tlog/log_reader.h"

namespace domicile::monitor {
namespace {

using testing::FakeClock;
using testing::MemFileSystem;

constexpr char kOrigin[] = "log.example/audit";
constexpr int64_t kT0 = 1'795'000'000'000'000;

// Fixed keys so that a log rebuilt from the same entries is byte-identical.
const tlog::NoteKeyPair& LogKeys() {
  static const tlog::NoteKeyPair k = *tlog::GenerateNoteKey(kOrigin);
  return k;
}
const tlog::NoteKeyPair& WitnessKeys() {
  static const tlog::NoteKeyPair k = *tlog::GenerateCosignerKey("w.example");
  return k;
}

// Each entry reads a phone number from SG: one violation per entry.
std::string Entry(int i) {
  gateway::AuditEntry e;
  e.time_unix_micros = kT0 + int64_t(i) * 1'000'000;
  e.request_id = "r" + std::to_string(i);
  e.principal = "Domicile::Employee::\"ana\"";
  e.source_country = "SG";
  e.action = "read";
  e.collection = "profile";
  e.fields.push_back({"profile.phone", gateway::View::kPlain, {"p"}, {}});
  e.purpose = "support";
  e.outcome = "allowed";
  e.http_status = 200;
  return e.ToJson();
}

MonitorConfig Config() {
  MonitorConfig c;
  c.log_url = "unused";
  c.origin = kOrigin;
  c.log_keys = {LogKeys().verifier_key};
  c.witness_keys = {WitnessKeys().verifier_key};
  c.quorum = 1;
  c.state_dir = "/mon";
  c.compliance.home = "US";
  c.compliance.directory_json = R"([{"uid":{"type":"Domicile::Employee","id":"ana"},"attrs":{},"parents":[]}])";
  return c;
}

// Appends entries [from, to) and cosigns the new checkpoint in place.
void Grow(MemFileSystem& fs, int from, int to) {
  if (from == 0) {
    ASSERT_TRUE(tlog::CreateLog(fs, "/log", kOrigin, LogKeys().private_key).ok());
  }
  auto app = tlog::Appender::Open(fs, "/log", LogKeys().private_key);
  ASSERT_TRUE(app.ok());
  for (int i = from; i < to; ++i) ASSERT_TRUE((*app)->Submit(Entry(i)).ok());
  ASSERT_TRUE((*app)->Close().ok());
  std::string note = *tlog::ReadCheckpointFile(fs, "/log");
  auto cp = tlog::ParseUnverifiedCheckpoint(note);
  auto line = (*tlog::NewCosignatureSigner(WitnessKeys().private_key))->Cosign(cp->Text(), 1'795'000'000);
  fs.PutFile("/log/checkpoint", *tlog::AddSignatureLines(note, *line));
}

Result<std::unique_ptr<Monitor>> Open(MemFileSystem& fs, FakeClock& clock) {
  return Monitor::Open(fs, Config(), NewDirLogSource(fs, "/log"), &clock);
}

TEST(MonitorTest, FollowsAndRecordsViolations) {
  MemFileSystem fs;
  FakeClock clock(kT0);
  Grow(fs, 0, 5);
  auto m = Open(fs, clock);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto r = (*m)->Poll();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size, 5u);
  EXPECT_EQ(r->violations.size(), 5u);
  EXPECT_EQ((*m)->checkpoints().size(), 1u);
  auto v = (*m)->Violations();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->size(), 5u);
  EXPECT_EQ((*m)->Entries()->at(3), Entry(3));
  EXPECT_EQ((*m)->ProveInclusion(5).status().code(), StatusCode::kOutOfRange);
}

// A crash at any file operation while the monitor records a round leaves a state
// that reopens, and polling again ends with every entry and violation recorded
// exactly once.
TEST(MonitorTest, CrashWhileRecordingLosesAndDuplicatesNothing) {
  uint64_t ops = 0;
  {
    MemFileSystem fs;
    FakeClock clock(kT0);
    Grow(fs, 0, 3);
    auto m = Open(fs, clock);
    ASSERT_TRUE((*m)->Poll().ok());
    Grow(fs, 3, 7);
    uint64_t before = fs.op_count();
    ASSERT_TRUE((*m)->Poll().ok());
    ops = fs.op_count() - before;
  }
  ASSERT_GT(ops, 5u);
  for (uint64_t n = 1; n <= ops; ++n) {
    SCOPED_TRACE("fault at operation " + std::to_string(n));
    MemFileSystem fs;
    FakeClock clock(kT0);
    Grow(fs, 0, 3);
    {
      auto m = Open(fs, clock);
      ASSERT_TRUE((*m)->Poll().ok());
      Grow(fs, 3, 7);
      fs.SetFault(fs.op_count() + n);
      fs.SetCrashAfterFault(true);
      auto r = (*m)->Poll();
      if (!r.ok()) {
        EXPECT_FALSE((*m)->Poll().ok());  // sticky
      }
    }
    fs.SimulateCrash();
    auto m = Open(fs, clock);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_TRUE((*m)->size() == 3 || (*m)->size() == 7) << (*m)->size();
    auto r = (*m)->Poll();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->findings.empty());
    EXPECT_EQ((*m)->size(), 7u);
    EXPECT_EQ((*m)->Violations()->size(), 7u);
    EXPECT_EQ((*m)->Entries()->size(), 7u);
  }
}

TEST(MonitorTest, FlagsTilesThatDisagreeWithTheEntries) {
  MemFileSystem fs;
  FakeClock clock(kT0);
  Grow(fs, 0, 5);
  fs.PutFile("/log/tile/0/000.p/5", std::string(5 * 32, 'x'));
  auto m = Open(fs, clock);
  auto r = (*m)->Poll();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].kind, "bad-tile");
  EXPECT_TRUE(r->advanced);  // the entries and the signed root agree; only the tiles lie
}

TEST(MonitorTest, FlagsEntriesThatDoNotHashToTheRoot) {
  MemFileSystem fs;
  FakeClock clock(kT0);
  Grow(fs, 0, 5);
  std::string bundle = *fs.ReadFile("/log/tile/entries/000.p/5");
  bundle[bundle.size() - 3] ^= 1;
  fs.PutFile("/log/tile/entries/000.p/5", bundle);
  auto m = Open(fs, clock);
  auto r = (*m)->Poll();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].kind, "entries-mismatch");
  EXPECT_EQ((*m)->size(), 0u);
  fs.PutFile("/log/tile/entries/000.p/5", bundle.substr(0, 10));
  // The same checkpoint is not reported twice.
  r = (*m)->Poll();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->findings.empty());
}

TEST(MonitorTest, FlagsBadSignatures) {
  MemFileSystem fs;
  FakeClock clock(kT0);
  Grow(fs, 0, 2);
  std::string good = *fs.ReadFile("/log/checkpoint");
  // Signed by someone else.
  auto other = tlog::GenerateNoteKey(kOrigin);
  auto signer = tlog::NewSigner(other->private_key);
  const tlog::NoteSigner* s = signer->get();
  fs.PutFile("/log/checkpoint", *tlog::SignNote(tlog::ParseUnverifiedCheckpoint(good)->Text(), std::span(&s, 1)));
  auto m = Open(fs, clock);
  auto r = (*m)->Poll();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].kind, "bad-log-signature");
  // A witness line that claims the witness's key but does not verify.
  std::string forged = good;
  size_t last = forged.rfind(' ') + 12;
  forged[last] = forged[last] == 'A' ? 'B' : 'A';
  fs.PutFile("/log/checkpoint", forged);
  r = (*m)->Poll();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].kind, "bad-cosignature");
  fs.PutFile("/log/checkpoint", good);
  r = (*m)->Poll();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->advanced);
}

TEST(MonitorTest, DamagedMirrorRefusesToOpen) {
  MemFileSystem fs;
  FakeClock clock(kT0);
  Grow(fs, 0, 4);
  {
    auto m = Open(fs, clock);
    ASSERT_TRUE((*m)->Poll().ok());
  }
  std::string entries = *fs.ReadFile("/mon/entries");
  entries[5] ^= 1;
  fs.PutFile("/mon/entries", entries);
  EXPECT_EQ(Open(fs, clock).status().code(), StatusCode::kDataLoss);
  fs.PutFile("/mon/state.json", "{");
  EXPECT_EQ(Open(fs, clock).status().code(), StatusCode::kDataLoss);
}

TEST(MonitorTest, UnavailableLogIsAnErrorNotAFinding) {
  MemFileSystem fs;
  FakeClock clock(kT0);
  auto m = Open(fs, clock);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->Poll().status().code(), StatusCode::kNotFound);
}

TEST(EvidenceTest, RejectsMalformedAndHonestPairs) {
  for (const char* bad : {"", "[]", "{}", R"({"format":"x"})",
                          R"({"format":"domicile/misbehaviour-proof@v1","kind":"other","smaller":"","larger":""})",
                          R"({"format":"domicile/misbehaviour-proof@v1","kind":"inconsistent","smaller":"","larger":"",)"
                          R"("smaller_root_in_larger":"AAAA","consistency_proof":[]})"}) {
    EXPECT_FALSE(ParseMisbehaviourProof(bad).ok()) << bad;
  }
  MemFileSystem fs;
  Grow(fs, 0, 3);
  std::string a = *tlog::ReadCheckpointFile(fs, "/log");
  Grow(fs, 3, 9);
  std::string b = *tlog::ReadCheckpointFile(fs, "/log");
  auto key = tlog::NewVerifier(LogKeys().verifier_key);
  const tlog::NoteVerifier* k = key->get();
  // Honest checkpoints are no fork, and no inconsistency can be proven.
  EXPECT_FALSE(VerifyMisbehaviourProof({"fork", a, a, "", {}, ""}, std::span(&k, 1)).ok());
  EXPECT_FALSE(VerifyMisbehaviourProof({"fork", a, b, "", {}, ""}, std::span(&k, 1)).ok());
  tlog::MemoryTree tree;
  for (int i = 0; i < 9; ++i) tree.AppendEntry(Entry(i));
  EXPECT_FALSE(ProveInconsistency(tree, a, b, "").ok());
  auto proof = tlog::ConsistencyProof(tree, 3, 9);
  MisbehaviourProof fake{"inconsistent", a, b, std::string(32, 'x'), tlog::HashesToStrings(*proof), ""};
  EXPECT_FALSE(VerifyMisbehaviourProof(fake, std::span(&k, 1)).ok());
  auto round = ParseMisbehaviourProof(FormatMisbehaviourProof(fake));
  ASSERT_TRUE(round.ok()) << round.status().ToString();
  EXPECT_EQ(round->consistency_proof, fake.consistency_proof);
}

TEST(ConfigTest, ParsesAndValidates) {
  const std::string wk = WitnessKeys().verifier_key, lk = LogKeys().verifier_key;
  std::string yaml = "log: {url: 'http://127.0.0.1:8080/log', origin: o, keys: ['" + lk + "']}\n" +
                     "witnesses: {keys: ['" + wk + "'], quorum: 1}\nstate_dir: st\n" +
                     "compliance: {home: US, categories: {profile.phone: protected}, bulk_records: 10}\n";
  auto c = ParseMonitorConfig(yaml, "/etc/domicile");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->state_dir, "/etc/domicile/st");
  EXPECT_EQ(c->quorum, 1u);
  EXPECT_EQ(c->compliance.CategoryOf("profile.phone"), "protected");
  EXPECT_EQ(c->compliance.CategoryOf("profile.other"), "protected");
  EXPECT_EQ(c->compliance.bulk_records, 10u);
  for (const std::string& bad : std::vector<std::string>{std::string("log: {url: u, origin: o}\nstate_dir: s\ncompliance: {home: US}\n"),
        yaml + "extra: 1\n",
        "log: {url: u, origin: o, keys: [k]}\nwitnesses: {keys: [], quorum: 1}\nstate_dir: s\ncompliance: {home: US}\n",
        "log: {url: u, origin: o, keys: [k]}\nstate_dir: s\n",
        "log: {url: u, origin: o, keys: [k]}\nstate_dir: s\ncompliance: {home: US, categories: {a.b: secret}}\n",
        "log: [\n"}) {
    EXPECT_FALSE(ParseMonitorConfig(bad, "/").ok()) << bad;
  }
}

TEST(ConfigTest, HttpsLogTakesTlsFilesRelativeToTheConfig) {
  std::string yaml = "log: {url: 'https://log.example/log', origin: o, keys: [k], ca_file: ca.pem, "
                     "client_cert: /pki/mon.pem, client_key: mon.key}\nstate_dir: st\ncompliance: {home: US}\n";
  auto c = ParseMonitorConfig(yaml, "/etc/domicile");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->log_tls.ca_file, "/etc/domicile/ca.pem");
  EXPECT_EQ(c->log_tls.client_cert, "/pki/mon.pem");
  EXPECT_EQ(c->log_tls.client_key, "/etc/domicile/mon.key");
}

}  // namespace
}  // namespace domicile::monitor
