// Rate and volume limits for bulk export, per (principal, purpose): bulk reads of
// profiling data are how people get profiled, so each key gets two token buckets,
// one counting requests and one counting records, refilled continuously from an
// injectable Clock. Thread-safe.
#ifndef DOMICILE_GATEWAY_RATE_LIMITER_H_
#define DOMICILE_GATEWAY_RATE_LIMITER_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace domicile::gateway {

struct BucketLimit {
  double capacity = 0;         // burst size
  double refill_per_second = 0;
};

struct ExportLimits {
  BucketLimit requests{10, 10.0 / 60};     // 10 exports, refilled at 10 per minute
  BucketLimit records{1000, 1000.0 / 3600};  // 1000 records, refilled at 1000 per hour
  size_t max_keys = 100'000;               // bound on tracked (principal, purpose) pairs
};

class ExportLimiter {
 public:
  ExportLimiter(ExportLimits limits, Clock* clock) : limits_(limits), clock_(clock) {}

  // Takes one request and `records` records from the key's buckets, or nothing:
  // ResourceExhausted (with the seconds to wait in the message) when either bucket is
  // short, and also when a single request asks for more records than the capacity.
  Status Acquire(std::string_view principal, std::string_view purpose, uint64_t records);

  // Seconds until Acquire(principal, purpose, records) could succeed; 0 if now.
  double RetryAfterSeconds(std::string_view principal, std::string_view purpose, uint64_t records);

 private:
  struct Bucket {
    double requests;
    double records;
    int64_t updated_micros;
  };
  Bucket& BucketFor(const std::string& key, int64_t now);  // requires mu_
  void Refill(Bucket& b, int64_t now) const;

  const ExportLimits limits_;
  Clock* const clock_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_RATE_LIMITER_H_
