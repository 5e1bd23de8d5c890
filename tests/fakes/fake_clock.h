// A Clock that only moves when a test says so.
#ifndef DOMICILE_TESTS_FAKES_FAKE_CLOCK_H_
#define DOMICILE_TESTS_FAKES_FAKE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "common/clock.h"

namespace domicile::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_micros = 1'700'000'000'000'000) : now_(unix_micros) {}
  int64_t NowUnixMicros() override { return now_.load(); }
  int64_t MonotonicMicros() override { return now_.load(); }
  void Advance(int64_t micros) { now_ += micros; }
  void Set(int64_t unix_micros) { now_ = unix_micros; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace domicile::testing

#endif  // DOMICILE_TESTS_FAKES_FAKE_CLOCK_H_
