// bench_vault: sealed writes/s and reads/s of 1 KB records through the vault, next
// to the same store operations without encryption, in the same run and on the same
// backend.
//
//   bench_vault [subjects=2000] [rounds=3] [rocksdb|postgres|all (default)]
//   bench_vault scale SUBJECTS DIR [ops=2000] [raw|no-raw] [compact]   (RocksDB)
//   bench_vault scale-pg SUBJECTS DIR [ops=2000] [one-db] (PostgreSQL 15)
//   bench_vault crypto
//
// "scale" bulk-loads SUBJECTS subjects into a plain and a sealed RocksDB under DIR
// (once; unsynced WAL, vault Put for the sealed side, reused by later runs), then
// reopens both with the synced WAL. "scale-pg" starts its own PostgreSQL server
// (tests/fakes/postgres_server, cluster under DIR, removed at exit) and fills a
// plain and a sealed schema by COPY. Both then measure, interleaved: durable
// writes of new subjects, reads of subjects drawn uniformly from all of them, from
// a 10,000-subject hot set, and uniformly with the key cache off; wall and CPU
// time per side; process RSS and disk bytes. "crypto" prints the CPU cost of the
// AES-GCM steps of a read (DEK unwrap, value open) with hot and cold keys.
//
// The baseline does exactly the store calls the vault does (Put: GetSubject,
// GetFields, Apply; Get: GetSubject, GetFields) with the plaintext stored as is.
// In the small mode each round uses fresh databases and interleaves baseline and
// vault operation by operation; the best round counts.
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
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <time.h>
#include <unistd.h>

#include <initializer_list>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/file.h"
#include "crypto/aead.h"
#include "crypto/envelope.h"
#include "crypto/keyring.h"
#include "fakes/postgres_server.h"
#include "store/memory/memory_store.h"
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
// "raw" rows: the baseline's store calls on the vault's own database, between the
// two sides of each batch. They give the vault's own cost, but make the sealed
// database the one read two times in three (warmer in the CPU caches than the
// plain one); `no-raw` leaves them out, so that plain and vault alternate alone.
bool g_raw_rows = true;
// `compact`: both databases are compacted fully (every column family, to the last
// level) before they are opened, so that neither side is measured with more
// level-0 files or levels than the other (each run's writes and the load's
// history leave the two LSM trees in different shapes).
bool g_compact_first = false;

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

