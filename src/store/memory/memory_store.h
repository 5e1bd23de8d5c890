// In-memory Store for tests. Nothing survives the object.
#ifndef DOMICILE_STORE_MEMORY_MEMORY_STORE_H_
#define DOMICILE_STORE_MEMORY_MEMORY_STORE_H_

#include <memory>

#include "store/store.h"

namespace domicile::store {

std::unique_ptr<Store> NewMemoryStore();

}  // namespace domicile::store

#endif  // DOMICILE_STORE_MEMORY_MEMORY_STORE_H_
