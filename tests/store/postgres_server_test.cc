// The PostgreSQL test harness: it starts a real server on loopback, survives a
// simulated crash, and leaves nothing behind.
#include "fakes/postgres_server.h"

#include <libpq-fe.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace domicile::testing {
namespace {

std::string QueryOne(const std::string& conninfo, const char* sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::string out;
  if (PQstatus(c) == CONNECTION_OK) {
    PGresult* r = PQexec(c, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) out = PQgetvalue(r, 0, 0);
    PQclear(r);
  } else {
    out = std::string("connect failed: ") + PQerrorMessage(c);
  }
  PQfinish(c);
  return out;
}

TEST(PostgresServerTest, StartsOnLoopbackWithFsyncAndCleansUp) {
  if (std::string why = PostgresServer::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  std::string data_dir;
  {
    auto server = PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().message();
    PostgresServer& s = **server;
    data_dir = s.data_dir();
    EXPECT_GT(s.port(), 0);
    EXPECT_EQ(QueryOne(s.conninfo(), "SHOW fsync"), "on");
    EXPECT_EQ(QueryOne(s.conninfo(), "SHOW listen_addresses"), "127.0.0.1");
    EXPECT_EQ(QueryOne(s.conninfo(), "SELECT current_setting('server_version_num')::int / 10000"), "15");
    EXPECT_TRUE(std::filesystem::is_directory(s.data_dir() + "/pg_wal"));

    // A committed row survives an immediate (crash) stop and restart.
    EXPECT_EQ(QueryOne(s.conninfo(), "CREATE TABLE t AS SELECT 42 AS v; SELECT v FROM t"), "42");
    ASSERT_TRUE(s.Crash().ok());
    EXPECT_NE(QueryOne(s.conninfo(), "SELECT 1").rfind("connect failed", 0), std::string::npos);
    ASSERT_TRUE(s.Restart().ok()) << s.log_path();
    EXPECT_EQ(QueryOne(s.conninfo(), "SELECT v FROM t"), "42");
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir));
}

TEST(PostgresServerTest, TwoServersRunSideBySide) {
  if (std::string why = PostgresServer::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  auto a = PostgresServer::Start();
  auto b = PostgresServer::Start();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)->port(), (*b)->port());
  EXPECT_EQ(QueryOne((*a)->conninfo(), "SELECT 1"), "1");
  EXPECT_EQ(QueryOne((*b)->conninfo(), "SELECT 2"), "2");
}

}  // namespace
}  // namespace domicile::testing
