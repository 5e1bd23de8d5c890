// The `domicile log` CLI as a real process: the exact outputs ARCHITECTURE.md
// promises, one-line errors with a non-zero exit on bad input, and kill -9 while
// appending: afterwards `verify` passes and appending continues from the checkpoint;
// a second appender on the same directory is refused.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <regex>
#include <thread>

#include "common/file.h"
#include "fakes/cli_runner.h"
#include "fakes/temp_dir.h"
#include "tlog/appender.h"
#include "tlog/merkle.h"
#include "tlog/proof_format.h"

namespace domicile::tlog {
namespace {

using testing::CmdResult;
using testing::DomicileBinary;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(DomicileBinary())) GTEST_SKIP() << DomicileBinary() << " is not built";
    dir_ = tmp_.path() + "/log";
    key_ = tmp_.path() + "/log.key";
    CmdResult r = D("log init " + dir_ + " --origin example.com/cli --key " + key_);
    ASSERT_EQ(r.code, 0) << r.err;
    vkey_ = r.out.substr(0, r.out.size() - 1);
    ASSERT_EQ(r.out, vkey_ + "\n");
  }
  CmdResult D(const std::string& args, const std::string& input = "") { return testing::RunDomicile(tmp_.path(), args, input); }
  uint64_t Size() {
    CmdResult r = D("log checkpoint " + dir_);
    size_t a = r.out.find('\n'), b = r.out.find('\n', a + 1);
    return std::stoull(r.out.substr(a + 1, b - a - 1));
  }
  testing::TempDir tmp_;
  std::string dir_, key_, vkey_;
};

