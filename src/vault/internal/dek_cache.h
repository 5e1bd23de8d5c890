// A bounded LRU cache of unwrapped subject data keys (DEKs), so that a read of a
// recently used subject skips the keyring unwrap. An entry is valid only for the
// exact wrapped-key blob and home it was unwrapped from: a record rewrapped, moved
// or restored from another copy of the store misses and is unwrapped afresh.
// Key bytes are wiped (OPENSSL_cleanse) when an entry is evicted, erased, cleared
// or reused, and when a DataKey copy handed out is destroyed.
//
// Exactness for shredding and sealing: Erase and Clear bump a generation; Insert
// takes the generation its caller read *before* unwrapping and is dropped if it
// changed, so a key unwrapped before a shred or seal never lands in the cache
// afterwards.
//
// Admission: a key unwrapped for a read is cached only on its subject's second
// miss (InsertOnSecondMiss; the "doorkeeper" of TinyLFU). With reads spread
// uniformly over many more subjects than fit (1M subjects, 65,536 entries: 97 %
// of reads miss), caching every miss evicted an entry per read for a 3 % hit
// rate; the cost of that bookkeeping (cold index buckets and entries) was more
// than the unwraps it saved. A subject read twice within roughly `capacity`
// misses is cached as before; a write (Insert) caches at once and counts as seen.
// The doorkeeper holds 32-bit fingerprints of subject-id hashes, no key material.
//
// Steady state at capacity (a read load spread over more subjects than fit): an
// insert reuses the least recently used entry in place (its strings keep their
// capacity), so neither a hit nor a miss allocates here.
// Thread-safety: all methods may be called concurrently.
#ifndef DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_
#define DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_

#include <array>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crypto/envelope.h"

namespace domicile::vault::internal {

// A raw data key held inline (no heap copy to forget), wiped when destroyed.
class DataKey {
 public:
  DataKey() = default;
  ~DataKey();
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;

  // False (and nothing copied) unless `key` is kDataKeySize bytes.
  bool Assign(std::string_view key);
  std::string_view view() const { return {bytes_.data(), bytes_.size()}; }

 private:
  std::array<char, crypto::kDataKeySize> bytes_{};
};

class DekCache {
 public:
  // capacity 0 disables the cache (every Find misses, Insert is a no-op).
  explicit DekCache(size_t capacity);
  DekCache(const DekCache&) = delete;
  DekCache& operator=(const DekCache&) = delete;

  uint64_t generation() const;
  // Copies the DEK of `subject` into `out` if cached for exactly this `home` and
  // `wrapped` blob.
  bool Find(std::string_view subject, std::string_view home, std::string_view wrapped, DataKey& out);
  // Caches `dek` unless Erase/Clear ran since `generation` was read (or it is
  // not a data key).
  void Insert(uint64_t generation, std::string_view subject, std::string_view home, std::string_view wrapped,
              std::string_view dek);
  // As Insert, but only if `subject` missed before within the doorkeeper's window;
  // otherwise records it as seen.
  void InsertOnSecondMiss(uint64_t generation, std::string_view subject, std::string_view home,
                          std::string_view wrapped, std::string_view dek);
  void Erase(std::string_view subject);
  void Clear();
  size_t size() const;

 private:
  struct Entry {
    std::string subject, home, wrapped;
    DataKey dek;
  };
  using List = std::list<Entry>;
  // The doorkeeper slot of `subject` and the fingerprint (never 0) it would hold.
  struct SeenSlot {
    uint32_t& slot;
    uint32_t fingerprint;
  };
  SeenSlot SlotOf(std::string_view subject);  // requires mu_
  // True if `subject` was marked seen (and clears the mark); else marks it.
  bool SeenBefore(std::string_view subject);  // requires mu_
  void MarkSeen(std::string_view subject);    // requires mu_
  void InsertLocked(std::string_view subject, std::string_view home, std::string_view wrapped,
                    std::string_view dek);  // requires mu_

  const size_t capacity_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;  // guarded by mu_
  List lru_;                 // guarded by mu_; most recently used first
  std::unordered_map<std::string_view, List::iterator> by_subject_;  // guarded by mu_; keys view lru_ entries
  // Doorkeeper: fingerprint (never 0) of a subject that missed once, by hash slot;
  // 0 = empty. Power-of-two size >= capacity_ (empty when capacity_ is 0).
  std::vector<uint32_t> seen_;  // guarded by mu_
};

}  // namespace domicile::vault::internal

#endif  // DOMICILE_VAULT_INTERNAL_DEK_CACHE_H_
