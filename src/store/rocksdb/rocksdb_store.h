// The embedded default backend: one RocksDB database per vault site, records in
// the default column family (each subject's record followed by its fields), index
// entries and meta in the "aux" family. Every write is a single WriteBatch written
// with a synced WAL, so an OK'd write survives kill -9 and power loss. Key layout:
// store/rocksdb/key_codec.h, docs/vault.md.
#ifndef DOMICILE_STORE_ROCKSDB_ROCKSDB_STORE_H_
#define DOMICILE_STORE_ROCKSDB_ROCKSDB_STORE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace domicile::store {

struct RocksDbStoreOptions {
  size_t block_cache_bytes = 64 << 20;
  // Bulk loads only (benchmarks, restores that are re-run from scratch after a
  // crash): false writes without syncing the WAL, so OK'd writes may be lost on
  // power failure. Serving stores keep the default.
  bool sync_writes = true;
};

// Opens (creating if absent) the database in `dir`. The WAL lives in `dir` too.
// Format-1 and format-2 databases are migrated to format 3 first (docs/vault.md,
// "RocksDB layout"; a rewrite of the record family: 39 s for the two 1M-subject
// bench databases, 2.2 GiB). kFailedPrecondition if `dir` holds another format
// version or is locked by another open store;
// kDataLoss for a corrupt key met while migrating; kUnavailable / kDataLoss for
// I/O errors / corruption.
Result<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& dir, const RocksDbStoreOptions& options = {});

}  // namespace domicile::store

#endif  // DOMICILE_STORE_ROCKSDB_ROCKSDB_STORE_H_
