// A bounded LRU cache of unwrapped subject data keys (DEKs), so that a read of a
// recently used subject skips the keyring unwrap. An entry is valid only for the
// exact wrapped-key blob and home it was unwrapped from: a record rewrapped, moved
// or restored from another copy of the store misses and is unwrapped afresh.
// Key bytes are wiped (OPENSSL_cleanse) when an entry is evicted, erased or cleared.
//
// Exactness for shredding and sealing: Erase and Clear bump a generation; Insert
// takes the generation its caller read *before* unwrapping and is dropped if it
// changed, so a key unwrapped before a shred or seal never lands in the cache
// afterwards. Thread-safety: all methods may be called concurrently.
#ifndef DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_
#define DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace domicile::vault::internal {

class DekCache {
 public:
  // capacity 0 disables the cache (every Find misses, Insert is a no-op).
  explicit DekCache(size_t capacity) : capacity_(capacity) {}
  ~DekCache() { Clear(); }
  DekCache(const DekCache&) = delete;
  DekCache& operator=(const DekCache&) = delete;

  uint64_t generation() const;
  // The DEK of `subject` if cached for exactly this `home` and `wrapped` blob.
  // The caller wipes the returned copy when done.
  std::optional<std::string> Find(std::string_view subject, std::string_view home, std::string_view wrapped);
  // Caches `dek` unless Erase/Clear ran since `generation` was read.
  void Insert(uint64_t generation, std::string_view subject, std::string_view home, std::string_view wrapped,
              std::string_view dek);
  void Erase(std::string_view subject);
  void Clear();
  size_t size() const;

 private:
  struct Entry {
    std::string subject, home, wrapped, dek;
  };
  using List = std::list<Entry>;
  static void Wipe(Entry& e);

  const size_t capacity_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;  // guarded by mu_
  List lru_;                 // guarded by mu_; most recently used first
  std::unordered_map<std::string_view, List::iterator> by_subject_;  // guarded by mu_; keys view lru_ entries
};

}  // namespace domicile::vault::internal

#endif  // DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_
