// A real PostgreSQL 15 server for one test: initdb + pg_ctl from the Debian
// package, on a free 127.0.0.1 port, fsync=on, trust authentication for the
// "postgres" role on loopback only. Everything it created is stopped and removed
// when the object dies, and also when the test process dies without running the
// destructor (a watchdog process notices the end of the test process).
//
// Running as root, the server runs as the unprivileged "postgres" system user
// (PostgreSQL refuses root) through `runuser`; its directory is owned by that user.
#ifndef DOMICILE_TESTS_FAKES_POSTGRES_SERVER_H_
#define DOMICILE_TESTS_FAKES_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace domicile::testing {

class PostgresServer {
 public:
  // Empty when the PostgreSQL 15 binaries (and, as root, the postgres user) are
  // available; otherwise why not, for GTEST_SKIP().
  static std::string Unavailable();

  // initdb + start. kUnavailable when the binaries are missing or the server did
  // not come up (the message ends with the tail of the server log).
  static Result<std::unique_ptr<PostgresServer>> Start();

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // libpq connection string: "host=127.0.0.1 port=N user=postgres dbname=postgres".
  const std::string& conninfo() const { return conninfo_; }
  int port() const { return port_; }
  // The cluster directory (heap files, pg_wal/, ...): for tests that search every
  // byte the server wrote. Readable by root; otherwise owned by the caller.
  const std::string& data_dir() const { return data_dir_; }
  const std::string& log_path() const { return log_path_; }

  // Simulates a server crash: `pg_ctl stop -m immediate` (SIGQUIT, no checkpoint;
  // the next start runs WAL recovery). Then Restart() brings it back on the same port.
  Status Crash();
  Status Restart();

 private:
  PostgresServer() = default;
  Status PgCtl(const std::string& action, const std::string& mode);

  std::string root_;  // owns everything below; removed at the end
  std::string data_dir_;
  std::string log_path_;
  std::string conninfo_;
  int port_ = 0;
  int watchdog_fd_ = -1;  // write end of the pipe the watchdog waits on
  pid_t watchdog_pid_ = -1;
};

}  // namespace domicile::testing

#endif  // DOMICILE_TESTS_FAKES_POSTGRES_SERVER_H_
