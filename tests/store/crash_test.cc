// kill -9 during concurrent writes loses no acknowledged write. A writer process
// (store_crash_writer) writes from several threads and reports each OK'd write on
// a pipe; after a fixed number of acknowledgements we kill it with SIGKILL (for
// PostgreSQL we first crash the server with `pg_ctl stop -m immediate`), read the
// acknowledgements still in the pipe, reopen the store and look for every one.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fakes/postgres_server.h"
#include "fakes/temp_dir.h"
#include "gtest/gtest.h"
#include "store/crash_workload.h"
#include "store/postgres/postgres_store.h"
#include "store/rocksdb/rocksdb_store.h"

extern char** environ;

namespace domicile::store::testing {
namespace {

constexpr int kAcksBeforeKill = 400;

struct Acks {
  std::set<std::string> created;
  std::map<int, uint64_t> counter;  // thread -> highest acknowledged version
  size_t total = 0;
};

std::string WriterPath() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "store_crash_writer").string();
}

// Runs the writer, calls crash() after kAcksBeforeKill acknowledgements, kills
// the writer, and returns every acknowledgement it managed to send.
Acks RunAndKill(const std::vector<std::string>& args, const std::function<void()>& crash) {
  Acks acks;
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<std::string> argv_s = {WriterPath()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ADD_FAILURE() << "cannot run " << argv_s[0];
    ::close(fds[0]);
    return acks;
  }
  FILE* in = ::fdopen(fds[0], "r");
  char* line = nullptr;
  size_t cap = 0;
  bool killed = false;
  while (::getline(&line, &cap, in) > 0) {
    std::istringstream ss(line);
    std::string kind;
    ss >> kind;
    if (kind == "c") {
      std::string id;
      ss >> id;
      acks.created.insert(id);
    } else if (kind == "u") {
      int t = 0;
      uint64_t v = 0;
      ss >> t >> v;
      acks.counter[t] = std::max(acks.counter[t], v);
    } else {
      ADD_FAILURE() << "bad line from writer: " << line;
    }
    if (++acks.total == kAcksBeforeKill && !killed) {
      crash();
      ::kill(pid, SIGKILL);
      killed = true;  // keep reading: lines already in the pipe were acknowledged
    }
  }
  std::free(line);
  std::fclose(in);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(killed) << "the writer ended before " << kAcksBeforeKill << " acknowledgements";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "writer status " << status;
  return acks;
}

void ExpectAllAcknowledgedWritesPresent(Store& store, const Acks& acks) {
  ASSERT_GE(acks.total, size_t{kAcksBeforeKill});
  for (const auto& id : acks.created) {
    auto subject = store.GetSubject(id);
    ASSERT_TRUE(subject.ok()) << subject.status().message();
    EXPECT_TRUE(subject->has_value()) << "lost acknowledged subject " << id;
    auto fields = store.GetFields(id, "profile", {"email"});
    ASSERT_TRUE(fields.ok());
    ASSERT_EQ(fields->size(), 1u) << "lost acknowledged field of " << id;
    EXPECT_EQ((*fields)[0].sealed, CrashSealed(id));
    auto found = store.Lookup(kCrashIndex, "tok-" + id);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::vector<std::string>{id}) << "lost acknowledged index entry of " << id;
  }
  for (const auto& [t, v] : acks.counter) {
    auto f = store.GetFields(CrashCounterId(t), "counter", {"value"});
    ASSERT_TRUE(f.ok());
    ASSERT_EQ(f->size(), 1u);
    EXPECT_GE((*f)[0].version, v) << "counter " << t << " went back before an acknowledged update";
  }
  // And the recovered store takes writes again.
  EXPECT_TRUE(store.Apply(CrashCreate("after-recovery")).ok());
}

TEST(StoreCrashTest, RocksDbKill9LosesNoAcknowledgedWrite) {
  domicile::testing::TempDir dir;
  std::string db = dir.path() + "/db";
  Acks acks = RunAndKill({"rocksdb", db}, [] {});
  auto store = OpenRocksDbStore(db);
  ASSERT_TRUE(store.ok()) << store.status().message();
  ExpectAllAcknowledgedWritesPresent(**store, acks);
}

TEST(StoreCrashTest, PostgresServerCrashAndClientKill9LoseNoAcknowledgedWrite) {
  if (std::string why = domicile::testing::PostgresServer::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  auto server = domicile::testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().message();
  auto& pg = **server;
  Acks acks = RunAndKill({"postgres", pg.conninfo()}, [&] { ASSERT_TRUE(pg.Crash().ok()); });
  ASSERT_TRUE(pg.Restart().ok()) << "restart after crash failed, see " << pg.log_path();
  auto store = OpenPostgresStore({.conninfo = pg.conninfo()});
  ASSERT_TRUE(store.ok()) << store.status().message();
  ExpectAllAcknowledgedWritesPresent(**store, acks);
}

}  // namespace
}  // namespace domicile::store::testing
