#include "gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace domicile::gateway {
namespace {

std::string KeyOf(std::string_view principal, std::string_view purpose) {
  std::string key(principal);
  key += '\0';
  key += purpose;
  return key;
}

double WaitFor(double have, double want, double rate) {
  if (have >= want) return 0;
  if (rate <= 0) return INFINITY;
  return (want - have) / rate;
}

}  // namespace

void ExportLimiter::Refill(Bucket& b, int64_t now) const {
  const double elapsed = std::max<int64_t>(0, now - b.updated_micros) / 1e6;
  b.requests = std::min(limits_.requests.capacity, b.requests + elapsed * limits_.requests.refill_per_second);
  b.records = std::min(limits_.records.capacity, b.records + elapsed * limits_.records.refill_per_second);
  b.updated_micros = std::max(b.updated_micros, now);
}

ExportLimiter::Bucket& ExportLimiter::BucketFor(const std::string& key, int64_t now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    it = buckets_.emplace(key, Bucket{limits_.requests.capacity, limits_.records.capacity, now}).first;
  }
  Refill(it->second, now);
  return it->second;
}

Status ExportLimiter::Acquire(std::string_view principal, std::string_view purpose, uint64_t records) {
  const double want = static_cast<double>(records);
  if (want > limits_.records.capacity) {
    return ResourceExhaustedError("export of " + std::to_string(records) + " records exceeds the per-request limit");
  }
  const int64_t now = clock_->MonotonicMicros();
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = KeyOf(principal, purpose);
  if (buckets_.size() >= limits_.max_keys && !buckets_.contains(key)) {
    // Forget buckets that have refilled completely: they hold no state.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      Refill(it->second, now);
      const bool full = it->second.requests >= limits_.requests.capacity &&
                        it->second.records >= limits_.records.capacity;
      it = full ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() >= limits_.max_keys) return ResourceExhaustedError("too many concurrent exporters");
  }
  Bucket& b = BucketFor(key, now);
  const double wait = std::max(WaitFor(b.requests, 1, limits_.requests.refill_per_second),
                               WaitFor(b.records, want, limits_.records.refill_per_second));
  if (wait > 0) {
    return ResourceExhaustedError("export limit reached for this principal and purpose; retry in " +
                                  std::to_string(static_cast<int64_t>(std::ceil(wait))) + " s");
  }
  b.requests -= 1;
  b.records -= want;
  return Status::Ok();
}

double ExportLimiter::RetryAfterSeconds(std::string_view principal, std::string_view purpose, uint64_t records) {
  const int64_t now = clock_->MonotonicMicros();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(KeyOf(principal, purpose));
  if (it == buckets_.end()) return 0;
  Refill(it->second, now);
  return std::max(WaitFor(it->second.requests, 1, limits_.requests.refill_per_second),
                  WaitFor(it->second.records, static_cast<double>(records), limits_.records.refill_per_second));
}

}  // namespace domicile::gateway
