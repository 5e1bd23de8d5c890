#include "store/backends.h"

#include <libpq-fe.h>

#include <atomic>
#include <mutex>

#include "fakes/temp_dir.h"
#include "store/memory/memory_store.h"
#include "store/postgres/postgres_store.h"
#include "store/rocksdb/rocksdb_store.h"

namespace domicile::store::testing {
namespace {

std::string Available() { return ""; }

class MemoryBackendImpl final : public Backend {
 public:
  Result<std::unique_ptr<Store>> Open() override { return NewMemoryStore(); }
  bool durable() const override { return false; }
};

class RocksDbBackendImpl final : public Backend {
 public:
  Result<std::unique_ptr<Store>> Open() override { return OpenRocksDbStore(dir_.path() + "/db"); }
  bool durable() const override { return true; }

 private:
  domicile::testing::TempDir dir_;
};

class PostgresBackendImpl final : public Backend {
 public:
  static Result<std::unique_ptr<Backend>> Create() {
    ASSIGN_OR_RETURN(std::string conninfo, FreshPostgresSchema());
    return std::unique_ptr<Backend>(std::make_unique<PostgresBackendImpl>(std::move(conninfo)));
  }
  explicit PostgresBackendImpl(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  Result<std::unique_ptr<Store>> Open() override { return OpenPostgresStore({.conninfo = conninfo_}); }
  bool durable() const override { return true; }

 private:
  std::string conninfo_;
};

}  // namespace

Result<domicile::testing::PostgresServer*> SharedPostgresServer() {
  static std::mutex mu;
  static std::unique_ptr<domicile::testing::PostgresServer> server;  // guarded by mu
  std::lock_guard<std::mutex> l(mu);
  if (!server) {
    ASSIGN_OR_RETURN(server, domicile::testing::PostgresServer::Start());
  }
  return server.get();
}

Result<std::string> FreshPostgresSchema() {
  ASSIGN_OR_RETURN(auto* server, SharedPostgresServer());
  static std::atomic<int> next{0};
  std::string schema = "test_" + std::to_string(next++);
  PGconn* c = PQconnectdb(server->conninfo().c_str());
  PGresult* r = PQexec(c, ("CREATE SCHEMA " + schema).c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string err = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) return UnavailableError("create schema: " + err);
  return server->conninfo() + " options='-c search_path=" + schema + "'";
}

BackendFactory PostgresBackend() {
  return {"Postgres", &domicile::testing::PostgresServer::Unavailable, &PostgresBackendImpl::Create};
}

BackendFactory MemoryBackend() {
  return {"Memory", &Available, []() -> Result<std::unique_ptr<Backend>> {
            return std::unique_ptr<Backend>(std::make_unique<MemoryBackendImpl>());
          }};
}

BackendFactory RocksDbBackend() {
  return {"RocksDb", &Available, []() -> Result<std::unique_ptr<Backend>> {
            return std::unique_ptr<Backend>(std::make_unique<RocksDbBackendImpl>());
          }};
}

}  // namespace domicile::store::testing
