// Helper for crash_test.cc: writes to a store from several threads until it is
// killed, and reports every acknowledged write on stdout, one line each, written
// with a single write(2) only after Apply returned OK:
//   "c ID"   subject ID was created with its field and index entry
//   "u T V"  subject "counter-T" got field version V
// Usage: store_crash_writer rocksdb DIR | postgres CONNINFO
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "store/crash_workload.h"
#include "store/postgres/postgres_store.h"
#include "store/rocksdb/rocksdb_store.h"

namespace domicile::store::testing {
namespace {

void Report(const std::string& line) {
  std::string l = line + "\n";
  // Lines are far below PIPE_BUF, so each write is atomic.
  if (::write(STDOUT_FILENO, l.data(), l.size()) != static_cast<ssize_t>(l.size())) _exit(3);
}

int Main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s rocksdb DIR | postgres CONNINFO\n", argv[0]);
    return 2;
  }
  std::string kind = argv[1];
  Result<std::unique_ptr<Store>> store = kind == "rocksdb" ? OpenRocksDbStore(argv[2])
                                                           : OpenPostgresStore({.conninfo = argv[2]});
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().message().c_str());
    return 1;
  }
  Store& s = **store;
  std::vector<std::thread> threads;
  for (int t = 0; t < kCrashThreads; ++t) {
    threads.emplace_back([&s, t] {
      if (!s.Apply(CrashCounterCreate(t)).ok()) return;
      for (int i = 0; i < kCrashMaxPerThread; ++i) {
        std::string id = CrashSubjectId(t, i);
        if (s.Apply(CrashCreate(id)).ok()) Report("c " + id);
        if (s.Apply(CrashCounterUpdate(t, i + 1)).ok()) Report("u " + std::to_string(t) + " " + std::to_string(i + 1));
        // After a server crash every call fails fast; don't spin.
        else std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  for (auto& th : threads) th.join();
  return 0;
}

}  // namespace
}  // namespace domicile::store::testing

int main(int argc, char** argv) { return domicile::store::testing::Main(argc, argv); }