// The baseline's stored bytes for Value(i): the vault's plaintext encoding ('s' +
// the string) without encryption.
std::string PlainValue(int i) {
  std::string v = Value(i);
  v.insert(v.begin(), 's');
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

// The baseline of a sealed write: the same store calls, the value in plaintext.
void PlainWrite(store::Store& s, const std::string& id, int i) {
  Check(s.GetSubject(id).status(), "get subject");
  Check(s.GetFields(id, "profile", {"bio"}).status(), "get fields");
  store::Mutation m;
  m.subject = id;
  m.upsert = store::SubjectRecord{id, "SG", "", 1};
  m.put_fields.push_back({"profile", "bio", 1, PlainValue(i)});
  Check(s.Apply(m), "apply");
}

void PlainPut(store::Store& s, int i) { PlainWrite(s, SubjectId(i), i); }

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

// ---- scale mode ------------------------------------------------------------

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// Wall and CPU time (this thread; for PostgreSQL the client side only) of one
// side of one row.
struct Meter {
  double wall = 0, cpu = 0;
  int ops = 0;
  template <typename F>
  void Time(int n, F&& f) {
    const auto t0 = Clk::now();
    const double c0 = ThreadCpuSeconds();
    f();
    cpu += ThreadCpuSeconds() - c0;
    wall += Since(t0, Clk::now());
    ops += n;
  }
  double rate() const { return ops / wall; }
  double cpu_us() const { return 1e6 * cpu / ops; }
};

double Overhead(double plain_rate, double sealed_rate) { return 100.0 * (plain_rate / sealed_rate - 1.0); }

void PrintHeader() {
  std::printf("%-30s %10s %10s %8s %8s %8s %9s\n", "", "plain/s", "vault/s", "overhead", "plain", "vault",
              "CPU ovh");
  std::printf("%-30s %10s %10s %8s %8s %8s %9s\n", "", "(no enc)", "(sealed)", "(wall)", "CPU us", "CPU us", "");
}

void PrintRow(const char* what, const Meter& plain, const Meter& sealed) {
  std::printf("%-30s %10.0f %10.0f %7.1f%% %8.2f %8.2f %8.1f%%\n", what, plain.rate(), sealed.rate(),
              Overhead(plain.rate(), sealed.rate()), plain.cpu_us(), sealed.cpu_us(),
              100.0 * (sealed.cpu_us() / plain.cpu_us() - 1.0));
}

struct Population {
  // The baseline's database; null when the baseline runs on the vault's own
  // database through the vault's own store object (scale-pg one-db).
  std::unique_ptr<store::Store> plain;
  std::unique_ptr<store::Store> sealed;
  std::unique_ptr<vault::Vault> vault;          // the configured key cache
  std::unique_ptr<vault::Vault> vault_nocache;  // dek_cache_entries 0: every read unwraps
  store::Store& baseline() { return plain ? *plain : *sealed; }
};

Population OpenVaults(const vault::VaultConfig& config, std::unique_ptr<store::Store> plain,
                      std::unique_ptr<store::Store> sealed, crypto::Keyring& keyring, const std::string& root) {
  Population p{std::move(plain), std::move(sealed), nullptr, nullptr};
  vault::VaultConfig nocache = config;
  nocache.dek_cache_entries = 0;
  auto v = vault::Vault::Open(config, p.sealed.get(), &keyring, Clock::System());
  Check(v.status(), "open vault");
  Check((*v)->Unseal(root), "unseal");
  auto vn = vault::Vault::Open(nocache, p.sealed.get(), &keyring, Clock::System());
  Check(vn.status(), "open vault");
  p.vault = std::move(*v);
  p.vault_nocache = std::move(*vn);
  return p;
}

// The measured part, the same for every backend: durable writes of new subjects,
// then reads (uniform over the population, from a 10,000-subject hot set, and
// uniform with the key cache off), baseline and vault interleaved in batches of
// kBatch operations so that both see the same load. Each read row also times the
// baseline's store calls against the vault's own (sealed) database ("raw"): the
// vault minus raw is the cost of the vault itself (keys, decryption, checks),
// free of any difference between the two databases' shapes.
void Measure(const std::string& backend, Population& db, int n, int ops) {
  constexpr int kBatch = 20;
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> all(0, n - 1), hot(0, std::min(n, 10000) - 1);
  Meter pw, sw;
  const std::string run = std::to_string(::getpid());
  for (int i = 0; i < ops; ++i) {
    const std::string tail = run + "-" + std::to_string(i);  // distinct ids: the stores may be one
    auto plain = [&] { pw.Time(1, [&] { PlainWrite(db.baseline(), "p" + tail, i); }); };
    auto vault = [&] { sw.Time(1, [&] { Check(db.vault->Put("w" + tail, "SG", {{"profile", {{"bio", Value(i)}}}}), "put"); }); };
    i % 2 == 0 ? (plain(), vault()) : (vault(), plain());
  }
  const int reads = kReadPasses * ops;
  std::vector<int> batch(kBatch), plain_batch(kBatch), raw_batch(kBatch);
  struct ReadRow {
    Meter plain, raw, vault;
  };
  ReadRow uniform, hot_set, no_cache;
  auto read_batch = [&](ReadRow& r, vault::Vault& v, std::uniform_int_distribution<int>& dist, bool vault_first) {
    // Each side reads its own draw: with one database (one-db) a side reading the
    // subjects another just read would find them cached.
    for (int& b : batch) b = dist(rng);
    for (int& b : plain_batch) b = dist(rng);
    for (int& b : raw_batch) b = dist(rng);
    auto plain = [&] {
      r.plain.Time(kBatch, [&] {
        for (int b : plain_batch) PlainGet(db.baseline(), b);
      });
    };
    auto vault = [&] {
      r.vault.Time(kBatch, [&] {
        for (int b : batch) SealedGet(v, b);
      });
    };
    vault_first ? vault() : plain();
    if (g_raw_rows) {
      r.raw.Time(kBatch, [&] {
        for (int b : raw_batch) PlainGet(*db.sealed, b);
      });
    }
    vault_first ? plain() : vault();
  };
  // Warm the hot set first (its keys into the cache, its blocks into memory) on
  // both sides, unmeasured. The vault reads each twice: a key is cached on its
  // subject's second miss (docs/vault.md, "Data-key cache").
  for (int i = 0; i < std::min(n, 10000); ++i) {
    PlainGet(db.baseline(), i);
    SealedGet(*db.vault, i);
    SealedGet(*db.vault, i);
  }
  // The three rows advance together, batch by batch, and who goes first
  // alternates, so that no row or side is favoured by the caches warming up.
  for (int done = 0; done < reads; done += kBatch) {
    const bool vault_first = (done / kBatch) % 2 == 1;
    read_batch(uniform, *db.vault, all, vault_first);
    read_batch(hot_set, *db.vault, hot, vault_first);
    read_batch(no_cache, *db.vault_nocache, all, vault_first);
  }
  std::printf("bench_vault scale: %s, %d subjects + %d written, %d reads per row (batches of %d)\n",
              backend.c_str(), n, ops, reads, kBatch);
  PrintHeader();
  PrintRow("writes (new subject, durable)", pw, sw);
  PrintRow("reads uniform (key cache)", uniform.plain, uniform.vault);
  PrintRow("reads 10k hot set (cache hits)", hot_set.plain, hot_set.vault);
  PrintRow("reads uniform (cache off)", no_cache.plain, no_cache.vault);
  if (g_raw_rows) {
    std::printf("same reads, baseline = the store calls on the vault's own database (raw bytes, no decryption):\n");
    PrintRow("reads uniform (key cache)", uniform.raw, uniform.vault);
    PrintRow("reads 10k hot set (cache hits)", hot_set.raw, hot_set.vault);
    PrintRow("reads uniform (cache off)", no_cache.raw, no_cache.vault);
  } else {
    std::printf("(no raw rows: plain and vault alternate alone)\n");
  }
  std::printf("key cache: %zu data keys\n", db.vault->cached_data_keys());
}

// Keyring and custodian root key under DIR (created once, reused by later runs).
std::unique_ptr<crypto::FileKeyring> BenchKeyring(const std::string& dir, std::string* root) {
  const std::string keyring_path = dir + "/keyring.json", root_path = dir + "/root.key";
  if (!std::filesystem::exists(keyring_path)) {
    auto created = crypto::FileKeyring::Create(*FileSystem::Default(), keyring_path, {"SG"});
    Check(created.status(), "keyring");
    *root = created->root_key;
    std::ofstream(root_path) << crypto::FormatRootKeyFile(*root);  // bench data only
  } else {
    std::ifstream in(root_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = crypto::ParseRootKeyFile(text);
    Check(parsed.status(), "root key");
    *root = *parsed;
  }
  auto keyring = crypto::FileKeyring::Open(*FileSystem::Default(), keyring_path);
  Check(keyring.status(), "open keyring");
  return std::move(*keyring);
}

// Opens the database in `dir` directly (every column family, with the store's
// table options: 10-bit bloom filters) and compacts each family into its last
// level, so both trees end with one level each.
void CompactFully(const std::string& dir) {
  std::vector<std::string> names;
  rocksdb::Options opts;
  Check(rocksdb::DB::ListColumnFamilies(opts, dir, &names).ok() ? Status::Ok() : InternalError("list families"),
        "compact");
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions family;
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names) families.push_back({name, family});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &raw);
  Check(s.ok() ? Status::Ok() : InternalError(s.ToString()), "compact: open");
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::CompactRangeOptions compact;  // everything to the last level (files already there stay)
  for (auto* h : handles) {
    s = db->CompactRange(compact, h, nullptr, nullptr);
    Check(s.ok() ? Status::Ok() : InternalError(s.ToString()), "compact");
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
}

int ScaleRocksDb(int n, const std::string& dir, int ops) {
  std::filesystem::create_directories(dir);
  auto config = vault::ParseVaultConfig(kConfig);
  Check(config.status(), "config");
  std::string root;
  auto keyring = BenchKeyring(dir, &root);
  auto open = [&](bool sync) {
    auto plain = store::OpenRocksDbStore(dir + "/plain", {.sync_writes = sync});
    auto sealed = store::OpenRocksDbStore(dir + "/sealed", {.sync_writes = sync});
    Check(plain.status(), "open plain");
    Check(sealed.status(), "open sealed");
    return OpenVaults(*config, std::move(*plain), std::move(*sealed), *keyring, root);
  };

  const std::string marker = dir + "/loaded." + std::to_string(n);
  if (!std::filesystem::exists(marker)) {
    auto db = open(/*sync=*/false);
    const auto t0 = Clk::now();
    for (int i = 0; i < n; ++i) {
      store::Mutation m;
      m.subject = SubjectId(i);
      m.upsert = store::SubjectRecord{m.subject, "SG", "", 1};
      m.put_fields.push_back({"profile", "bio", 1, PlainValue(i)});
      Check(db.plain->Apply(m), "load plain");
      Check(db.vault->Put(SubjectId(i), "SG", {{"profile", {{"bio", Value(i)}}}}), "load sealed");
      if ((i + 1) % 50000 == 0) {
        std::fprintf(stderr, "bench_vault: loaded %d/%d subjects in %.0f s\n", i + 1, n, Since(t0, Clk::now()));
      }
    }
    std::ofstream(marker) << n << "\n";
    std::fprintf(stderr, "bench_vault: load done in %.0f s\n", Since(t0, Clk::now()));
  }

  if (g_compact_first) {
    const auto compacting = Clk::now();
    for (const std::string which : {"/plain", "/sealed"}) CompactFully(dir + which);
    std::printf("both databases compacted in %.1f s\n", Since(compacting, Clk::now()));
  }
  const long rss_before = RssKib();
  const auto opening = Clk::now();
  auto db = open(/*sync=*/true);
  std::printf("both databases opened in %.1f s (older formats are migrated to format 3 on open)\n",
              Since(opening, Clk::now()));
  Measure("RocksDB (synced WAL)", db, n, ops);
  std::printf("RSS: %ld MiB before opening, %ld MiB after the run (both databases: 64 MiB block cache each)\n",
              rss_before / 1024, RssKib() / 1024);
  std::printf("disk: plain %.2f GiB, sealed %.2f GiB\n", DiskBytes(dir + "/plain") / 1073741824.0,
              DiskBytes(dir + "/sealed") / 1073741824.0);
  return 0;
}

// ---- crypto mode -------------------------------------------------------------

// CPU time per operation of the two AES-256-GCM steps of a sealed read: the DEK
// unwrap (32 bytes under a bucket wrapping key; a key-cache miss) and the value
// open (1 KiB under the DEK), over `keys` distinct keys and blobs picked
// uniformly: with many, they are cold in the CPU caches, as a uniform read over
// many subjects finds them.
int CryptoCosts() {
  constexpr int kOps = 200000;
  std::mt19937_64 rng(7);
  std::printf("bench_vault crypto: CPU ns per operation (this thread), %d operations per cell\n", kOps);
  std::printf("%-28s %12s %12s %12s\n", "", "1 key", "4,096 keys", "65,536 keys");
  for (const auto& [what, size] : {std::pair<const char*, size_t>{"unwrap a data key (32 B)", 32},
                                   std::pair<const char*, size_t>{"open a 1 KiB value", 1024}}) {
    std::printf("%-28s", what);
    for (int keys : {1, 4096, 65536}) {
      std::vector<std::string> raw(keys), sealed(keys);
      const std::string aad(60, 'a');
      for (int k = 0; k < keys; ++k) {
        raw[k] = crypto::NewDataKey().value();
        sealed[k] = crypto::AeadSeal(raw[k], std::string(size, 'p'), aad).value();
      }
      std::uniform_int_distribution<int> pick(0, keys - 1);
      Meter m;
      m.Time(kOps, [&] {
        for (int i = 0; i < kOps; ++i) {
          const int b = pick(rng);
          Check(crypto::AeadOpen(raw[b], sealed[b], aad).status(), "open");
        }
      });
      std::printf(" %12.0f", 1000 * m.cpu_us());
    }
    std::printf("\n");
  }
  return 0;
}

// ---- PostgreSQL population by COPY ------------------------------------------

PGconn* Connect(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) Check(UnavailableError(PQerrorMessage(c)), "connect");
  return c;
}

void Exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  PQclear(r);
  if (!ok) Check(InternalError(sql + ": " + PQerrorMessage(c)), "exec");
}

// One table's COPY ... FROM STDIN (FORMAT binary) stream on its own connection.
class CopyIn {
 public:
  CopyIn(const std::string& conninfo, const std::string& table, const std::string& columns)
      : c_(Connect(conninfo)) {
    Exec(c_, "SET synchronous_commit = off");
    PGresult* r = PQexec(c_, ("COPY " + table + " (" + columns + ") FROM STDIN (FORMAT binary)").c_str());
    const bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok) Check(InternalError(PQerrorMessage(c_)), "copy");
    buf_.append("PGCOPY\n\377\r\n\0", 11);
    Int(4, 0);  // flags
    Int(4, 0);  // header extension length
  }
  ~CopyIn() { PQfinish(c_); }

  // A row: each cell is bytea (raw bytes) or, for a number, bigint.
  struct Cell {
    std::string_view bytes;
    int64_t number = 0;
    bool is_number = false;
  };
  void Row(std::initializer_list<Cell> cells) {
    Int(2, cells.size());
    for (const Cell& cell : cells) {
      if (cell.is_number) {
        Int(4, 8);
        Int(8, uint64_t(cell.number));
      } else {
        Int(4, cell.bytes.size());
        buf_ += cell.bytes;
      }
    }
    if (buf_.size() > (1 << 20)) Flush();
  }
  void Finish() {
    Int(2, 0xffff);  // trailer: -1
    Flush();
    if (PQputCopyEnd(c_, nullptr) != 1) Check(InternalError(PQerrorMessage(c_)), "copy end");
    PGresult* r = PQgetResult(c_);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) Check(InternalError(PQerrorMessage(c_)), "copy");
  }

 private:
  void Int(int bytes, uint64_t v) {
    for (int i = bytes - 1; i >= 0; --i) buf_.push_back(char((v >> (8 * i)) & 0xff));
  }
  void Flush() {
    if (PQputCopyData(c_, buf_.data(), int(buf_.size())) != 1) Check(InternalError(PQerrorMessage(c_)), "copy");
    buf_.clear();
  }
  PGconn* c_;
  std::string buf_;
};

