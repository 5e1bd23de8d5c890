// Helper of SiteReplicationTest.ShredLostInACrashIsShippedAfterRestart: an enclave
// that deletes one subject through its change feed (as the vault's Delete does) and
// is killed (SIGKILL) right after the delete returns, before any shipper could send
// the shred. Usage: multisite_crash_deleter STORE_DIR SUBJECT. Exit 2/3: setup failed.
#include <csignal>
#include <cstdio>

#include "store/rocksdb/rocksdb_store.h"
#include "vault/replication.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  auto store = domicile::store::OpenRocksDbStore(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 2;
  }
  domicile::vault::ChangeFeed feed(store->get());
  if (!feed.DeleteSubject(argv[2]).ok()) return 3;
  std::raise(SIGKILL);
  return 4;
}
