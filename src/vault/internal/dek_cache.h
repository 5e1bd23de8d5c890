// A bounded LRU cache of unwrapped subject data keys (DEKs), so that a read of a
// recently used subject skips the keyring unwrap. Keys are held pre-keyed
// (crypto::AeadKey: the AES key schedule expanded once), so a cached read pays
// only for its nonce and data. An entry is valid only for the exact wrapped-key
// blob and home it was unwrapped from: a record rewrapped, moved or restored from
// another copy of the store misses and is unwrapped afresh. The raw key bytes are
// not kept; the expanded keys are wiped when an entry's context is freed or
// re-keyed for another subject.
//
// Exactness for shredding and sealing: Erase and Clear bump a generation; Insert
// takes the generation its caller read *before* unwrapping and does not cache if
// it changed, so a key unwrapped before a shred or seal never lands in the cache
// afterwards. A Key handed out stays usable by its holder after the entry is gone
// (the vault holds its shred lock shared for as long as it uses one, and Erase /
// Clear run under it exclusively).
//
// Steady state at capacity (a uniform read load over many subjects): a miss
// reuses the least recently used entry, its strings and its context (re-keyed)
// when no one else holds it, so a miss allocates nothing.
// Thread-safety: all methods may be called concurrently.
#ifndef DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_
#define DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "crypto/aead.h"

namespace domicile::vault::internal {

class DekCache {
 public:
  using Key = std::shared_ptr<const crypto::AeadKey>;

  // capacity 0 disables the cache (every Find misses, Insert caches nothing).
  explicit DekCache(size_t capacity) : capacity_(capacity) {}
  DekCache(const DekCache&) = delete;
  DekCache& operator=(const DekCache&) = delete;

  uint64_t generation() const;
  // The DEK of `subject` if cached for exactly this `home` and `wrapped` blob,
  // else null.
  Key Find(std::string_view subject, std::string_view home, std::string_view wrapped);
  // A pre-keyed context for the raw 32-byte `dek` (which the caller then wipes),
  // cached unless Erase/Clear ran since `generation` was read or the cache is
  // disabled. InvalidArgument for a key of the wrong size, Internal if OpenSSL
  // fails; nothing is cached then.
  Result<Key> Insert(uint64_t generation, std::string_view subject, std::string_view home, std::string_view wrapped,
                     std::string_view dek);
  void Erase(std::string_view subject);
  void Clear();
  size_t size() const;

 private:
  struct Entry {
    std::string subject, home, wrapped;
    std::shared_ptr<crypto::AeadKey> key;
  };
  using List = std::list<Entry>;

  const size_t capacity_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;  // guarded by mu_
  List lru_;                 // guarded by mu_; most recently used first
  std::unordered_map<std::string_view, List::iterator> by_subject_;  // guarded by mu_; keys view lru_ entries
};

}  // namespace domicile::vault::internal

#endif  // DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_
