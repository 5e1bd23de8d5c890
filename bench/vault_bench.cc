// bench_vault: sealed writes/s and reads/s of 1 KB records through the vault, next
// to the same store operations without encryption, in the same run and on the same
// backend (RocksDB with its synced WAL; PostgreSQL when --postgres is given and the
// harness can start a server).
//
//   bench_vault [subjects=2000] [rounds=3] [rocksdb|postgres|all (default)]
//   bench_vault scale SUBJECTS DIR [ops=2000]
//
// "scale" (RocksDB): bulk-loads SUBJECTS subjects into a plain and a sealed
// database under DIR (once; unsynced WAL, vault Put for the sealed side, reused by
// later runs), then reopens both with the synced WAL and measures, interleaved:
// durable writes of new subjects, reads of subjects drawn uniformly from all of
// them, and reads from a 10,000-subject hot set; plus process RSS and disk bytes.
//
// The baseline does exactly the store calls the vault does (Put: GetSubject,
// GetFields, Apply; Get: GetSubject, GetFields) with the plaintext stored as is.
// Each round uses fresh databases and interleaves baseline and vault operation by
// operation; the best round counts.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include <libpq-fe.h>

#include "common/clock.h"
#include "common/file.h"
#include "crypto/keyring.h"
#include "fakes/postgres_server.h"
#include "store/postgres/postgres_store.h"
#include "store/rocksdb/rocksdb_store.h"
#include "vault/vault.h"

namespace {

using namespace domicile;  // NOLINT

constexpr char kConfig[] = R"(
site: sg-1
sites: [{id: sg-1, jurisdiction: SG, custodian: SG Data Trust, role: enclave}]
collections: {profile: {fields: {bio: protected}}}
)";

constexpr int kReadPasses = 10;  // reads are cheap next to synced writes

std::string SubjectId(int i) { return "subject-" + std::to_string(1000000 + i); }

// A 1 KB JSON string value (1024 bytes once serialized with its quotes) of
// pseudo-random letters: incompressible for RocksDB's LZ-style compression, like
// the sealed side, so that both databases have the same size.
std::string Value(int i) {
  std::string v = std::to_string(i) + ":";
  std::minstd_rand rng(uint32_t(i) + 1);
  while (v.size() < 1022) v += char('a' + rng() % 26);
  return v;
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "bench_vault: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// One round: the baseline and the vault run interleaved operation by operation,
// so that both see the same machine load (the host is shared); each side's time
// is the sum of its own operations.
struct Rates {
  double plain_writes = 0, sealed_writes = 0, plain_reads = 0, sealed_reads = 0;
};

using Clk = std::chrono::steady_clock;
double Since(Clk::time_point t0, Clk::time_point t1) { return std::chrono::duration<double>(t1 - t0).count(); }

void PlainPut(store::Store& s, int i) {
  const std::string id = SubjectId(i);
  Check(s.GetSubject(id).status(), "get subject");
  Check(s.GetFields(id, "profile", {"bio"}).status(), "get fields");
  store::Mutation m;
  m.subject = id;
  m.upsert = store::SubjectRecord{id, "SG", "", 1};
  m.put_fields.push_back({"profile", "bio", 1, "s" + Value(i)});
  Check(s.Apply(m), "apply");
}

void PlainGet(store::Store& s, int i) {
  const std::string id = SubjectId(i);
  Check(s.GetSubject(id).status(), "get subject");
  auto f = s.GetFields(id, "profile", {});
  Check(f.status(), "get fields");
  if (f->size() != 1) Check(InternalError("missing field"), "read");
}

void SealedGet(vault::Vault& v, int i) {
  auto got = v.Get(SubjectId(i), "profile", {});
  Check(got.status(), "get");
  if (got->size() != 1) Check(InternalError("missing field"), "read");
}

Rates Round(store::Store& plain, vault::Vault& v, int n) {
  double pw = 0, sw = 0, pr = 0, sr = 0;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clk::now();
    PlainPut(plain, i);
    const auto t1 = Clk::now();
    Check(v.Put(SubjectId(i), "SG", {{"profile", {{"bio", Value(i)}}}}), "put");
    const auto t2 = Clk::now();
    pw += Since(t0, t1);
    sw += Since(t1, t2);
  }
  for (int i = 0; i < kReadPasses * n; ++i) {
    const auto t0 = Clk::now();
    PlainGet(plain, i % n);
    const auto t1 = Clk::now();
    SealedGet(v, i % n);
    const auto t2 = Clk::now();
    pr += Since(t0, t1);
    sr += Since(t1, t2);
  }
  return {n / pw, n / sw, kReadPasses * n / pr, kReadPasses * n / sr};
}


