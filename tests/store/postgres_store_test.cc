// PostgreSQL-specific behaviour beyond the conformance suite: schema creation
// racing from many clients, schema versions, connection errors and recovery
// after a server crash, the pool limit.
#include "store/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <atomic>
#include <thread>
#include <vector>

#include "fakes/postgres_server.h"
#include "gtest/gtest.h"
#include "store/backends.h"

namespace domicile::store::testing {
namespace {

using ::domicile::testing::PostgresServer;

Mutation Create(const std::string& id) {
  Mutation m;
  m.subject = id;
  m.upsert = SubjectRecord{id, "US", "k", 1};
  m.put_fields = {FieldRecord{"p", "f", 1, "sealed"}};
  return m;
}

void Exec(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
}

// Each test gets a fresh schema on the process's shared server.
class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = PostgresServer::Unavailable(); !why.empty()) GTEST_SKIP() << why;
    auto server = SharedPostgresServer();
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = *server;
    auto conninfo = FreshPostgresSchema();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
    conninfo_ = *conninfo;
  }
  PostgresServer* server_ = nullptr;
  std::string conninfo_;
};

TEST_F(PostgresStoreTest, ManyClientsCreatingTheSchemaAtOnceAllSucceed) {
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      auto s = OpenPostgresStore({.conninfo = conninfo_});
      if (!s.ok() || !(*s)->Apply(Create("x")).ok()) failed++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
}

TEST_F(PostgresStoreTest, AnotherSchemaVersionIsRefused) {
  ASSERT_TRUE(OpenPostgresStore({.conninfo = conninfo_}).ok());
  Exec(conninfo_, "INSERT INTO domicile_schema_version VALUES (2)");
  EXPECT_EQ(OpenPostgresStore({.conninfo = conninfo_}).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(PostgresStoreTest, BadOptionsAndUnreachableServer) {
  EXPECT_EQ(OpenPostgresStore({.conninfo = conninfo_, .pool_size = 0}).status().code(),
            StatusCode::kInvalidArgument);
  auto down = OpenPostgresStore({.conninfo = "host=127.0.0.1 port=1 user=postgres connect_timeout=2"});
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
}

TEST_F(PostgresStoreTest, StoreRecoversAfterAServerCrash) {
  // One connection, so the idle connection left from before a crash is the one
  // the next call finds.
  auto s = OpenPostgresStore({.conninfo = conninfo_, .pool_size = 1});
  ASSERT_TRUE(s.ok());
  Store& store = **s;
  ASSERT_TRUE(store.Apply(Create("before")).ok());
  ASSERT_TRUE(server_->Crash().ok());
  // Down: calls fail with kUnavailable, not a hang or a crash.
  EXPECT_EQ(store.Apply(Create("during")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.GetSubject("before").status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  auto before = store.GetSubject("before");
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_TRUE(before->has_value());
  EXPECT_FALSE(store.GetSubject("during")->has_value());

  // A connection that sat idle across a restart is replaced transparently, for a
  // transaction and for a single statement.
  ASSERT_TRUE(server_->Crash().ok() && server_->Restart().ok());
  Status st = store.Apply(Create("after"));
  EXPECT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(server_->Crash().ok() && server_->Restart().ok());
  auto after = store.GetSubject("after");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_TRUE(after->has_value());
}

TEST_F(PostgresStoreTest, WaitingForAFreeConnectionTimesOut) {
  // One connection, held by a transaction that waits on a row lock we hold.
  auto s = OpenPostgresStore(
      {.conninfo = conninfo_, .pool_size = 1, .acquire_timeout = std::chrono::milliseconds(200)});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Apply(Create("a")).ok());
  PGconn* locker = PQconnectdb(conninfo_.c_str());
  PQclear(PQexec(locker, "BEGIN"));
  PQclear(PQexec(locker, "SELECT 1 FROM domicile_subjects FOR UPDATE"));
  std::thread blocked([&] { EXPECT_TRUE((*s)->Apply(Create("a")).ok()); });
  // Wait until the pool's only connection is blocked on our lock.
  for (;;) {
    PGresult* r = PQexec(locker, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'");
    bool waiting = PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) == "1";
    PQclear(r);
    if (waiting) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ((*s)->PutMeta("k", "v").code(), StatusCode::kUnavailable);
  PQclear(PQexec(locker, "COMMIT"));
  blocked.join();
  PQfinish(locker);
}

}  // namespace
}  // namespace domicile::store::testing
