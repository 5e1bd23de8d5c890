#include "store/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

namespace domicile::store {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int kMaxAttempts = 4;  // for serialization failures / deadlocks

// The schema. Every statement is idempotent. One btree (primary key or index)
// per lookup path: subject by id, fields by (subject, collection, field), blind
// index by (index, token, subject) and by subject (for deletion), meta by key.
constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS domicile_schema_version (version integer PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS domicile_subjects (id bytea PRIMARY KEY, home bytea NOT NULL, "
    "key_blob bytea NOT NULL, generation bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS domicile_fields (subject bytea NOT NULL, collection bytea NOT NULL, "
    "field bytea NOT NULL, version bigint NOT NULL, sealed bytea NOT NULL, PRIMARY KEY (subject, collection, field))",
    "CREATE TABLE IF NOT EXISTS domicile_blind_index (index_name bytea NOT NULL, token bytea NOT NULL, "
    "subject bytea NOT NULL, PRIMARY KEY (index_name, token, subject))",
    "CREATE INDEX IF NOT EXISTS domicile_blind_index_by_subject ON domicile_blind_index (subject)",
    "CREATE TABLE IF NOT EXISTS domicile_meta (key bytea PRIMARY KEY, value bytea NOT NULL)",
    "INSERT INTO domicile_schema_version (version) VALUES (1) ON CONFLICT (version) DO NOTHING",  // kSchemaVersion
};

// Prepared on every connection. Parameters and results are binary.
enum Stmt {
  kUpsertSubject,
  kLockSubject,
  kGetSubject,
  kPutField,
  kGetField,
  kGetFields,
  kGetAllFields,
  kPutIndex,
  kDeleteIndex,
  kLookup,
  kDeleteSubject,
  kDeleteSubjectFields,
  kDeleteSubjectIndex,
  kListSubjects,
  kPutMeta,
  kGetMeta,
  kGetIndexEntries,
  kDeleteMeta,
  kListMeta,         // prefix without an upper bound ("" or all 0xFF)
  kListMetaBounded,  // prefix range [lower, upper)
  kNumStmts
};
constexpr const char* kSql[kNumStmts] = {
    "INSERT INTO domicile_subjects (id, home, key_blob, generation) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (id) DO UPDATE SET home = EXCLUDED.home, key_blob = EXCLUDED.key_blob, "
    "generation = EXCLUDED.generation",
    "SELECT 1 FROM domicile_subjects WHERE id = $1 FOR UPDATE",
    "SELECT home, key_blob, generation FROM domicile_subjects WHERE id = $1",
    "INSERT INTO domicile_fields (subject, collection, field, version, sealed) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (subject, collection, field) DO UPDATE SET version = EXCLUDED.version, sealed = EXCLUDED.sealed",
    "SELECT field, version, sealed FROM domicile_fields WHERE subject = $1 AND collection = $2 AND field = $3",
    "SELECT field, version, sealed FROM domicile_fields WHERE subject = $1 AND collection = $2 ORDER BY field",
    "SELECT collection, field, version, sealed FROM domicile_fields WHERE subject = $1 ORDER BY collection, field",
    "INSERT INTO domicile_blind_index (index_name, token, subject) VALUES ($1, $2, $3) "
    "ON CONFLICT (index_name, token, subject) DO NOTHING",
    "DELETE FROM domicile_blind_index WHERE index_name = $1 AND token = $2 AND subject = $3",
    "SELECT subject FROM domicile_blind_index WHERE index_name = $1 AND token = $2 ORDER BY subject",
    "DELETE FROM domicile_subjects WHERE id = $1",
    "DELETE FROM domicile_fields WHERE subject = $1",
    "DELETE FROM domicile_blind_index WHERE subject = $1",
    "SELECT id FROM domicile_subjects WHERE id > $1 ORDER BY id LIMIT $2",
    "INSERT INTO domicile_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
    "SELECT value FROM domicile_meta WHERE key = $1",
    "SELECT index_name, token FROM domicile_blind_index WHERE subject = $1 ORDER BY index_name, token",
    "DELETE FROM domicile_meta WHERE key = $1",
    "SELECT key, value FROM domicile_meta WHERE key >= $1 AND key > $2 ORDER BY key LIMIT $3",
    "SELECT key, value FROM domicile_meta WHERE key >= $1 AND key > $2 AND key < $4 ORDER BY key LIMIT $3",
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// A bound parameter: bytea bytes, or an integer sent as int8. Both binary.
struct Param {
  // Implicit on purpose: call sites read as value lists.
  Param(std::string_view b) : bytes(b) {}         // NOLINT(google-explicit-constructor)
  Param(const std::string& b) : bytes(b) {}       // NOLINT(google-explicit-constructor)
  static Param Int8(uint64_t v) {
    Param p{std::string_view()};
    p.is_int8 = true;
    p.int8 = v;
    return p;
  }
  std::string_view bytes;
  bool is_int8 = false;
  uint64_t int8 = 0;
};

std::string GetBytes(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}

Result<uint64_t> GetInt8(const PGresult* r, int row, int col) {
  if (PQgetlength(r, row, col) != 8) return DataLossError("store: postgres returned a malformed bigint");
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, col));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// One libpq connection with every statement prepared. Not thread-safe: used by
// one caller at a time through the pool.
class Connection {
 public:
  ~Connection() { PQfinish(conn_); }

  static Result<std::unique_ptr<Connection>> Connect(const std::string& conninfo) {
    // Defaults first; the caller's conninfo (expanded from "dbname") overrides them.
    const char* keys[] = {"application_name", "connect_timeout", "dbname", nullptr};
    const char* values[] = {"domicile", "10", conninfo.c_str(), nullptr};
    std::unique_ptr<Connection> c(new Connection(PQconnectdbParams(keys, values, 1)));
    if (c->conn_ == nullptr) return ResourceExhaustedError("store: postgres: out of memory");
    if (PQstatus(c->conn_) != CONNECTION_OK) {
      return UnavailableError(std::string("store: postgres: cannot connect: ") + PQerrorMessage(c->conn_));
    }
    // Notices ("already exists, skipping") are not errors; don't print them.
    PQsetNoticeProcessor(c->conn_, [](void*, const char*) {}, nullptr);
    RETURN_IF_ERROR(c->Exec("SET synchronous_commit TO on"));
    return c;
  }

  Status PrepareAll() {
    for (int i = 0; i < kNumStmts; ++i) {
      PgResult r(PQprepare(conn_, StmtName(i).c_str(), kSql[i], 0, nullptr));
      RETURN_IF_ERROR(Check(r.get(), PGRES_COMMAND_OK));
    }
    return Status::Ok();
  }

  // A plain statement without parameters (BEGIN, COMMIT, DDL).
  Status Exec(const char* sql) {
    PgResult r(PQexec(conn_, sql));
    return Check(r.get(), PGRES_COMMAND_OK);
  }

  // A plain query without parameters; text results.
  Result<PgResult> Select(const char* sql) {
    PgResult r(PQexec(conn_, sql));
    RETURN_IF_ERROR(Check(r.get(), PGRES_TUPLES_OK));
    return r;
  }

  // Runs a prepared statement (binary parameters and results).
  Result<PgResult> Run(Stmt s, std::initializer_list<Param> params) {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    std::vector<std::array<char, 8>> ints(params.size());  // int8 values in network order
    for (const auto& p : params) {
      if (p.is_int8) {
        auto& buf = ints[values.size()];
        for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(p.int8 >> (56 - 8 * i));
        values.push_back(buf.data());
        lengths.push_back(8);
      } else {
        // libpq wants a non-null pointer even for a zero-length binary value.
        values.push_back(p.bytes.data() ? p.bytes.data() : "");
        lengths.push_back(static_cast<int>(p.bytes.size()));
      }
      formats.push_back(1);
    }
    PgResult r(PQexecPrepared(conn_, StmtName(s).c_str(), static_cast<int>(values.size()), values.data(),
                              lengths.data(), formats.data(), /*resultFormat=*/1));
    ExecStatusType want = PQresultStatus(r.get()) == PGRES_TUPLES_OK ? PGRES_TUPLES_OK : PGRES_COMMAND_OK;
    RETURN_IF_ERROR(Check(r.get(), want));
    return r;
  }

  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }

 private:
  explicit Connection(PGconn* c) : conn_(c) {}
  static std::string StmtName(int i) { return "domicile_" + std::to_string(i); }

  // Maps a failed result to a Status. Only the SQLSTATE and the primary message
  // are kept: DETAIL lines can quote values, and values never go into errors.
  Status Check(const PGresult* r, ExecStatusType want) {
    if (r != nullptr && PQresultStatus(r) == want) return Status::Ok();
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string code = state ? state : "";
    std::string msg = "store: postgres " + (code.empty() ? std::string("error") : code) + ": " +
                      (primary ? primary : PQerrorMessage(conn_));
    if (broken() || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0) return UnavailableError(msg);
    if (code == "40001" || code == "40P01") return AbortedError(msg);
    if (code.rfind("53", 0) == 0) return ResourceExhaustedError(msg);
    if (code == "XX001" || code == "XX002") return DataLossError(msg);
    return InternalError(msg);
  }

  PGconn* conn_;
};

// Opens connections on demand up to `size`; hands each to one caller at a time.
class Pool {
 public:
  Pool(std::string conninfo, int size, std::chrono::milliseconds timeout)
      : conninfo_(std::move(conninfo)), size_(size), timeout_(timeout) {}

  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (c_) pool_->Release(std::move(c_));
    }
    Connection* operator->() { return c_.get(); }
    Connection& operator*() { return *c_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
  };

