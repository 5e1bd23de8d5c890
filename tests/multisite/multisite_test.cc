// The multi-site acceptance test (issue 7) on loopback, every party a child process
// of the built `domicile` binary: an enclave (US, 127.0.0.1) shipping its change
// stream to a backup (DE, 127.0.0.2) and submitting checkpoints to a witness, and the
// custodian's monitor following the enclave's log. Checks: the backup holds only
// ciphertext (its files never contain a written value, raw or base64), refuses every
// read, a new enclave restored from the backup's copy stays sealed until the
// custodian's root key arrives, a shredded subject stays gone after the restore, the
// restored enclave finds subjects by blind index and can itself shred a subject
// without losing the subject's bucket-mates (their index entries were shipped), and
// the monitor verifies the witness-cosigned log with no violation. A second test runs
// an enclave feeding a global site its interoperable projections.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "common/file.h"
#include "crypto/keyring.h"
#include "crypto/sha256.h"
#include "crypto/x25519_seal.h"
#include "fakes/temp_dir.h"
#include "gateway/config.h"
#include "gateway_process.h"
#include "monitor/http_client.h"
#include "vault/projection.h"
#include "vault/replication.h"

extern char** environ;

namespace domicile::testing {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr char kPhone[] = "+1 415 555 0132";
constexpr char kEmail[] = "kim.multisite@example.com";
constexpr char kBirth[] = "1987-04-12";
constexpr char kMatePhone[] = "+1 646 555 0177";
constexpr char kOrigin[] = "us-enclave-1.multisite.test/audit";
constexpr char kWitnessName[] = "witness.multisite.test/w1";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string Chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Polls `done` every 50 ms for up to 30 s (a generous bound, not a timing assertion).
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 600; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// The vault's shred bucket of a subject (docs/vault.md): SHA-256(id) mod buckets.
uint32_t BucketOf(const std::string& id, uint32_t buckets) {
  const crypto::Digest d = crypto::Sha256(id);
  return ((uint32_t(d[0]) << 24) | (uint32_t(d[1]) << 16) | (uint32_t(d[2]) << 8) | d[3]) % buckets;
}

// `value` raw and in base64 at each of the three byte alignments.
std::vector<std::string> Needles(const std::string& value) {
  std::vector<std::string> out = {value};
  for (size_t i = 0; i < 3; ++i) {
    const std::string b = Base64Encode(value.substr(i));
    out.push_back(b.substr(0, (value.size() - i) / 3 * 4));
  }
  return out;
}

// Files under `dir` holding any needle of any value.
std::vector<std::string> FilesContaining(const std::string& dir, const std::vector<std::string>& values) {
  std::vector<std::string> hits;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string data = ReadAll(e.path().string());
    for (const std::string& v : values) {
      for (const std::string& n : Needles(v)) {
        if (data.find(n) != std::string::npos) hits.push_back(e.path().string() + " holds " + n);
      }
    }
  }
  return hits;
}

// Whether `text` holds any test phone number, as written or in digits only. (Whole
// values: a fragment such as "555" occurs by chance in ids, ports and ciphertext.)
bool HoldsAPhone(const std::string& text) {
  for (const char* phone : {kPhone, kMatePhone, "+1 212 555 0199"}) {
    std::string digits;
    for (const char* c = phone; *c != '\0'; ++c) {
      if (*c >= '0' && *c <= '9') digits += *c;
    }
    if (text.find(phone) != std::string::npos || text.find(digits.substr(1)) != std::string::npos) return true;
  }
  return false;
}

struct Cmd {
  int code = -1;
  std::string out, err;
};

class Process {
 public:
  Process(std::vector<std::string> args, const std::string& log) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void Signal(int sig) { kill(pid_, sig); }
  // SIGTERM and wait; the exit status.
  int Terminate() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = 0;
};

class MultisiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(DOMICILE_BINARY)) GTEST_SKIP() << DOMICILE_BINARY << " is not built";
    t_ = tmp_.path();
    for (const char* d : {"enclave", "backup", "witness", "monitor", "restored"}) fs::create_directories(t_ + "/" + d);
  }

  Cmd D(const std::string& args) {
    const std::string cmd = std::string(DOMICILE_BINARY) + " " + args + " </dev/null >" + t_ + "/cmd.out 2>" + t_ +
                            "/cmd.err";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadAll(t_ + "/cmd.out"), ReadAll(t_ + "/cmd.err")};
  }

  // `domicile serve` on a config; waits for its ready file and returns the port.
  std::unique_ptr<Process> Serve(const std::string& name, const std::string& data_dir, uint16_t* port) {
    const std::string ready = t_ + "/" + name + ".ready";
    fs::remove(ready);
    auto p = std::make_unique<Process>(
        std::vector<std::string>{DOMICILE_BINARY, "serve", "--config", t_ + "/" + name + ".yaml", "--data-dir",
                                 data_dir, "--port", "0", "--ready-file", ready},
        t_ + "/" + name + ".log");
    std::smatch m;
    std::string text;
    const bool up = Eventually([&] {
      text = ReadAll(ready);
      return std::regex_search(text, m, std::regex(":([0-9]+)\n"));
    });
    EXPECT_TRUE(up) << name << " did not start: " << ReadAll(t_ + "/" + name + ".log");
    *port = up ? static_cast<uint16_t>(std::stoi(m[1])) : 0;
    return p;
  }

  // The demo configuration made into one site of the deployment.
  YAML::Node SiteConfig(const std::string& site, const std::string& listen) {
    YAML::Node c = YAML::Load(std::string(gateway::DemoGatewayConfigYaml()));
    c["listen"] = listen;
    c["vault"]["site"] = site;
    YAML::Node sites(YAML::NodeType::Sequence);
    sites.push_back(YAML::Load("{id: us-enclave-1, jurisdiction: US, custodian: US Custodian, role: enclave}"));
    sites.push_back(YAML::Load("{id: de-backup, jurisdiction: DE, custodian: Vaulting GmbH, role: backup}"));
    sites.push_back(YAML::Load("{id: g-1, jurisdiction: GLOBAL, custodian: Global Custodian, role: global}"));
    c["vault"]["sites"] = sites;
    c["pseudonym_key_file"] = "pseudonym.key";
    c["log"] = YAML::Load(std::string("{origin: ") + kOrigin + "}");
    return c;
  }
  void WriteConfig(const std::string& name, const YAML::Node& c) {
    YAML::Emitter e;
    e << c;
    WriteAll(t_ + "/" + name + ".yaml", e.c_str());
  }

  HttpReply Call(uint16_t port, const std::string& method, const std::string& target, const std::string& who,
                 const std::string& purpose, const std::string& body = "", const char* source = "127.0.0.10") {
    return HttpClient(source, port)
        .Send(method, target, {{"Authorization", "Bearer " + DemoToken(who)}, {"Domicile-Purpose", purpose}}, body);
  }

  void Put(uint16_t port, const std::string& id, const std::string& phone, const std::string& email) {
    const Json body = {{"home", "US"},
                       {"data",
                        {{"profile", {{"phone", phone}, {"birth_date", kBirth}, {"email", email}}},
                         {"videos", {{"caption", "multisite cat video"}}}}}};
    HttpReply r = Call(port, "PUT", "/v1/subjects/" + id, "ingest", "ingest", body.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  TempDir tmp_;
  std::string t_;
};

TEST_F(MultisiteTest, BackupHoldsCiphertextOnlyRestoreNeedsUnsealShredSurvivesMonitorClean) {
  // The custodian's ceremony, the enclave's replication key, the log key, the witness key.
  WriteAll(t_ + "/pseudonym.key", Base64Encode(std::string(32, 'p')) + "\n");
  Cmd r = D("vault keygen --keyring " + t_ + "/enclave/keyring --jurisdiction US --key-out " + t_ +
            "/custodian.key");
  ASSERT_EQ(r.code, 0) << r.err;
  r = D("site keygen --out " + t_ + "/replication.key");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string repl_pub = Chomp(r.out);
  r = D("log init " + t_ + "/enclave/log --origin " + kOrigin + " --key " + t_ + "/enclave/log.key");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string log_vkey = Chomp(r.out);
  r = D(std::string("witness keygen --name ") + kWitnessName + " --key " + t_ + "/witness/w.key");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string witness_vkey = Chomp(r.out);
  fs::copy_file(t_ + "/custodian.key", t_ + "/enclave/custodian.key");

  // Witness.
  WriteAll(t_ + "/witness.yaml", "key_file: witness/w.key\nstate_dir: witness/state\nlisten: 127.0.0.1:0\nlogs:\n"
                                 "  - origin: " + std::string(kOrigin) + "\n    keys: [\"" + log_vkey + "\"]\n");
  Process witness({DOMICILE_BINARY, "witness", "serve", "--config", t_ + "/witness.yaml"}, t_ + "/witness.log");
  std::smatch m;
  std::string wlog;
  ASSERT_TRUE(Eventually([&] {
    wlog = ReadAll(t_ + "/witness.log");
    return std::regex_search(wlog, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"));
  })) << wlog;
  const std::string witness_url = "http://127.0.0.1:" + m[1].str();

  // Backup (DE): accepts the enclave's signed stream, nothing else.
  YAML::Node backup_cfg = SiteConfig("de-backup", "127.0.0.2:0");
  backup_cfg["replication"]["accept_from"].push_back(
      YAML::Load("{site: us-enclave-1, public_key: \"" + repl_pub + "\"}"));
  WriteConfig("backup", backup_cfg);
  uint16_t backup_port = 0;
  auto backup = Serve("backup", t_ + "/backup", &backup_port);
  ASSERT_GT(backup_port, 0);

  // Enclave (US): ships to the backup, submits checkpoints to the witness.
  YAML::Node enclave_cfg = SiteConfig("us-enclave-1", "127.0.0.1:0");
  enclave_cfg["replication"]["signing_key_file"] = "replication.key";
  enclave_cfg["replication"]["targets"].push_back(
      YAML::Load("{site: de-backup, url: \"http://127.0.0.2:" + std::to_string(backup_port) + "\"}"));
  enclave_cfg["witnesses"].push_back(YAML::Load("{url: \"" + witness_url + "\", key: \"" + witness_vkey + "\"}"));
  WriteConfig("enclave", enclave_cfg);
  uint16_t port = 0;
  auto enclave = Serve("enclave", t_ + "/enclave", &port);
  ASSERT_GT(port, 0);

  // A subject sharing kim's shred bucket: deleting kim later must rewrap its key.
  const uint32_t buckets = Json::parse(ReadAll(t_ + "/enclave/keyring"))["shred_buckets"].get<uint32_t>();
  std::string mate;
  for (int i = 0; mate.empty(); ++i) {
    if (BucketOf("mate-" + std::to_string(i), buckets) == BucketOf("kim", buckets)) mate = "mate-" + std::to_string(i);
  }
  Put(port, "kim", kPhone, kEmail);
  Put(port, mate, kMatePhone, "mate@example.com");
  Put(port, "lee", "+1 212 555 0199", "lee.shredded@example.com");
  HttpReply del = Call(port, "DELETE", "/v1/subjects/lee", "ingest", "ingest");
  ASSERT_EQ(del.status, 200) << del.body;
  HttpReply read = Call(port, "GET", "/v1/subjects/kim/profile?fields=phone", "ana", "investigation");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Json::parse(read.body)["fields"]["phone"]["value"], kPhone);

  // Everything written so far reaches the backup.
  ASSERT_TRUE(Eventually([&] {
    HttpReply s = HttpClient("127.0.0.1", port).Send("GET", "/replication/v1/status");
    return s.status == 200 && Json::parse(s.body, nullptr, false).value("caught_up", false);
  })) << ReadAll(t_ + "/enclave.log");

  // The backup (its own address, 127.0.0.2) refuses every read, naming the rule; it
  // has nothing to show.
  auto to_backup = monitor::HttpClient::Create("http://127.0.0.2:" + std::to_string(backup_port));
  ASSERT_TRUE(to_backup.ok());
  for (const std::string target : {"/v1/subjects/kim/profile?fields=phone", "/v1/subjects/kim/videos"}) {
    auto b = (*to_backup)->Get(target);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->status, 403) << target << ": " << b->body;
    EXPECT_NE(b->body.find("residency.backup-sealed-only"), std::string::npos) << b->body;
    EXPECT_FALSE(HoldsAPhone(b->body)) << b->body;
  }
  for (const std::string target : {"/v1/lookup", "/v1/export"}) {
    auto b = (*to_backup)->Post(target, R"({"collection":"profile","field":"phone","value":"+1 415 555 0132"})",
                                "application/json");
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->status, 403) << target << ": " << b->body;
    EXPECT_NE(b->body.find("residency.backup-sealed-only"), std::string::npos) << b->body;
  }
  // A batch not signed by the enclave is refused.
  auto forged = (*to_backup)->Post("/replication/v1/batch", R"({"v":1,"payload":"e30=","sig":"AAAA"})",
                                   "application/json");
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(forged->status, 403) << forged->body;

  // The witness cosigned the enclave's latest checkpoint; the monitor follows the log.
  std::string checkpoint;
  ASSERT_TRUE(Eventually([&] {
    HttpReply c = HttpClient("127.0.0.1", port).Send("GET", "/log/checkpoint");
    checkpoint = c.body;
    return c.status == 200 && c.body.find(std::string("\xe2\x80\x94 ") + kWitnessName) != std::string::npos;
  })) << checkpoint << ReadAll(t_ + "/enclave.log");
  WriteAll(t_ + "/directory.json", R"([{"uid":{"type":"Domicile::Employee","id":"ana"},"attrs":{},"parents":[]},
    {"uid":{"type":"Domicile::Service","id":"ingest"},"attrs":{},"parents":[]}])");
  WriteAll(t_ + "/monitor.yaml", "log: {url: \"http://127.0.0.1:" + std::to_string(port) + "/log\", origin: " +
                                     kOrigin + ", keys: [\"" + log_vkey + "\"]}\nwitnesses: {keys: [\"" +
                                     witness_vkey + "\"], quorum: 1}\nstate_dir: monitor/state\n"
                                     "compliance: {home: US, directory: directory.json}\n");
  r = D("monitor follow --once --config " + t_ + "/monitor.yaml");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("\"finding\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"violation\""), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("0 finding(s), 0 violation(s)"), std::string::npos) << r.err;

  ASSERT_EQ(enclave->Terminate(), 0) << ReadAll(t_ + "/enclave.log");

  // Restore, first from the running backup over HTTP (pages asked for with requests
  // signed by the enclave's replication key; unsigned ones are refused)...
  auto unsigned_export = (*to_backup)->Post("/replication/v1/export", R"({"v":1,"payload":"e30=","sig":"AAAA"})",
                                            "application/json");
  ASSERT_TRUE(unsigned_export.ok());
  EXPECT_EQ(unsigned_export->status, 403) << unsigned_export->body;
  r = D("site restore --from-url http://127.0.0.2:" + std::to_string(backup_port) +
        " --site us-enclave-1 --backup-site de-backup --key " + t_ + "/replication.key --data-dir " + t_ +
        "/restored");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string restored_over_http = r.out;
  EXPECT_NE(r.out.find("restored 2 subjects"), std::string::npos) << r.out;  // lee was shredded
  // Bad input: a one-line error, non-zero exit, nothing restored.
  const std::string url = " --from-url http://127.0.0.2:" + std::to_string(backup_port);
  fs::create_directories(t_ + "/other");
  WriteAll(t_ + "/other/not-ours.key", Base64Encode(std::string(32, 'z')) + "\n");
  for (const std::string& bad : std::vector<std::string>{
           "site restore --data-dir " + t_ + "/bad1",
        "site restore --from " + t_ + "/backup/store" + url + " --data-dir " + t_ + "/bad2",
        "site restore" + url + " --site us-enclave-1 --key " + t_ + "/replication.key --data-dir " + t_ + "/bad3",
        "site restore" + url + " --site us-enclave-1 --backup-site de-backup --key " + t_ +
            "/other/not-ours.key --data-dir " + t_ + "/bad4",
        "site restore" + url + " --site us-enclave-1 --backup-site de-backup --key " + t_ +
            "/custodian.key --data-dir " + t_ + "/bad5",
        "site restore" + url + " --site us-enclave-1 --backup-site de-backup --key " + t_ +
            "/replication.key --data-dir " + t_ + "/restored"}) {  // exists already
    Cmd b = D(bad);
    EXPECT_NE(b.code, 0) << bad;
    EXPECT_FALSE(b.err.empty()) << bad;
    EXPECT_EQ(b.out.find("restored"), std::string::npos) << bad << ": " << b.out;
  }
  EXPECT_NE(D("site restore" + url + " --site us-enclave-1 --backup-site de-backup --key " + t_ +
              "/other/not-ours.key --data-dir " + t_ + "/bad6")
                .err.find("403"),
            std::string::npos);
  ASSERT_EQ(backup->Terminate(), 0) << ReadAll(t_ + "/backup.log");
  EXPECT_EQ(witness.Terminate(), 0);

  // Ciphertext only: no written value in any file of the backup, raw or base64. The
  // search itself works (control: a file holding one value in base64 is found).
  const std::vector<std::string> values = {kPhone, kEmail, "+1 212 555 0199", kBirth, "lee.shredded@example.com",
                                           "multisite cat video", kMatePhone, "mate@example.com"};
  EXPECT_EQ(FilesContaining(t_ + "/backup", values), std::vector<std::string>{});
  fs::create_directories(t_ + "/control");
  WriteAll(t_ + "/control/f", "xx" + Base64Encode(std::string("y") + kEmail));
  EXPECT_FALSE(FilesContaining(t_ + "/control", values).empty());
  EXPECT_FALSE(HoldsAPhone(ReadAll(t_ + "/backup.log")));

  // ...and from the stopped backup's store directory: the same copy.
  r = D("site restore --from " + t_ + "/backup/store --data-dir " + t_ + "/restored-from-dir");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::regex_replace(r.out, std::regex(" into .*"), ""),
            std::regex_replace(restored_over_http, std::regex(" into .*"), ""));

  // The restored enclave, with the custodian's keyring but not yet the root key,
  // starts sealed and fails closed.
  fs::copy_file(t_ + "/enclave/keyring", t_ + "/restored/keyring");
  YAML::Node restored_cfg = SiteConfig("us-enclave-1", "127.0.0.1:0");
  restored_cfg["log"]["origin"] = "us-enclave-1.multisite.test/audit-restored";
  WriteConfig("restored", restored_cfg);
  uint16_t rport = 0;
  auto restored = Serve("restored", t_ + "/restored", &rport);
  ASSERT_GT(rport, 0);
  HttpReply sealed = Call(rport, "GET", "/v1/subjects/kim/profile?fields=phone", "ana", "investigation");
  EXPECT_NE(sealed.status, 200) << sealed.body;
  EXPECT_FALSE(HoldsAPhone(sealed.body)) << sealed.body;
  EXPECT_EQ(HttpClient("127.0.0.1", rport).Send("GET", "/readyz").status, 503);

  // The custodian supplies the root key: after unsealing, the data is back...
  fs::copy_file(t_ + "/custodian.key", t_ + "/restored/custodian.key");
  restored->Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return HttpClient("127.0.0.1", rport).Send("GET", "/readyz").status == 200; }))
      << ReadAll(t_ + "/restored.log");
  HttpReply back = Call(rport, "GET", "/v1/subjects/kim/profile?fields=phone,email", "ana", "investigation");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Json::parse(back.body)["fields"]["phone"]["value"], kPhone);
  EXPECT_EQ(Json::parse(back.body)["fields"]["email"]["value"], kEmail);
  // ...except the shredded subject, which stays unreadable.
  HttpReply gone = Call(rport, "GET", "/v1/subjects/lee/profile?fields=phone", "ana", "investigation");
  EXPECT_NE(gone.status, 200) << gone.body;
  EXPECT_EQ(gone.body.find("0199"), std::string::npos) << gone.body;

  // The blind index came along: lookups work at the restored enclave.
  auto lookup = [&](const std::string& field, const std::string& value) {
    HttpReply l = Call(rport, "POST", "/v1/lookup", "ana", "investigation",
                       Json({{"collection", "profile"}, {"field", field}, {"value", value}}).dump());
    EXPECT_EQ(l.status, 200) << l.body;
    return Json::parse(l.body, nullptr, false).value("subjects", Json::array());
  };
  EXPECT_EQ(lookup("email", "  Kim.Multisite@example.com"), Json::array({"kim"}));
  EXPECT_EQ(lookup("phone", kMatePhone), Json::array({mate}));
  EXPECT_EQ(lookup("email", "lee.shredded@example.com"), Json::array());

  // A deletion at the restored enclave shreds kim and only kim: its bucket-mate,
  // found through the shipped bucket index, is rewrapped and stays readable.
  HttpReply del_kim = Call(rport, "DELETE", "/v1/subjects/kim", "ingest", "ingest");
  ASSERT_EQ(del_kim.status, 200) << del_kim.body;
  EXPECT_EQ(Json::parse(del_kim.body)["receipt"]["keys_rewrapped"], 1) << del_kim.body;
  HttpReply mate_read = Call(rport, "GET", "/v1/subjects/" + mate + "/profile?fields=phone", "ana", "investigation");
  ASSERT_EQ(mate_read.status, 200) << mate_read.body;
  EXPECT_EQ(Json::parse(mate_read.body)["fields"]["phone"]["value"], kMatePhone);
  HttpReply kim_gone = Call(rport, "GET", "/v1/subjects/kim/profile?fields=phone", "ana", "investigation");
  EXPECT_NE(kim_gone.status, 200) << kim_gone.body;
  EXPECT_EQ(kim_gone.body.find("0132"), std::string::npos) << kim_gone.body;
  EXPECT_EQ(lookup("email", kEmail), Json::array());
  EXPECT_EQ(restored->Terminate(), 0) << ReadAll(t_ + "/restored.log");
}

