#include "gateway/token_cache.h"

namespace domicile::gateway {

std::optional<VerifiedToken> TokenCache::Find(std::string_view token, int64_t now_unix_seconds) {
  if (capacity_ == 0) return std::nullopt;
  const crypto::Digest key = crypto::Sha256(token);
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || now_unix_seconds >= it->second.expires_at) {
    if (it != entries_.end()) entries_.erase(it);
    ++stats_.misses;
    return std::nullopt;
  }
  ++stats_.hits;
  return it->second;
}

void TokenCache::Insert(std::string_view token, const VerifiedToken& verified, int64_t now_unix_seconds) {
  if (capacity_ == 0 || now_unix_seconds >= verified.expires_at) return;
  const crypto::Digest key = crypto::Sha256(token);
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= capacity_ && !entries_.contains(key)) {
    std::erase_if(entries_, [&](const auto& e) { return now_unix_seconds >= e.second.expires_at; });
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  }
  entries_.insert_or_assign(key, verified);
}

TokenCache::Stats TokenCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.size = entries_.size();
  return s;
}

}  // namespace domicile::gateway