// Opens a fresh, empty store for round `round`, side `side` ("plain"/"sealed").
using StoreFactory = std::function<Result<std::unique_ptr<store::Store>>(int round, const std::string& side)>;

void Run(const std::string& backend, const StoreFactory& open, const vault::VaultConfig& config,
         crypto::Keyring& keyring, int n, int rounds) {
  Rates best;
  for (int round = 0; round < rounds; ++round) {
    auto plain = open(round, "plain");
    auto sealed = open(round, "sealed");
    Check(plain.status(), "open store");
    Check(sealed.status(), "open store");
    auto v = vault::Vault::Open(config, sealed->get(), &keyring, Clock::System());
    Check(v.status(), "open vault");
    const Rates r = Round(**plain, **v, n);
    best.plain_writes = std::max(best.plain_writes, r.plain_writes);
    best.sealed_writes = std::max(best.sealed_writes, r.sealed_writes);
    best.plain_reads = std::max(best.plain_reads, r.plain_reads);
    best.sealed_reads = std::max(best.sealed_reads, r.sealed_reads);
  }
  auto overhead = [](double plain, double sealed) { return 100.0 * (plain / sealed - 1.0); };
  std::printf("bench_vault: 1 KB records, %d subjects, %s, best of %d rounds\n", n, backend.c_str(), rounds);
  std::printf("%-10s %16s %16s %10s\n", "", "plain (no enc)", "vault (sealed)", "overhead");
  std::printf("%-10s %14.0f/s %14.0f/s %9.1f%%\n", "writes", best.plain_writes, best.sealed_writes,
              overhead(best.plain_writes, best.sealed_writes));
  std::printf("%-10s %14.0f/s %14.0f/s %9.1f%%\n", "reads", best.plain_reads, best.sealed_reads,
              overhead(best.plain_reads, best.sealed_reads));
  std::fflush(stdout);
}

long RssKib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

uint64_t DiskBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