CopyIn::Cell Bytes(std::string_view b) { return {b, 0, false}; }
CopyIn::Cell Number(int64_t v) { return {{}, v, true}; }

// Loads n subjects into schema "plain" (the baseline's rows) and "sealed" (what
// Vault::Put writes) by COPY. The sealed rows are made by the vault itself, over
// an in-memory store emptied after every batch, then copied out through the Store
// interface. The shred-bucket index entries are read back by their bucket tokens
// ("vault.shred-bucket" / "<jurisdiction>/<bucket>", docs/vault.md).
void LoadPostgres(const std::string& conninfo, int n, const vault::VaultConfig& config, crypto::Keyring& keyring,
                  const std::string& root, bool plain) {
  const auto t0 = Clk::now();
  if (plain) {
    CopyIn subjects(conninfo, "plain.domicile_subjects", "id, home, key_blob, generation");
    CopyIn fields(conninfo, "plain.domicile_fields", "subject, collection, field, version, sealed");
    for (int i = 0; i < n; ++i) {
      const std::string id = SubjectId(i), value = PlainValue(i);
      subjects.Row({Bytes(id), Bytes("SG"), Bytes(""), Number(1)});
      fields.Row({Bytes(id), Bytes("profile"), Bytes("bio"), Number(1), Bytes(value)});
    }
    subjects.Finish();
    fields.Finish();
    std::fprintf(stderr, "bench_vault: plain rows copied in %.0f s\n", Since(t0, Clk::now()));
  }
  auto mem = store::NewMemoryStore();
  vault::VaultConfig loader = config;
  loader.dek_cache_entries = 0;  // every subject is written once
  auto v = vault::Vault::Open(loader, mem.get(), &keyring, Clock::System());
  Check(v.status(), "open vault");
  Check((*v)->Unseal(root), "unseal");
  CopyIn subjects(conninfo, "sealed.domicile_subjects", "id, home, key_blob, generation");
  CopyIn fields(conninfo, "sealed.domicile_fields", "subject, collection, field, version, sealed");
  CopyIn index(conninfo, "sealed.domicile_blind_index", "index_name, token, subject");
  constexpr int kLoadBatch = 20000;
  for (int first = 0; first < n; first += kLoadBatch) {
    const int last = std::min(n, first + kLoadBatch);
    for (int i = first; i < last; ++i) {
      Check((*v)->Put(SubjectId(i), "SG", {{"profile", {{"bio", Value(i)}}}}), "load sealed");
    }
    for (uint32_t b = 0; b < keyring.shred_buckets(); ++b) {
      const std::string token = "SG/" + std::to_string(b);
      auto ids = mem->Lookup("vault.shred-bucket", token);
      Check(ids.status(), "lookup");
      for (const auto& id : *ids) index.Row({Bytes("vault.shred-bucket"), Bytes(token), Bytes(id)});
    }
    for (int i = first; i < last; ++i) {
      const std::string id = SubjectId(i);
      auto rec = mem->GetSubject(id);
      auto all = mem->GetAllFields(id);
      Check(rec.status(), "get subject");
      Check(all.status(), "get fields");
      subjects.Row({Bytes(id), Bytes((*rec)->home), Bytes((*rec)->key_blob), Number(int64_t((*rec)->generation))});
      for (const auto& f : *all) {
        fields.Row({Bytes(id), Bytes(f.collection), Bytes(f.field), Number(int64_t(f.version)), Bytes(f.sealed)});
      }
      Check(mem->DeleteSubject(id), "drop from memory");
    }
    if (last % 500000 == 0 || last == n) {
      std::fprintf(stderr, "bench_vault: sealed rows %d/%d in %.0f s\n", last, n, Since(t0, Clk::now()));
    }
  }
  subjects.Finish();
  fields.Finish();
  index.Finish();
  PGconn* c = Connect(conninfo);
  Exec(c, "VACUUM ANALYZE");
  Exec(c, "CHECKPOINT");
  PQfinish(c);
  std::fprintf(stderr, "bench_vault: PostgreSQL load done in %.0f s\n", Since(t0, Clk::now()));
}

