#include "vault/internal/dek_cache.h"

namespace domicile::vault::internal {

uint64_t DekCache::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

DekCache::Key DekCache::Find(std::string_view subject, std::string_view home, std::string_view wrapped) {
  std::lock_guard lock(mu_);
  auto it = by_subject_.find(subject);
  if (it == by_subject_.end() || it->second->home != home || it->second->wrapped != wrapped) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->key;
}

Result<DekCache::Key> DekCache::Insert(uint64_t generation, std::string_view subject, std::string_view home,
                                       std::string_view wrapped, std::string_view dek) {
  auto fresh = [&]() -> Result<std::shared_ptr<crypto::AeadKey>> {
    ASSIGN_OR_RETURN(std::unique_ptr<crypto::AeadKey> key, crypto::AeadKey::Create(dek));
    return std::shared_ptr<crypto::AeadKey>(std::move(key));
  };
  auto uncached = [&]() -> Result<Key> {
    ASSIGN_OR_RETURN(std::shared_ptr<crypto::AeadKey> key, fresh());
    return Key(std::move(key));
  };
  if (capacity_ == 0) return uncached();
  std::lock_guard lock(mu_);
  if (generation != generation_) return uncached();
  if (auto it = by_subject_.find(subject); it != by_subject_.end()) {
    lru_.erase(it->second);  // a stale entry (another blob); its context is freed, and wiped, with it
    by_subject_.erase(it);
  }
  if (lru_.size() >= capacity_) {
    // Recycle the least recently used entry. Its context is re-keyed in place only
    // when this cache holds the sole reference: a Key is handed out only under
    // mu_, so no one can obtain it while we re-key.
    auto last = std::prev(lru_.end());
    auto node = by_subject_.extract(last->subject);
    if (last->key.use_count() == 1 && last->key->Rekey(dek).ok()) {
      last->subject.assign(subject);
      last->home.assign(home);
      last->wrapped.assign(wrapped);
      lru_.splice(lru_.begin(), lru_, last);
      node.key() = last->subject;
      by_subject_.insert(std::move(node));
      return Key(last->key);
    }
    lru_.erase(last);
  }
  ASSIGN_OR_RETURN(std::shared_ptr<crypto::AeadKey> key, fresh());
  lru_.push_front({std::string(subject), std::string(home), std::string(wrapped), key});
  by_subject_.emplace(lru_.front().subject, lru_.begin());
  return Key(std::move(key));
}

void DekCache::Erase(std::string_view subject) {
  std::lock_guard lock(mu_);
  ++generation_;
  auto it = by_subject_.find(subject);
  if (it == by_subject_.end()) return;
  lru_.erase(it->second);
  by_subject_.erase(it);
}

void DekCache::Clear() {
  std::lock_guard lock(mu_);
  ++generation_;
  by_subject_.clear();
  lru_.clear();
}

size_t DekCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace domicile::vault::internal