  Result<Lease> Acquire() {
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, timeout_, [&] { return !idle_.empty() || open_ < size_; })) {
      return UnavailableError("store: postgres: no free connection within the timeout");
    }
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    ++open_;  // reserve the slot, connect without holding the lock
    l.unlock();
    auto c = Connection::Connect(conninfo_);
    Status st = c.ok() ? (*c)->PrepareAll() : c.status();
    if (!st.ok()) {
      std::lock_guard<std::mutex> g(mu_);
      --open_;
      cv_.notify_one();
      return st;
    }
    return Lease(this, std::move(c).value());
  }

 private:
  void Release(std::unique_ptr<Connection> c) {
    std::lock_guard<std::mutex> l(mu_);
    if (c->broken()) {
      --open_;  // dropped; the next caller opens a fresh one
    } else {
      idle_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  const std::string conninfo_;
  const int size_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                   // idle + leased; guarded by mu_
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const PostgresStoreOptions& o)
      : conninfo_(o.conninfo), pool_(o.conninfo, o.pool_size, o.acquire_timeout) {}

  // Creates the schema on a connection of its own: the pool's connections
  // prepare statements, which needs the tables to exist.
  Status Init() {
    ASSIGN_OR_RETURN(auto c, Connection::Connect(conninfo_));
    // Concurrent CREATE ... IF NOT EXISTS from several processes can collide on
    // the catalog; the loser retries and then finds everything there.
    Status st;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      st = c->Exec("BEGIN");
      for (const char* sql : kSchema) {
        if (st.ok()) st = c->Exec(sql);
      }
      if (st.ok()) st = c->Exec("COMMIT");
      if (st.ok() || c->broken()) break;
      c->Exec("ROLLBACK").IgnoreError();  // retrying; the last error is reported
    }
    RETURN_IF_ERROR(st);
    ASSIGN_OR_RETURN(PgResult r, c->Select("SELECT version FROM domicile_schema_version"));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      if (std::string(PQgetvalue(r.get(), i, 0)) != std::to_string(kSchemaVersion)) {
        return FailedPreconditionError(std::string("store: postgres schema version ") + PQgetvalue(r.get(), i, 0) +
                                       " found, this build uses " + std::to_string(kSchemaVersion));
      }
    }
    return Status::Ok();
  }

  Status Apply(const Mutation& m) override {
    RETURN_IF_ERROR(ValidateMutation(m));
    return Transaction([&](Connection& c) -> Status {
      if (m.upsert) {
        const auto& u = *m.upsert;
        RETURN_IF_ERROR(c.Run(kUpsertSubject, {u.id, u.home, u.key_blob, Param::Int8(u.generation)}).status());
      } else if (!m.put_fields.empty() || !m.put_index.empty() || !m.delete_index.empty()) {
        // Locks the subject row until commit, so a concurrent DeleteSubject
        // cannot leave these fields behind.
        ASSIGN_OR_RETURN(PgResult r, c.Run(kLockSubject, {m.subject}));
        if (PQntuples(r.get()) == 0) return NotFoundError("store: no such subject");
      }
      for (const auto& f : m.put_fields) {
        RETURN_IF_ERROR(
            c.Run(kPutField, {m.subject, f.collection, f.field, Param::Int8(f.version), f.sealed}).status());
      }
      for (const auto& e : m.delete_index) RETURN_IF_ERROR(c.Run(kDeleteIndex, {e.index, e.token, e.subject}).status());
      for (const auto& e : m.put_index) RETURN_IF_ERROR(c.Run(kPutIndex, {e.index, e.token, e.subject}).status());
      return Status::Ok();
    });
  }

  Result<std::optional<SubjectRecord>> GetSubject(std::string_view id) override {
    ASSIGN_OR_RETURN(PgResult r, Query(kGetSubject, {id}));
    if (PQntuples(r.get()) == 0) return std::optional<SubjectRecord>();
    SubjectRecord s{std::string(id), GetBytes(r.get(), 0, 0), GetBytes(r.get(), 0, 1), 0};
    ASSIGN_OR_RETURN(s.generation, GetInt8(r.get(), 0, 2));
    return std::optional<SubjectRecord>(std::move(s));
  }

  Result<std::vector<FieldRecord>> GetFields(std::string_view subject, std::string_view collection,
                                             const std::vector<std::string>& fields) override {
    // One named field: a point query. Otherwise the collection, in one statement
    // (one snapshot), filtered here.
    PgResult r(nullptr);
    if (fields.size() == 1) {
      ASSIGN_OR_RETURN(r, Query(kGetField, {subject, collection, fields[0]}));
    } else {
      ASSIGN_OR_RETURN(r, Query(kGetFields, {subject, collection}));
    }
    std::vector<FieldRecord> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      FieldRecord f{std::string(collection), GetBytes(r.get(), i, 0), 0, GetBytes(r.get(), i, 2)};
      if (!fields.empty() && std::find(fields.begin(), fields.end(), f.field) == fields.end()) continue;
      ASSIGN_OR_RETURN(f.version, GetInt8(r.get(), i, 1));
      out.push_back(std::move(f));
    }
    return out;
  }

  Result<std::vector<FieldRecord>> GetAllFields(std::string_view subject) override {
    ASSIGN_OR_RETURN(PgResult r, Query(kGetAllFields, {subject}));
    std::vector<FieldRecord> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      FieldRecord f{GetBytes(r.get(), i, 0), GetBytes(r.get(), i, 1), 0, GetBytes(r.get(), i, 3)};
      ASSIGN_OR_RETURN(f.version, GetInt8(r.get(), i, 2));
      out.push_back(std::move(f));
    }
    return out;
  }

  Result<std::vector<std::string>> Lookup(std::string_view index, std::string_view token) override {
    ASSIGN_OR_RETURN(PgResult r, Query(kLookup, {index, token}));
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(GetBytes(r.get(), i, 0));
    return out;
  }

  Result<std::vector<IndexEntry>> GetIndexEntries(std::string_view subject) override {
    ASSIGN_OR_RETURN(PgResult r, Query(kGetIndexEntries, {subject}));
    std::vector<IndexEntry> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      out.push_back({GetBytes(r.get(), i, 0), GetBytes(r.get(), i, 1), std::string(subject)});
    }
    return out;
  }

  Status DeleteSubject(std::string_view id) override {
    if (id.empty()) return InvalidArgumentError("store: empty subject id");
    return Transaction([&](Connection& c) -> Status {
      // Deleting the subject row first takes its lock (see Apply).
      ASSIGN_OR_RETURN(PgResult r, c.Run(kDeleteSubject, {id}));
      if (std::strcmp(PQcmdTuples(r.get()), "1") != 0) return NotFoundError("store: no such subject");
      RETURN_IF_ERROR(c.Run(kDeleteSubjectFields, {id}).status());
      return c.Run(kDeleteSubjectIndex, {id}).status();
    });
  }

  Result<std::vector<std::string>> ListSubjects(std::string_view after, size_t limit) override {
    std::vector<std::string> out;
    if (limit == 0) return out;
    uint64_t capped = std::min<uint64_t>(limit, uint64_t{1} << 62);
    ASSIGN_OR_RETURN(PgResult r, Query(kListSubjects, {after, Param::Int8(capped)}));
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(GetBytes(r.get(), i, 0));
    return out;
  }

  Status PutMeta(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(ValidateMeta(key, value));
    return Query(kPutMeta, {key, value}).status();
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) override {
    ASSIGN_OR_RETURN(PgResult r, Query(kGetMeta, {key}));
    if (PQntuples(r.get()) == 0) return std::optional<std::string>();
    return std::optional<std::string>(GetBytes(r.get(), 0, 0));
  }

  Status DeleteMeta(std::string_view key) override {
    RETURN_IF_ERROR(ValidateMeta(key, ""));
    return Query(kDeleteMeta, {key}).status();
  }

  Result<std::vector<MetaEntry>> ListMeta(std::string_view prefix, std::string_view after, size_t limit) override {
    std::vector<MetaEntry> out;
    if (limit == 0) return out;
    const Param capped = Param::Int8(std::min<uint64_t>(limit, uint64_t{1} << 62));
    const std::string upper = PrefixUpperBound(prefix);
    PgResult r(nullptr);
    if (upper.empty()) {
      ASSIGN_OR_RETURN(r, Query(kListMeta, {prefix, after, capped}));
    } else {
      ASSIGN_OR_RETURN(r, Query(kListMetaBounded, {prefix, after, capped, upper}));
    }
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back({GetBytes(r.get(), i, 0), GetBytes(r.get(), i, 1)});
    return out;
  }

 private:
  // One statement outside an explicit transaction (autocommit). Every such
  // statement here is a read or an idempotent upsert, so one that failed on a
  // connection found broken (e.g. idle across a server restart) runs once more
  // on a fresh connection.
  Result<PgResult> Query(Stmt s, std::initializer_list<Param> params) {
    for (int attempt = 0;; ++attempt) {
      ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
      auto r = lease->Run(s, params);
      if (r.ok() || attempt > 0 || !lease->broken()) return r;
    }
  }

  // Runs fn inside BEGIN ... COMMIT on one connection; rolls back when fn fails.
  // Retries the whole transaction on serialization failures and deadlocks, and
  // once when BEGIN itself failed on a broken connection (nothing was done yet).
  template <typename Fn>
  Status Transaction(Fn fn) {
    Status st;
    bool stale_retried = false;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
      Connection& c = *lease;
      st = c.Exec("BEGIN");
      if (!st.ok() && c.broken() && !stale_retried) {
        stale_retried = true;
        continue;
      }
      if (st.ok()) st = fn(c);
      if (st.ok()) {
        st = c.Exec("COMMIT");
      } else if (!c.broken()) {
        c.Exec("ROLLBACK").IgnoreError();  // the error that made us roll back is the one to report
      }
      if (st.code() != StatusCode::kAborted) return st;
    }
    return st;
  }

  const std::string conninfo_;
  Pool pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options) {
  if (options.pool_size < 1) return InvalidArgumentError("store: postgres pool_size must be at least 1");
  auto store = std::make_unique<PostgresStore>(options);
  RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace domicile::store
