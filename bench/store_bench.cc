// bench_store: writes/s and reads/s of 1 KiB opaque records through the Store
// interface, at a given number of subjects, for RocksDB and PostgreSQL, with the
// in-memory backend measured in the same run as the no-I/O baseline. Also the
// resident memory (in-process backends) and disk bytes per million subjects.
//
//   bench_store [--subjects=N] [--backends=memory,rocksdb,postgres] [--threads=T]
//               [--reads=R] [--dir=PATH] [--bulk]
//
// Each write is one Apply (subject record + one 1 KiB field) acknowledged
// durably (RocksDB: synced WAL; PostgreSQL: synchronous_commit=on, fsync=on);
// T threads write at once, so both backends group-commit. Reads are
// GetFields of one field of a uniformly random subject.
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fakes/postgres_server.h"
#include "fakes/temp_dir.h"
#include "store/memory/memory_store.h"
#include "store/postgres/postgres_store.h"
#include "store/rocksdb/rocksdb_store.h"

namespace domicile::store {
namespace {

struct Flags {
  uint64_t subjects = 100000;
  std::vector<std::string> backends = {"memory", "rocksdb", "postgres"};
  int threads = 16;
  uint64_t reads = 200000;
  std::string dir;  // where RocksDB/PostgreSQL put their files; default $TMPDIR
  // PostgreSQL only: build the population with one server-side INSERT ... SELECT
  // (same ids and record sizes) instead of through the Store, for populations
  // too large to load one durable write at a time here.
  bool bulk = false;
};

std::string SubjectId(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "subject-%012llu", static_cast<unsigned long long>(i));
  return buf;
}

// 1 KiB of incompressible bytes, different per subject (like ciphertext).
std::string Record(uint64_t i) {
  std::string r(1024, '\0');
  std::mt19937_64 g(i);
  for (size_t k = 0; k < r.size(); k += 8) {
    uint64_t x = g();
    for (int b = 0; b < 8; ++b) r[k + b] = static_cast<char>(x >> (8 * b));
  }
  return r;
}

Mutation Write(uint64_t i) {
  Mutation m;
  m.subject = SubjectId(i);
  m.upsert = SubjectRecord{m.subject, "US", std::string(60, 'k'), 1};
  m.put_fields = {FieldRecord{"profile", "record", 1, Record(i)}};
  return m;
}

long RssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

uint64_t DiskBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// Runs fn(i) for i in [begin, end) on `threads` threads; returns ops/s.
template <typename Fn>
double Parallel(uint64_t begin, uint64_t end, int threads, Fn fn) {
  std::atomic<uint64_t> next{begin};
  std::atomic<uint64_t> errors{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (uint64_t i; (i = next.fetch_add(1)) < end;) {
        if (!fn(i)) errors++;
      }
    });
  }
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (errors) std::fprintf(stderr, "  %llu operations failed\n", static_cast<unsigned long long>(errors.load()));
  return static_cast<double>(end - begin) / secs;
}

// `bulk_secs` >= 0: the population was bulk-loaded beforehand (not through the
// Store) in that many seconds; only overwrites and reads are measured.
void Run(const std::string& name, Store& store, const Flags& f, const std::string& files_dir, double bulk_secs = -1) {
  long rss_before = RssKiB();
  auto t0 = std::chrono::steady_clock::now();
  std::string load = "bulk";
  if (bulk_secs < 0) {
    load = std::to_string(static_cast<long>(
        Parallel(0, f.subjects, f.threads, [&](uint64_t i) { return store.Apply(Write(i)).ok(); })));
  }
  double load_secs =
      bulk_secs >= 0 ? bulk_secs : std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  long rss_after = RssKiB();

  std::vector<uint64_t> keys(f.reads);
  std::mt19937_64 g(42);
  for (auto& k : keys) k = g() % f.subjects;
  const std::vector<std::string> names = {"record"};
  double reads = Parallel(0, f.reads, f.threads, [&](uint64_t i) {
    auto r = store.GetFields(SubjectId(keys[i]), "profile", names);
    return r.ok() && r->size() == 1 && (*r)[0].sealed.size() == 1024;
  });
  // Writes at the full population: overwrite a random sample.
  uint64_t sample = std::min<uint64_t>(f.subjects, 20000);
  double overwrite = Parallel(0, sample, f.threads, [&](uint64_t i) { return store.Apply(Write(keys[i])).ok(); });

  double per_million = 1e6 / static_cast<double>(f.subjects);
  std::printf("%-9s %10llu %12s %12.0f %12.0f %14.1f %14.1f %8.1f\n", name.c_str(),
              static_cast<unsigned long long>(f.subjects), load.c_str(), overwrite, reads,
              (rss_after - rss_before) / 1024.0 * per_million,
              files_dir.empty() ? 0.0 : DiskBytes(files_dir) / 1048576.0 * per_million, load_secs);
  std::fflush(stdout);
}

