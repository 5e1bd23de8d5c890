// The PostgreSQL source against a real PostgreSQL 15 server (tests/fakes
// harness); skips with the reason when the server binaries are unavailable.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "fakes/postgres_server.h"
#include "scan/postgres_source.h"

namespace domicile::scan {
namespace {

void Exec(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
      << sql << ": " << PQerrorMessage(c);
  PQclear(r);
}

TEST(PostgresSourceTest, ScansTablesThroughCursorsWithColumnContext) {
  std::string why = testing::PostgresServer::Unavailable();
  if (!why.empty()) GTEST_SKIP() << why;
  auto server = testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  PGconn* c = PQconnectdb((*server)->conninfo().c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  Exec(c, "CREATE TABLE users (id int, email text, dob date, note text, shipped date)");
  Exec(c, "CREATE SCHEMA \"odd name\"");
  Exec(c, "CREATE TABLE \"odd name\".\"t;x\" (v text)");
  // 2500 rows: several FETCH batches of 1000.
  Exec(c, "INSERT INTO users SELECT g, 'user' || g || '@example.com', DATE '1980-01-01' + g, "
          "NULL, DATE '2023-01-01' FROM generate_series(1, 2500) g");
  Exec(c, "INSERT INTO \"odd name\".\"t;x\" VALUES ('ssn 536-22-1234')");
  PQfinish(c);

  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok());
  std::map<std::string, int> per_column;
  std::string first_path;
  auto sink = [&](const std::string& path, const std::vector<LocatedFinding>& f) {
    if (first_path.empty()) first_path = path;
    std::string column = path.substr(0, path.rfind('/'));
    per_column[column] += static_cast<int>(f.size());
  };
  auto stats = ScanPostgres(**scanner, (*server)->conninfo(), {}, sink);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->sources, 2u);
  EXPECT_EQ(per_column["pg:public.users/email"], 2500);
  EXPECT_EQ(per_column["pg:public.users/dob"], 2500);  // the column name is the context
  EXPECT_EQ(per_column.count("pg:public.users/shipped"), 0u);
  EXPECT_EQ(per_column["pg:\"odd name\".\"t;x\"/v"], 1);
  EXPECT_EQ(first_path.rfind("pg:\"odd name\".\"t;x\"/v/(0,1)", 0), 0u) << first_path;

  // Named tables are resolved by the server; a missing or hostile name is an error.
  auto one = ScanPostgres(**scanner, (*server)->conninfo(), {"\"odd name\".\"t;x\""}, sink);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->findings, 1u);
  auto missing = ScanPostgres(**scanner, (*server)->conninfo(), {"users; DROP TABLE users"}, sink);
  EXPECT_FALSE(missing.ok());
  auto bad = ScanPostgres(**scanner, "host=127.0.0.1 port=1 connect_timeout=2", {}, sink);
  EXPECT_EQ(bad.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace domicile::scan