// The store's two read statements (src/store/postgres), prepared by hand on a
// connection of the bench's own, to print the plans PostgreSQL uses for them.
void PreparePlanProbe(PGconn* c) {
  Exec(c, "PREPARE probe_subject AS SELECT home, key_blob, generation FROM domicile_subjects WHERE id = $1");
  Exec(c, "PREPARE probe_fields AS SELECT field, version, sealed FROM domicile_fields WHERE subject = $1 AND "
          "collection = $2 ORDER BY field");
}

// Runs each probe statement ten times (past the five custom plans after which
// PostgreSQL may switch to a generic one, as it may for the store's statements),
// then prints its plan with row counts and buffers, and the plan-cache counters.
void PrintPlanProbe(PGconn* c, const char* label) {
  auto print = [&](const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    for (int i = 0; i < PQntuples(r); ++i) std::printf("    %s\n", PQgetvalue(r, i, 0));
    PQclear(r);
  };
  for (int i = 0; i < 10; ++i) {
    const std::string id = "'" + SubjectId(i * 7919) + "'";
    Exec(c, "EXECUTE probe_subject(" + id + ")");
    Exec(c, "EXECUTE probe_fields(" + id + ", 'profile')");
  }
  std::printf("plans of the store's read statements, prepared on a connection %s:\n", label);
  print("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) EXECUTE probe_subject('" + SubjectId(4242) + "')");
  print("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) EXECUTE probe_fields('" + SubjectId(4242) + "', 'profile')");
  print("SELECT name || ': ' || generic_plans || ' generic, ' || custom_plans || ' custom plans' FROM "
        "pg_prepared_statements ORDER BY name");
}

