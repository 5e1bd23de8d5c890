#include "vault/internal/dek_cache.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <functional>

namespace domicile::vault::internal {

DataKey::~DataKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

bool DataKey::Assign(std::string_view key) {
  if (key.size() != bytes_.size()) return false;
  std::copy(key.begin(), key.end(), bytes_.begin());
  return true;
}

namespace {
size_t DoorkeeperSlots(size_t capacity) {
  if (capacity == 0) return 0;
  size_t n = 1;
  while (n < capacity) n <<= 1;
  return n;
}
}  // namespace

DekCache::DekCache(size_t capacity) : capacity_(capacity), seen_(DoorkeeperSlots(capacity), 0) {}

DekCache::SeenSlot DekCache::SlotOf(std::string_view subject) {
  const size_t h = std::hash<std::string_view>{}(subject);
  return {seen_[h & (seen_.size() - 1)], uint32_t(uint64_t(h) >> 32) | 1};
}

bool DekCache::SeenBefore(std::string_view subject) {
  auto [slot, fingerprint] = SlotOf(subject);
  if (slot == fingerprint) {
    slot = 0;
    return true;
  }
  slot = fingerprint;
  return false;
}

void DekCache::MarkSeen(std::string_view subject) {
  auto [slot, fingerprint] = SlotOf(subject);
  slot = fingerprint;
}

uint64_t DekCache::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

bool DekCache::Find(std::string_view subject, std::string_view home, std::string_view wrapped, DataKey& out) {
  std::lock_guard lock(mu_);
  auto it = by_subject_.find(subject);
  if (it == by_subject_.end() || it->second->home != home || it->second->wrapped != wrapped) return false;
  lru_.splice(lru_.begin(), lru_, it->second);
  return out.Assign(it->second->dek.view());
}

void DekCache::Insert(uint64_t generation, std::string_view subject, std::string_view home, std::string_view wrapped,
                      std::string_view dek) {
  if (capacity_ == 0 || dek.size() != crypto::kDataKeySize) return;
  std::lock_guard lock(mu_);
  if (generation != generation_) return;
  MarkSeen(subject);
  InsertLocked(subject, home, wrapped, dek);
}

void DekCache::InsertOnSecondMiss(uint64_t generation, std::string_view subject, std::string_view home,
                                  std::string_view wrapped, std::string_view dek) {
  if (capacity_ == 0 || dek.size() != crypto::kDataKeySize) return;
  std::lock_guard lock(mu_);
  if (generation != generation_) return;
  if (!SeenBefore(subject)) return;
  InsertLocked(subject, home, wrapped, dek);
}

void DekCache::InsertLocked(std::string_view subject, std::string_view home, std::string_view wrapped,
                            std::string_view dek) {
  // The entry to fill: this subject's own (a stale blob), else the least recently
  // used one when full, else a new one. Reused entries are overwritten in place.
  List::iterator e;
  decltype(by_subject_)::node_type node;  // the index node, reused with the entry
  if (auto it = by_subject_.find(subject); it != by_subject_.end()) {
    e = it->second;
    node = by_subject_.extract(it);
  } else if (lru_.size() >= capacity_) {
    e = std::prev(lru_.end());
    node = by_subject_.extract(e->subject);
  } else {
    e = lru_.emplace(lru_.begin());
  }
  e->subject.assign(subject);
  e->home.assign(home);
  e->wrapped.assign(wrapped);
  e->dek.Assign(dek);
  lru_.splice(lru_.begin(), lru_, e);
  if (node.empty()) {
    by_subject_.emplace(e->subject, e);
  } else {
    node.key() = e->subject;
    node.mapped() = e;
    by_subject_.insert(std::move(node));
  }
}

void DekCache::Erase(std::string_view subject) {
  std::lock_guard lock(mu_);
  ++generation_;
  auto it = by_subject_.find(subject);
  if (it == by_subject_.end()) return;
  lru_.erase(it->second);  // the entry's DataKey wipes itself
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
