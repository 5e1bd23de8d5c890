// The scale-out backend: PostgreSQL 15 through libpq, with SQL kept to what
// PostgreSQL-compatible distributed engines also run (plain tables, btree
// indexes, INSERT ... ON CONFLICT, SELECT ... FOR UPDATE; no procedures,
// triggers or extensions). Opaque values are bytea. Schema: docs/vault.md.
#ifndef DOMICILE_STORE_POSTGRES_POSTGRES_STORE_H_
#define DOMICILE_STORE_POSTGRES_POSTGRES_STORE_H_

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace domicile::store {

struct PostgresStoreOptions {
  // libpq connection string or URI ("host=... port=... dbname=... user=...").
  // Its search_path (options='-c search_path=s') picks the schema the tables live in.
  std::string conninfo;
  // Connections opened on demand up to this many; a caller beyond it waits.
  int pool_size = 8;
  // How long a caller waits for a free connection before kUnavailable.
  std::chrono::milliseconds acquire_timeout{30000};
};

// Connects once, creates the schema if absent (idempotent, safe from several
// processes at once) and checks its version. Every session runs with
// synchronous_commit=on, so an OK'd write is in the server's fsynced WAL.
// Errors: kUnavailable (server unreachable), kFailedPrecondition (the schema has
// another version), kInvalidArgument (bad options).
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options);

}  // namespace domicile::store

#endif  // DOMICILE_STORE_POSTGRES_POSTGRES_STORE_H_