Flags Parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? a.c_str() + n : nullptr;
    };
    if (const char* v = value("--subjects=")) {
      f.subjects = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--threads=")) {
      f.threads = std::atoi(v);
    } else if (const char* v = value("--reads=")) {
      f.reads = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--dir=")) {
      f.dir = v;
    } else if (a == "--bulk") {
      f.bulk = true;
    } else if (const char* v = value("--backends=")) {
      f.backends.clear();
      std::stringstream ss(v);
      for (std::string b; std::getline(ss, b, ',');) f.backends.push_back(b);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      std::exit(2);
    }
  }
  if (f.subjects == 0 || f.threads < 1) {
    std::fprintf(stderr, "--subjects and --threads must be positive\n");
    std::exit(2);
  }
  return f;
}

// The same rows Write(i) makes (ids, a 60-byte key blob, one 1 KiB field), made
// by the server. The field bytes differ per subject but are not random; records
// under 2 KiB are stored uncompressed, so the size on disk is the same.
bool BulkLoadPostgres(const std::string& conninfo, uint64_t n) {
  const std::string last = std::to_string(n - 1);
  const std::string id = "convert_to('subject-' || lpad(i::text, 12, '0'), 'UTF8')";
  const std::string sql[] = {
      "INSERT INTO domicile_subjects (id, home, key_blob, generation) SELECT " + id +
          ", convert_to('US', 'UTF8'), convert_to(repeat('k', 60), 'UTF8'), 1 FROM generate_series(0, " + last +
          ") i",
      "INSERT INTO domicile_fields (subject, collection, field, version, sealed) SELECT " + id +
          ", convert_to('profile', 'UTF8'), convert_to('record', 'UTF8'), 1, decode(repeat(md5(i::text), 64), "
          "'hex') FROM generate_series(0, " +
          last + ") i",
      "ANALYZE",
  };
  PGconn* c = PQconnectdb(conninfo.c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  for (const auto& q : sql) {
    if (!ok) break;
    PGresult* r = PQexec(c, q.c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) std::fprintf(stderr, "bulk load: %s\n", PQerrorMessage(c));
    PQclear(r);
  }
  PQfinish(c);
  return ok;
}

int RunBackend(const std::string& b, const Flags& f) {
  if (b == "memory") {
    auto s = NewMemoryStore();
    Run(b, *s, f, "");
  } else if (b == "rocksdb") {
    domicile::testing::TempDir dir;
    auto s = OpenRocksDbStore(dir.path() + "/db");
    if (!s.ok()) return std::fprintf(stderr, "rocksdb: %s\n", s.status().message().c_str()), 1;
    Run(b, **s, f, dir.path());
  } else if (b == "postgres") {
    auto server = domicile::testing::PostgresServer::Start();
    if (!server.ok()) return std::fprintf(stderr, "postgres: %s\n", server.status().message().c_str()), 1;
    auto s = OpenPostgresStore({.conninfo = (*server)->conninfo(), .pool_size = f.threads});
    if (!s.ok()) return std::fprintf(stderr, "postgres: %s\n", s.status().message().c_str()), 1;
    double bulk_secs = -1;
    if (f.bulk) {
      auto t0 = std::chrono::steady_clock::now();
      if (!BulkLoadPostgres((*server)->conninfo(), f.subjects)) return 1;
      bulk_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    // Client RSS only; the server's memory is its configured shared_buffers plus
    // per-connection work memory, not per subject.
    Run(b, **s, f, (*server)->data_dir(), bulk_secs);
  } else {
    std::fprintf(stderr, "unknown backend %s\n", b.c_str());
    return 2;
  }
  std::fflush(stdout);
  return 0;
}

int Main(int argc, char** argv) {
  Flags f = Parse(argc, argv);
  if (!f.dir.empty()) setenv("TMPDIR", f.dir.c_str(), 1);
  std::printf("1 KiB records, %d threads, %llu random reads; durable writes (fsync)\n", f.threads,
              static_cast<unsigned long long>(f.reads));
  std::printf("%-9s %10s %12s %12s %12s %14s %14s %8s\n", "backend", "subjects", "load w/s", "overwrite w/s",
              "reads/s", "RSS MiB/1M", "disk MiB/1M", "load s");
  for (const auto& b : f.backends) {
    // Each backend in its own process, so its resident memory is measured alone
    // (memory freed by a previous backend is not always returned to the OS).
    std::fflush(stdout);
    pid_t pid = ::fork();
    if (pid == 0) std::_Exit(RunBackend(b, f));
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  }
  return 0;
}

}  // namespace
}  // namespace domicile::store

int main(int argc, char** argv) { return domicile::store::Main(argc, argv); }
