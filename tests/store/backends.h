// The backends the store tests run against, behind one factory so the
// conformance and crash suites are written once (trillian storage/testonly style).
#ifndef DOMICILE_TESTS_STORE_BACKENDS_H_
#define DOMICILE_TESTS_STORE_BACKENDS_H_

#include <memory>
#include <ostream>
#include <string>

#include "common/status.h"
#include "fakes/postgres_server.h"
#include "store/store.h"

namespace domicile::store::testing {

// One empty store's worth of resources (a directory, a database schema); Open()
// may be called again after the previous store was destroyed to reopen the same data.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Result<std::unique_ptr<Store>> Open() = 0;
  virtual bool durable() const = 0;  // data survives the Store object
};

struct BackendFactory {
  std::string name;
  // Empty when the backend can run here; otherwise why not (for GTEST_SKIP).
  std::string (*unavailable)();
  Result<std::unique_ptr<Backend>> (*create)();
};

inline void PrintTo(const BackendFactory& f, std::ostream* os) { *os << f.name; }

BackendFactory MemoryBackend();
BackendFactory RocksDbBackend();
// The PostgreSQL 15 server shared by the tests of one process (started on first
// use, stopped at exit), and a connection string for a fresh, empty schema on it.
Result<domicile::testing::PostgresServer*> SharedPostgresServer();
Result<std::string> FreshPostgresSchema();

// One PostgreSQL 15 server per test process (tests/fakes/postgres_server.h),
// a fresh schema per Backend.
BackendFactory PostgresBackend();

}  // namespace domicile::store::testing

#endif  // DOMICILE_TESTS_STORE_BACKENDS_H_
