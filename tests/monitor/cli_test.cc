// `domicile witness` and `domicile monitor` as real processes: a witness process
// cosigns the log over HTTP, the monitor follows the published log, finds the
// violations, writes the report, catches a fork and its proof verifies with
// `verify-evidence`; bad configurations fail with one line and a non-zero exit.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "common/file.h"
#include "fakes/cli_runner.h"
#include "fakes/temp_dir.h"
#include "gateway/audit_entry.h"
#include "monitor/http_client.h"
#include "server/http_server.h"
#include "server/log_publication.h"
#include "tlog/cosignature.h"

extern char** environ;

namespace domicile::monitor {
namespace {

using testing::CmdResult;
using testing::DomicileBinary;

std::string Entry(int i, const std::string& country) {
  gateway::AuditEntry e;
  e.time_unix_micros = 1'795'000'000'000'000 + int64_t(i) * 1'000'000;  // 2026-11-18
  e.request_id = "r" + std::to_string(i);
  e.principal = "Domicile::Employee::\"ana\"";
  e.source_country = country;
  e.action = "read";
  e.collection = "profile";
  e.fields.push_back({"profile.phone", gateway::View::kPlain, {"p"}, {}});
  e.purpose = "support";
  e.outcome = "allowed";
  e.http_status = 200;
  return e.ToJson();
}

class MonitorCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(DomicileBinary())) GTEST_SKIP() << DomicileBinary() << " is not built";
    t_ = tmp_.path();
  }
  void TearDown() override {
    if (witness_pid_ > 0) {
      kill(witness_pid_, SIGTERM);
      int status = 0;
      waitpid(witness_pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
  }
  CmdResult D(const std::string& args, const std::string& input = "") { return testing::RunDomicile(t_, args, input); }
  void Write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileSynced(*FileSystem::Default(), t_ + "/" + name, text).ok());
  }
  // Starts `domicile witness serve` and returns its port (read from its stderr).
  int StartWitness() {
    std::string bin = DomicileBinary(), cfg = t_ + "/witness.yaml", err = t_ + "/witness.err";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const char* argv[] = {bin.c_str(), "witness", "serve", "--config", cfg.c_str(), nullptr};
    EXPECT_EQ(posix_spawn(&witness_pid_, bin.c_str(), &fa, nullptr, const_cast<char**>(argv), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    std::regex listening("listening on 127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 500; ++i) {  // up to 10 s for the process to start
      std::smatch m;
      std::string text = FileSystem::Default()->ReadFile(err).value_or("");
      if (std::regex_search(text, m, listening)) return std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "witness did not start: " << FileSystem::Default()->ReadFile(err).value_or("");
    return 0;
  }

  testing::TempDir tmp_;
  std::string t_;
  pid_t witness_pid_ = 0;
};

TEST_F(MonitorCliTest, WitnessCosignsMonitorFollowsReportsAndCatchesAFork) {
  const std::string origin = "cli.domicile.example/audit";
  CmdResult r = D("log init " + t_ + "/log --origin " + origin + " --key " + t_ + "/log.key");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string vkey = r.out.substr(0, r.out.size() - 1);
  std::string entries;
  for (int i = 0; i < 6; ++i) entries += Entry(i, i % 3 == 0 ? "SG" : "US") + "\n";
  ASSERT_EQ(D("log append " + t_ + "/log --key " + t_ + "/log.key", entries).code, 0);

  r = D("witness keygen --name witness.cli.example/w1 --key " + t_ + "/w.key");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string wkey = r.out.substr(0, r.out.size() - 1);
  EXPECT_EQ(D("witness keygen --name witness.cli.example/w1 --key " + t_ + "/w.key").out, r.out);  // kept
  Write("witness.yaml", "key_file: w.key\nstate_dir: wstate\nlisten: 127.0.0.1:0\nlogs:\n  - origin: " + origin +
                            "\n    keys: [\"" + vkey + "\"]\n");
  int port = StartWitness();
  ASSERT_GT(port, 0);

  // The log asks the witness (as the gateway will) and publishes the cosigned checkpoint.
  r = D("log prove-consistency " + t_ + "/log --old 0");
  ASSERT_EQ(r.code, 0);
  auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(port));
  auto reply = (*client)->Post("/add-checkpoint", r.out, "text/plain");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_EQ(reply->status, 200) << reply->body;
  std::string served = *tlog::AddSignatureLines(D("log checkpoint " + t_ + "/log").out, reply->body);
  auto router = std::make_shared<server::Router>();
  router->Add("GET", "/log/checkpoint", [&served](const server::HttpRequest&) {
    server::HttpResponse resp;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = served;
    return resp;
  });
  server::AddLogPublicationRoutes(*router, t_ + "/log", FileSystem::Default());
  auto http = server::HttpServer::Start({.threads = 1}, router, nullptr, {});
  ASSERT_TRUE(http.ok());

  Write("monitor.yaml", "log: {url: \"http://127.0.0.1:" + std::to_string((*http)->port()) + "/log\", origin: " +
                            origin + ", keys: [\"" + vkey + "\"]}\nwitnesses: {keys: [\"" + wkey +
                            "\"], quorum: 1}\nstate_dir: mstate\ncompliance: {home: US, directory: dir.json}\n");
  Write("dir.json", R"([{"uid":{"type":"Domicile::Employee","id":"ana"},"attrs":{},"parents":[]}])");
  r = D("monitor follow --once --config " + t_ + "/monitor.yaml");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("size 6"), std::string::npos) << r.err;
  int violations = 0;
  for (size_t p = 0; (p = r.out.find("foreign-access-to-home-data", p)) != std::string::npos; ++p) ++violations;
  EXPECT_EQ(violations, 2) << r.out;  // entries 0 and 3 came from SG
  EXPECT_EQ(r.out.find("\"finding\""), std::string::npos) << r.out;

  r = D("monitor report --config " + t_ + "/monitor.yaml --since 2026-11-18 --until 2026-11-19 --html " + t_ +
        "/r.html --json " + t_ + "/r.json");
  ASSERT_EQ(r.code, 0) << r.err;
  std::string html = FileSystem::Default()->ReadFile(t_ + "/r.html").value_or("");
  EXPECT_NE(html.find("foreign-access-to-home-data"), std::string::npos);
  EXPECT_NE(html.find("witness.cli.example/w1"), std::string::npos);  // the cosignature is listed
  EXPECT_NE(FileSystem::Default()->ReadFile(t_ + "/r.json").value_or("").find("\"entries\": 6"), std::string::npos);

  // A second view of the same size: the operator rebuilt the log with other entries.
  std::filesystem::remove_all(t_ + "/log");
  ASSERT_EQ(D("log init " + t_ + "/log --origin " + origin + " --key " + t_ + "/log.key").code, 0);
  std::string other;
  for (int i = 0; i < 6; ++i) other += Entry(i, "US") + "\n";
  ASSERT_EQ(D("log append " + t_ + "/log --key " + t_ + "/log.key", other).code, 0);
  served = D("log checkpoint " + t_ + "/log").out;
  r = D("monitor follow --once --config " + t_ + "/monitor.yaml");
  EXPECT_EQ(r.code, 2) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\"evidence\":\"(fork-[0-9a-f]+\\.json)\""))) << r.out;
  r = D("monitor verify-evidence " + t_ + "/mstate/evidence/" + m[1].str() + " --vkey " + vkey);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "misbehaviour proven: fork\n");
  (*http)->Shutdown();
}

TEST_F(MonitorCliTest, BadInputFailsWithOneLine) {
  for (const std::string& args :
       {std::string("monitor follow --once --config ") + t_ + "/missing.yaml",
        std::string("monitor report --config ") + t_ + "/missing.yaml --since 2026-01-01 --until 2026-01-02",
        std::string("witness serve --config ") + t_ + "/missing.yaml",
        std::string("witness keygen --name 'bad name' --key ") + t_ + "/k",
        std::string("monitor verify-evidence ") + t_ + "/missing --vkey x"}) {
    CmdResult r = D(args);
    EXPECT_EQ(r.code, 1) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }
  Write("bad.yaml", "log: {url: u, origin: o, keys: [k]}\nstate_dir: s\ncompliance: {home: US}\nextra: 1\n");
  CmdResult r = D("monitor follow --once --config " + t_ + "/bad.yaml");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("unknown key"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace domicile::monitor