double SchemaGiB(const std::string& conninfo, const std::string& schema) {
  PGconn* c = Connect(conninfo);
  PGresult* r = PQexec(c, ("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON "
                           "n.oid = c.relnamespace WHERE n.nspname = '" + schema + "' AND c.relkind = 'r'")
                              .c_str());
  const double bytes = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atof(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  PQfinish(c);
  return bytes / 1073741824.0;
}

// one_db: only the vault's database is built (10M subjects on both sides would
// not fit the disk budget); the baseline's operations then run against it too,
// with plaintext rows of their own subjects for writes, and reading raw rows.
int ScalePostgres(int n, const std::string& dir, int ops, bool one_db) {
  if (const std::string why = testing::PostgresServer::Unavailable(); !why.empty()) {
    std::fprintf(stderr, "bench_vault: PostgreSQL unavailable: %s\n", why.c_str());
    return 1;
  }
  std::filesystem::create_directories(dir);
  setenv("TMPDIR", dir.c_str(), 1);  // the server's cluster directory goes there (removed at exit)
  auto config = vault::ParseVaultConfig(kConfig);
  Check(config.status(), "config");
  std::string root;
  auto keyring = BenchKeyring(dir, &root);
  auto server = testing::PostgresServer::Start();
  Check(server.status(), "start postgres");
  const std::string conninfo = (*server)->conninfo();
  auto open = [&](const std::string& schema) {
    auto s = store::OpenPostgresStore({.conninfo = conninfo + " options='-c search_path=" + schema + "'"});
    Check(s.status(), "open postgres store");
    return std::move(*s);
  };
  {
    PGconn* c = Connect(conninfo);
    Exec(c, "CREATE SCHEMA plain");
    Exec(c, "CREATE SCHEMA sealed");
    PQfinish(c);
  }
  const long rss_before = RssKib();
  // Tables first (OpenPostgresStore creates them); a store connects on its first
  // call, after the load and its ANALYZE. One-db: the baseline uses the vault's
  // store object, i.e. the same connection and server backend (docs/performance.md:
  // two store objects on one table differed by up to 4.6x in client CPU).
  auto plain = one_db ? nullptr : open("plain");
  auto sealed = open("sealed");
  PGconn* early_probe = Connect(conninfo + " options='-c search_path=sealed'");
  PreparePlanProbe(early_probe);  // before the load: shows the plans do not depend on it
  LoadPostgres(conninfo, n, *config, *keyring, root, /*plain=*/!one_db);
  auto db = OpenVaults(*config, std::move(plain), std::move(sealed), *keyring, root);
  const long rss_loaded = RssKib();
  Measure(std::string("PostgreSQL 15 (local, synchronous_commit=on, shared_buffers 32MB)") +
              (one_db ? ", baseline through the vault's own store object" : ""),
          db, n, ops);
  PGconn* late_probe = Connect(conninfo + " options='-c search_path=sealed'");
  PreparePlanProbe(late_probe);
  PrintPlanProbe(early_probe, "connected before the load");
  PrintPlanProbe(late_probe, "connected after the load");
  PQfinish(early_probe);
  PQfinish(late_probe);
  std::printf("client RSS: %ld MiB at start, %ld MiB after the load, %ld MiB after the run\n", rss_before / 1024,
              rss_loaded / 1024, RssKib() / 1024);
  std::printf("disk (tables + indexes): plain %.2f GiB, sealed %.2f GiB\n", SchemaGiB(conninfo, "plain"),
              SchemaGiB(conninfo, "sealed"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "crypto") return CryptoCosts();
  if (argc > 1 && (std::string(argv[1]) == "scale" || std::string(argv[1]) == "scale-pg")) {
    if (argc < 4) {
      std::fprintf(stderr, "usage: bench_vault scale|scale-pg SUBJECTS DIR [ops=2000] [one-db (scale-pg)]\n");
      return 2;
    }
    const int n = std::atoi(argv[2]), ops = argc > 4 ? std::atoi(argv[4]) : 2000;
    const bool one_db = argc > 5 && std::string(argv[5]) == "one-db";
    g_raw_rows = !(argc > 5 && std::string(argv[5]) == "no-raw");
    g_compact_first = argc > 6 && std::string(argv[6]) == "compact";
    return std::string(argv[1]) == "scale" ? ScaleRocksDb(n, argv[3], ops) : ScalePostgres(n, argv[3], ops, one_db);
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
