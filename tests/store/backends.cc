#include "store/backends.h"

#include "fakes/temp_dir.h"
#include "store/memory/memory_store.h"
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

}  // namespace

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