void ExpectOneLineError(const CmdResult& r) {
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err.rfind("domicile: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(CliTest, InitPrintsOnlyTheVerifierKeyAndProtectsThePrivateKey) {
  EXPECT_TRUE(std::regex_match(vkey_, std::regex(R"(example\.com/cli\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44})"))) << vkey_;
  struct stat st;
  ASSERT_EQ(::stat(key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ExpectOneLineError(D("log init " + dir_ + " --origin example.com/cli --key " + key_));  // exists
  // An existing key is reused: same verifier key for a second log.
  CmdResult again = D("log init " + tmp_.path() + "/log2 --origin example.com/cli --key " + key_);
  EXPECT_EQ(again.out, vkey_ + "\n");
}

TEST_F(CliTest, AppendProveVerifyWithExactOutputs) {
  CmdResult r = D("log append " + dir_ + " --key " + key_, "alpha\nbeta\ngamma");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n");
  ASSERT_TRUE(WriteFileSynced(*FileSystem::Default(), tmp_.path() + "/e1", "file entry\nwith newline").ok());
  r = D("log append " + dir_ + " --key " + key_ + " " + tmp_.path() + "/e1 " + tmp_.path() + "/e1");
  EXPECT_EQ(r.out, "3\n4\n");

  CmdResult cp = D("log checkpoint " + dir_);
  EXPECT_EQ(cp.out, *FileSystem::Default()->ReadFile(dir_ + "/checkpoint"));

  auto verifier = std::move(NewVerifier(vkey_)).value();
  const NoteVerifier* known[] = {verifier.get()};
  CmdResult prove = D("log prove " + dir_ + " --index 3");
  ASSERT_EQ(prove.code, 0) << prove.err;
  auto proof = ParseTlogProof(prove.out);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  EXPECT_TRUE(VerifyTlogProof(*proof, HashBytes(HashLeaf("file entry\nwith newline")), known).ok());
  EXPECT_EQ(proof->checkpoint, cp.out);

  CmdResult pc = D("log prove-consistency " + dir_ + " --old 2");
  ASSERT_EQ(pc.code, 0) << pc.err;
  auto req = ParseAddCheckpoint(pc.out);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->old_size, 2u);
  MemoryTree t;
  t.AppendEntry("alpha");
  t.AppendEntry("beta");
  EXPECT_TRUE(VerifyAddCheckpoint(*req, HashBytes(t.Root()), known).ok());
  EXPECT_EQ(D("log prove-consistency " + dir_ + " --old 0").out, "old 0\n\n" + cp.out);
  EXPECT_EQ(D("log prove-consistency " + dir_ + " --old 5").out, "old 5\n\n" + cp.out);

  CmdResult v = D("log verify " + dir_ + " --vkey " + vkey_);
  EXPECT_EQ(v.code, 0) << v.err;
  ASSERT_TRUE(WriteFileSynced(*FileSystem::Default(), tmp_.path() + "/vkey", vkey_ + "\n").ok());
  EXPECT_EQ(D("log verify " + dir_ + " --vkey " + tmp_.path() + "/vkey").code, 0);
}

TEST_F(CliTest, BadInputGetsAOneLineErrorAndChangesNothing) {
  ASSERT_EQ(D("log append " + dir_ + " --key " + key_, "a\nb\n").code, 0);
  std::string before = *FileSystem::Default()->ReadFile(dir_ + "/checkpoint");
  ExpectOneLineError(D("log prove " + dir_ + " --index 2"));
  ExpectOneLineError(D("log prove " + dir_ + " --index -1"));
  ExpectOneLineError(D("log prove " + dir_ + " --index x"));
  ExpectOneLineError(D("log prove-consistency " + dir_ + " --old 3"));
  ExpectOneLineError(D("log verify " + dir_ + " --vkey nonsense"));
  ExpectOneLineError(D("log verify " + tmp_.path() + "/nolog --vkey " + vkey_));
  auto other = GenerateNoteKey("example.com/cli");
  ExpectOneLineError(D("log verify " + dir_ + " --vkey " + other->verifier_key));
  ASSERT_TRUE(WriteFileSynced(*FileSystem::Default(), tmp_.path() + "/big", std::string(65536, 'x')).ok());
  CmdResult big = D("log append " + dir_ + " --key " + key_ + " " + tmp_.path() + "/big");
  ExpectOneLineError(big);
  EXPECT_NE(big.err.find("65535"), std::string::npos);
  ExpectOneLineError(D("log append " + dir_ + " --key " + tmp_.path() + "/missing.key", "x\n"));
  EXPECT_EQ(*FileSystem::Default()->ReadFile(dir_ + "/checkpoint"), before);
}

TEST_F(CliTest, AppendRefusesALogThatAnotherAppenderHolds) {
  FileSystem& fs = *FileSystem::Default();
  std::string skey = fs.ReadFile(key_).value_or("");
  skey.erase(skey.find_last_not_of('\n') + 1);
  auto held = Appender::Open(fs, dir_, skey);  // this process holds the directory
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  CmdResult r = D("log append " + dir_ + " --key " + key_, "x\n");
  ExpectOneLineError(r);
  EXPECT_NE(r.err.find("already open for appending"), std::string::npos) << r.err;
  EXPECT_EQ(Size(), 0u);
  ASSERT_TRUE((*held)->Close().ok());
  r = D("log append " + dir_ + " --key " + key_, "x\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n");
}

TEST_F(CliTest, VerifyAcceptsTheTesseraLog) {
  std::string shared = testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "shared test data is absent";
  CmdResult r = D("log verify " + shared + "/testdata/tlog/tessera-log --vkey "
            "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx");
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(CliTest, KillDashNineWhileAppendingLeavesAVerifiableLog) {
  std::mt19937 rng(99);
  // The killed `domicile` outlives its shell while a syscall in progress (syncfs)
  // finishes, and holds the log's lock until then: becoming the subreaper of the
  // shell's orphans lets the test wait for every process of the group.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  for (int round = 0; round < 6; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::setpgid(0, 0);
      std::string loop = "while :; do seq 1 700 | '" + DomicileBinary() + "' log append '" + dir_ + "' --key '" + key_ +
                         "' >/dev/null || exit 1; done";
      ::execl("/bin/sh", "sh", "-c", loop.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(-pid, &status, 0) > 0 || errno == EINTR) {
    }  // until ECHILD: nothing of the group is left
    ASSERT_EQ(errno, ECHILD);
    CmdResult v = D("log verify " + dir_ + " --vkey " + vkey_);
    ASSERT_EQ(v.code, 0) << "round " << round << ": " << v.err;
    uint64_t size = Size();
    CmdResult a = D("log append " + dir_ + " --key " + key_, "after kill\n");
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(a.out, std::to_string(size) + "\n");
  }
  EXPECT_GT(Size(), 6u);
}

}  // namespace
}  // namespace domicile::tlog
