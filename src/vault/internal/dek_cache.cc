#include "vault/internal/dek_cache.h"

#include <openssl/crypto.h>

namespace domicile::vault::internal {

void DekCache::Wipe(Entry& e) {
  if (!e.dek.empty()) OPENSSL_cleanse(e.dek.data(), e.dek.size());
  e.dek.clear();
}

uint64_t DekCache::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::optional<std::string> DekCache::Find(std::string_view subject, std::string_view home, std::string_view wrapped) {
  std::lock_guard lock(mu_);
  auto it = by_subject_.find(subject);
  if (it == by_subject_.end() || it->second->home != home || it->second->wrapped != wrapped) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->dek;
}

void DekCache::Insert(uint64_t generation, std::string_view subject, std::string_view home, std::string_view wrapped,
                      std::string_view dek) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  if (generation != generation_) return;
  if (auto it = by_subject_.find(subject); it != by_subject_.end()) {
    Wipe(*it->second);
    lru_.erase(it->second);
    by_subject_.erase(it);
  }
  lru_.push_front({std::string(subject), std::string(home), std::string(wrapped), std::string(dek)});
  by_subject_.emplace(lru_.front().subject, lru_.begin());
  if (lru_.size() > capacity_) {
    Entry& last = lru_.back();
    by_subject_.erase(last.subject);
    Wipe(last);
    lru_.pop_back();
  }
}

void DekCache::Erase(std::string_view subject) {
  std::lock_guard lock(mu_);
  ++generation_;
  auto it = by_subject_.find(subject);
  if (it == by_subject_.end()) return;
  Wipe(*it->second);
  lru_.erase(it->second);
  by_subject_.erase(it);
}

void DekCache::Clear() {
  std::lock_guard lock(mu_);
  ++generation_;
  by_subject_.clear();
  for (Entry& e : lru_) Wipe(e);
  lru_.clear();
}

size_t DekCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace domicile::vault::internal