// The global site (issue 7): the enclave ships each subject's projection — only its
// interoperable values, under a pseudonym keyed in the enclave's keyring — sealed to
// the global site's X25519 key. The global site (its own vault, keyring and audit
// log) starts sealed, stores projections under its own KEK once unsealed, serves only
// GET of them through its gateway, and refuses writes, deletions, lookups, exports,
// the change stream and batches sealed to another key; a deletion at the enclave
// drops the projection there. None of its files holds a protected or profiling value,
// a raw subject id, or even the interoperable value in the clear.
TEST_F(MultisiteTest, GlobalSiteHoldsOnlySealedInteroperableProjections) {
  constexpr char kKim[] = "kim-global-subject";
  constexpr char kLee[] = "lee-global-subject";
  constexpr char kBucket[] = "bucket-10k-to-100k";
  WriteAll(t_ + "/pseudonym.key", Base64Encode(std::string(32, 'p')) + "\n");
  fs::create_directories(t_ + "/global");
  Cmd r = D("vault keygen --keyring " + t_ + "/enclave/keyring --jurisdiction US --key-out " + t_ +
            "/enclave/custodian.key");
  ASSERT_EQ(r.code, 0) << r.err;
  // The global site's own custodian: another keyring, another root key (jurisdiction GLOBAL).
  r = D("vault keygen --keyring " + t_ + "/global/keyring --jurisdiction GLOBAL --key-out " + t_ +
        "/global-custodian.key");
  ASSERT_EQ(r.code, 0) << r.err;
  r = D("site keygen --out " + t_ + "/replication.key");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string repl_pub = Chomp(r.out);
  r = D("site keygen --projection --out " + t_ + "/global/projection.key");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string projection_pub = Chomp(r.out);
  EXPECT_NE(D("site keygen --projection --out " + t_ + "/global/projection.key").code, 0);  // never overwritten

  // Global site: accepts projections from the enclave; reads of GLOBAL interoperable
  // fields allowed to US trust-and-safety with a purpose.
  YAML::Node global_cfg = SiteConfig("g-1", "127.0.0.1:0");
  global_cfg["replication"]["accept_from"].push_back(
      YAML::Load("{site: us-enclave-1, public_key: \"" + repl_pub + "\"}"));
  global_cfg["replication"]["projection_key_file"] = t_ + "/global/projection.key";
  global_cfg["policies"]["inline"] = global_cfg["policies"]["inline"].as<std::string>() + R"(
    @id("global-interoperable-read")
    permit (principal in Domicile::Group::"us-trust-and-safety", action == Domicile::Action::"read",
            resource is Domicile::Field)
    when { resource.home == "GLOBAL" && resource.category == "interoperable" && context.purpose != "" };
)";
  global_cfg["log"]["origin"] = "g-1.multisite.test/audit";
  WriteConfig("global", global_cfg);
  uint16_t gport = 0;
  auto global = Serve("global", t_ + "/global", &gport);
  ASSERT_GT(gport, 0);
  auto gcall = [&](const std::string& method, const std::string& target, const std::string& body = "") {
    return HttpClient("127.0.0.10", gport)
        .Send(method, target, {{"Authorization", "Bearer " + DemoToken("ana")}, {"Domicile-Purpose", "analytics"}},
              body);
  };
  EXPECT_EQ(HttpClient("127.0.0.10", gport).Send("GET", "/readyz").status, 503);  // sealed: no root key yet

  // Enclave: ships projections to the global site.
  YAML::Node enclave_cfg = SiteConfig("us-enclave-1", "127.0.0.1:0");
  enclave_cfg["replication"]["signing_key_file"] = "replication.key";
  enclave_cfg["replication"]["targets"].push_back(YAML::Load(
      "{site: g-1, url: \"http://127.0.0.1:" + std::to_string(gport) + "\", public_key: \"" + projection_pub + "\"}"));
  WriteConfig("enclave", enclave_cfg);
  uint16_t port = 0;
  auto enclave = Serve("enclave", t_ + "/enclave", &port);
  ASSERT_GT(port, 0);
  auto put = [&](const std::string& id, const std::string& phone, const std::string& email) {
    const Json body = {{"home", "US"},
                       {"data",
                        {{"profile", {{"phone", phone}, {"birth_date", kBirth}, {"email", email}}},
                         {"videos", {{"caption", "global cat video"}}},
                         {"stats", {{"follower_bucket", kBucket}}}}}};
    HttpReply w = Call(port, "PUT", "/v1/subjects/" + id, "ingest", "ingest", body.dump());
    EXPECT_EQ(w.status, 200) << w.body;
  };
  put(kKim, kPhone, kEmail);
  put(kLee, "+1 212 555 0199", "lee.shredded@example.com");
  auto caught_up = [&] {
    HttpReply s = HttpClient("127.0.0.1", port).Send("GET", "/replication/v1/status");
    return s.status == 200 && Json::parse(s.body, nullptr, false).value("caught_up", false);
  };
  // While the global site is sealed nothing is applied (the enclave retries).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(caught_up());

  // The pseudonyms, computed as the enclave does with its custodian's keyring.
  auto keyring = crypto::FileKeyring::Open(*FileSystem::Default(), t_ + "/enclave/keyring");
  ASSERT_TRUE(keyring.ok());
  ASSERT_TRUE((*keyring)->Unseal(crypto::ParseRootKeyFile(ReadAll(t_ + "/enclave/custodian.key")).value()).ok());
  const std::string p_kim = HexEncode((*keyring)->BlindIndexToken("global.subject", kKim).value());
  const std::string p_lee = HexEncode((*keyring)->BlindIndexToken("global.subject", kLee).value());
  HttpReply sealed_read = gcall("GET", "/v1/subjects/" + p_kim + "/stats?fields=follower_bucket");
  EXPECT_NE(sealed_read.status, 200) << sealed_read.body;

  // The global site's custodian unseals it; the backlog arrives.
  fs::copy_file(t_ + "/global-custodian.key", t_ + "/global/custodian.key");
  global->Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return HttpClient("127.0.0.10", gport).Send("GET", "/readyz").status == 200; }))
      << ReadAll(t_ + "/global.log");
  ASSERT_TRUE(Eventually(caught_up)) << ReadAll(t_ + "/enclave.log");
  HttpReply got = gcall("GET", "/v1/subjects/" + p_kim + "/stats?fields=follower_bucket");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Json::parse(got.body)["fields"]["follower_bucket"]["value"], kBucket);
  EXPECT_GE(got.AuditIndex(), 0);  // the read was audited at the global site before it left
  // Nothing but the projection: no profile or videos of P, no raw id.
  for (const std::string& target : {"/v1/subjects/" + p_kim + "/profile", "/v1/subjects/" + p_kim + "/videos",
                                    std::string("/v1/subjects/") + kKim + "/stats"}) {
    HttpReply none = gcall("GET", target);
    EXPECT_NE(none.status, 200) << target << ": " << none.body;
    EXPECT_FALSE(HoldsAPhone(none.body)) << none.body;
    EXPECT_EQ(none.body.find("cat video"), std::string::npos) << none.body;
  }
  // Writes, deletions, lookups and exports: 403 naming the rule, nothing changed.
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"PUT", "/v1/subjects/" + p_kim},
                                                        {"DELETE", "/v1/subjects/" + p_kim},
                                                        {"POST", "/v1/lookup"},
                                                        {"POST", "/v1/export"}}) {
    HttpReply refused = gcall(method, target, R"({"home":"GLOBAL","data":{"stats":{"follower_bucket":"x"}}})");
    EXPECT_EQ(refused.status, 403) << method << " " << target << ": " << refused.body;
    EXPECT_NE(refused.body.find("residency.global-interoperable-only"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(gcall("GET", "/v1/subjects/" + p_kim + "/stats?fields=follower_bucket").body, got.body);

  // Batches the global site refuses: the change stream (correctly signed), a
  // projection sealed to another site's key, and one carrying a protected value.
  const std::string seed = Base64Decode(Chomp(ReadAll(t_ + "/replication.key"))).value();
  auto post_batch = [&](const std::string& envelope) {
    return HttpClient("127.0.0.1", gport)
        .Send("POST", "/replication/v1/batch", {{"Content-Type", "application/json"}}, envelope);
  };
  HttpReply stream = post_batch(vault::SignBatch({"us-enclave-1", "g-1", 1u << 30, {}}, seed).value());
  EXPECT_EQ(stream.status, 403) << stream.body;
  EXPECT_NE(stream.body.find("residency.global-interoperable-only"), std::string::npos) << stream.body;
  const vault::ProjectionChange leak{std::string(64, 'c'), false, {{"profile", {{"phone", kPhone}}}}};
  const crypto::X25519KeyPair other = crypto::X25519Generate().value();
  HttpReply wrong_key =
      post_batch(vault::SealProjectionBatch({"us-enclave-1", "g-1", 1u << 30, {leak}}, seed, other.public_key).value());
  EXPECT_EQ(wrong_key.status, 403) << wrong_key.body;
  const std::string projection_key = Base64Decode(Chomp(ReadAll(t_ + "/global/projection.key"))).value();
  const std::string right_pub = crypto::X25519FromPrivate(projection_key).value().public_key;
  HttpReply protected_value =
      post_batch(vault::SealProjectionBatch({"us-enclave-1", "g-1", 1u << 30, {leak}}, seed, right_pub).value());
  EXPECT_EQ(protected_value.status, 403) << protected_value.body;
  EXPECT_NE(protected_value.body.find("residency.global-interoperable-only"), std::string::npos);
  EXPECT_FALSE(HoldsAPhone(gcall("GET", "/v1/subjects/" + std::string(64, 'c') + "/profile").body));

  // A deletion at the enclave drops lee's projection at the global site.
  HttpReply lee_before = gcall("GET", "/v1/subjects/" + p_lee + "/stats");
  ASSERT_EQ(lee_before.status, 200) << lee_before.body;
  HttpReply del = Call(port, "DELETE", std::string("/v1/subjects/") + kLee, "ingest", "ingest");
  ASSERT_EQ(del.status, 200) << del.body;
  ASSERT_TRUE(Eventually([&] { return gcall("GET", "/v1/subjects/" + p_lee + "/stats").status != 200; }))
      << gcall("GET", "/v1/subjects/" + p_lee + "/stats").body;
  EXPECT_EQ(gcall("GET", "/v1/subjects/" + p_kim + "/stats?fields=follower_bucket").status, 200);

  ASSERT_EQ(enclave->Terminate(), 0) << ReadAll(t_ + "/enclave.log");
  ASSERT_EQ(global->Terminate(), 0) << ReadAll(t_ + "/global.log");
  // Every file of the global site: no protected or profiling value, no raw subject
  // id, and the interoperable value only sealed (under the global site's own KEK).
  EXPECT_EQ(FilesContaining(t_ + "/global", {kPhone, kEmail, kBirth, "+1 212 555 0199", "lee.shredded@example.com",
                                             "global cat video", kKim, kLee, kBucket}),
            std::vector<std::string>{});
  EXPECT_EQ(ReadAll(t_ + "/global.log").find(kKim), std::string::npos);
}

}  // namespace
}  // namespace domicile::testing