int Scale(int n, const std::string& dir, int ops) {
  std::filesystem::create_directories(dir);
  auto config = vault::ParseVaultConfig(kConfig);
  Check(config.status(), "config");
  const std::string keyring_path = dir + "/keyring.json", root_path = dir + "/root.key";
  std::string root;
  if (!std::filesystem::exists(keyring_path)) {
    auto created = crypto::FileKeyring::Create(*FileSystem::Default(), keyring_path, {"SG"});
    Check(created.status(), "keyring");
    root = created->root_key;
    std::ofstream(root_path) << crypto::FormatRootKeyFile(root);  // bench data only
  } else {
    std::ifstream in(root_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = crypto::ParseRootKeyFile(text);
    Check(parsed.status(), "root key");
    root = *parsed;
  }
  auto keyring = crypto::FileKeyring::Open(*FileSystem::Default(), keyring_path);
  Check(keyring.status(), "open keyring");
  auto open = [&](bool sync) {
    auto plain = store::OpenRocksDbStore(dir + "/plain", {.sync_writes = sync});
    auto sealed = store::OpenRocksDbStore(dir + "/sealed", {.sync_writes = sync});
    Check(plain.status(), "open plain");
    Check(sealed.status(), "open sealed");
    auto v = vault::Vault::Open(*config, sealed->get(), keyring->get(), Clock::System());
    Check(v.status(), "open vault");
    Check((*v)->Unseal(root), "unseal");
    struct Opened {
      std::unique_ptr<store::Store> plain, sealed;
      std::unique_ptr<vault::Vault> vault;
    };
    return Opened{std::move(*plain), std::move(*sealed), std::move(*v)};
  };

  const std::string marker = dir + "/loaded." + std::to_string(n);
  if (!std::filesystem::exists(marker)) {
    auto db = open(/*sync=*/false);
    const auto t0 = Clk::now();
    for (int i = 0; i < n; ++i) {
      store::Mutation m;
      m.subject = SubjectId(i);
      m.upsert = store::SubjectRecord{m.subject, "SG", "", 1};
      m.put_fields.push_back({"profile", "bio", 1, "s" + Value(i)});
      Check(db.plain->Apply(m), "load plain");
      Check(db.vault->Put(SubjectId(i), "SG", {{"profile", {{"bio", Value(i)}}}}), "load sealed");
      if ((i + 1) % 50000 == 0) {
        std::fprintf(stderr, "bench_vault: loaded %d/%d subjects in %.0f s\n", i + 1, n, Since(t0, Clk::now()));
      }
    }
    std::ofstream(marker) << n << "\n";
    std::fprintf(stderr, "bench_vault: load done in %.0f s\n", Since(t0, Clk::now()));
  }

  const long rss_before = RssKib();
  auto db = open(/*sync=*/true);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> all(0, n - 1), hot(0, std::min(n, 10000) - 1);
  double pw = 0, sw = 0, pr = 0, sr = 0, phr = 0, shr = 0;
  const std::string run = std::to_string(::getpid());
  auto time = [](auto&& f) {
    const auto t0 = Clk::now();
    f();
    return Since(t0, Clk::now());
  };
  for (int i = 0; i < ops; ++i) {
    const std::string id = "w" + run + "-" + std::to_string(i);
    pw += time([&] {
      Check(db.plain->GetSubject(id).status(), "get subject");
      Check(db.plain->GetFields(id, "profile", {"bio"}).status(), "get fields");
      store::Mutation m;
      m.subject = id;
      m.upsert = store::SubjectRecord{id, "SG", "", 1};
      m.put_fields.push_back({"profile", "bio", 1, "s" + Value(i)});
      Check(db.plain->Apply(m), "apply");
    });
    sw += time([&] { Check(db.vault->Put(id, "SG", {{"profile", {{"bio", Value(i)}}}}), "put"); });
  }
  for (int i = 0; i < kReadPasses * ops; ++i) {
    const int a = all(rng), h = hot(rng);
    pr += time([&] { PlainGet(*db.plain, a); });
    sr += time([&] { SealedGet(*db.vault, a); });
    phr += time([&] { PlainGet(*db.plain, h); });
    shr += time([&] { SealedGet(*db.vault, h); });
  }
  const long rss_after = RssKib();
  const int reads = kReadPasses * ops;
  auto overhead = [](double plain, double sealed) { return 100.0 * (plain / sealed - 1.0); };
  std::printf("bench_vault scale: RocksDB (synced WAL), %d subjects + %d written, %d reads per row\n", n, ops, reads);
  std::printf("%-22s %16s %16s %10s\n", "", "plain (no enc)", "vault (sealed)", "overhead");
  std::printf("%-22s %14.0f/s %14.0f/s %9.1f%%\n", "writes (new subject)", ops / pw, ops / sw, overhead(ops / pw, ops / sw));
  std::printf("%-22s %14.0f/s %14.0f/s %9.1f%%\n", "reads (uniform)", reads / pr, reads / sr, overhead(reads / pr, reads / sr));
  std::printf("%-22s %14.0f/s %14.0f/s %9.1f%%\n", "reads (10k hot set)", reads / phr, reads / shr,
              overhead(reads / phr, reads / shr));
  std::printf("key cache: %zu data keys; RSS %ld MiB before open, %ld MiB after the run\n",
              db.vault->cached_data_keys(), rss_before / 1024, rss_after / 1024);
  std::printf("disk: plain %.2f GiB, sealed %.2f GiB\n", DiskBytes(dir + "/plain") / 1073741824.0,
              DiskBytes(dir + "/sealed") / 1073741824.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "scale") {
    if (argc < 4) {
      std::fprintf(stderr, "usage: bench_vault scale SUBJECTS DIR [ops=2000]\n");
      return 2;
    }
    return Scale(std::atoi(argv[2]), argv[3], argc > 4 ? std::atoi(argv[4]) : 2000);
  }
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string which = argc > 3 ? argv[3] : "all";
  const std::string dir = (std::filesystem::temp_directory_path() / ("bench_vault." + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);

  auto created = crypto::FileKeyring::Create(*FileSystem::Default(), dir + "/keyring.json", {"SG"});
  Check(created.status(), "keyring");
  auto config = vault::ParseVaultConfig(kConfig);
  Check(config.status(), "config");

  if (which == "all" || which == "rocksdb") {
    Run("RocksDB (synced WAL)",
        [&](int round, const std::string& side) {
          return store::OpenRocksDbStore(dir + "/" + side + std::to_string(round));
        },
        *config, *created->keyring, n, rounds);
  }
  if (which == "all" || which == "postgres") {
    if (const std::string why = testing::PostgresServer::Unavailable(); !why.empty()) {
      std::printf("bench_vault: PostgreSQL skipped: %s\n", why.c_str());
    } else {
      auto server = testing::PostgresServer::Start();
      Check(server.status(), "start postgres");
      const std::string conninfo = (*server)->conninfo();
      Run("PostgreSQL 15 (local, synchronous_commit=on)",
          [&](int round, const std::string& side) -> Result<std::unique_ptr<store::Store>> {
            const std::string schema = side + std::to_string(round);
            PGconn* c = PQconnectdb(conninfo.c_str());
            PGresult* r = PQexec(c, ("CREATE SCHEMA " + schema).c_str());
            const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            PQclear(r);
            PQfinish(c);
            if (!ok) return UnavailableError("create schema " + schema);
            return store::OpenPostgresStore({.conninfo = conninfo + " options='-c search_path=" + schema + "'"});
          },
          *config, *created->keyring, n, rounds);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
