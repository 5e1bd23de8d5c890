// Acceptance on PostgreSQL 15 (a real server started by the test harness): no
// plaintext in the cluster directory (heap files after a CHECKPOINT, pg_wal/), and
// a logical backup taken before a deletion cannot bring the subject back.
#include <libpq-fe.h>

#include "fakes/postgres_server.h"
#include "store/memory/memory_store.h"
#include "store/postgres/postgres_store.h"
#include "vault/at_rest.h"

namespace domicile::vault {
namespace {

// Copies every record of `from` into a new memory store: a logical backup (what
// pg_dump of the tables would hold).
std::unique_ptr<store::Store> LogicalCopy(store::Store& from) {
  auto copy = store::NewMemoryStore();
  const std::vector<std::string> ids = from.ListSubjects("", 1000000).value();
  for (const auto& id : ids) {
    store::Mutation m;
    m.subject = id;
    m.upsert = from.GetSubject(id).value().value();
    m.put_fields = from.GetAllFields(id).value();
    EXPECT_TRUE(copy->Apply(m).ok());
  }
  return copy;
}

TEST_F(AtRestTest, PostgresDataDirectoryAndWalHoldNoPlaintext) {
  if (const std::string why = testing::PostgresServer::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  auto server = testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const auto people = People(50);
  {
    auto store = store::OpenPostgresStore({.conninfo = (*server)->conninfo()});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto vault = OpenVault(store->get());
    for (const auto& p : people) ASSERT_TRUE(vault->Put(p.id, "SG", ValuesOf(p)).ok());
    ASSERT_TRUE(vault->Put(people[0].id, "SG", {{"profile", {{"bio", people[1].bio}}}}).ok());
    ASSERT_EQ(vault->Get(people[7].id, "profile", {"name"}).value()[0].value, people[7].name);

    // A logical backup taken before the deletion cannot bring the subject back.
    auto backup = LogicalCopy(**store);
    ASSERT_TRUE(vault->Delete(people[5].id).ok());
    auto restored = OpenVault(backup.get());
    EXPECT_EQ(restored->Get(people[5].id, "profile", {}).status().code(), StatusCode::kDataLoss);
  }
  // Heap files are written at checkpoints; force one so both they and the WAL are searched.
  PGconn* c = PQconnectdb((*server)->conninfo().c_str());
  PGresult* r = PQexec(c, "CHECKPOINT");
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  size_t bytes = 0;
  const auto found = FindAll((*server)->data_dir(), Needles(people), &bytes);
  EXPECT_GT(bytes, 1u << 20);
  EXPECT_TRUE(found.empty()) << found.size() << " plaintext hits, first: " << found.front();
}

}  // namespace
}  // namespace domicile::vault
