// Time source. Code that needs the time takes a Clock so tests can use a fake one
// (tests/fakes/fake_clock.h) and never sleep or race the wall clock.
#ifndef DOMICILE_COMMON_CLOCK_H_
#define DOMICILE_COMMON_CLOCK_H_

#include <cstdint>

namespace domicile {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, microseconds since the Unix epoch.
  virtual int64_t NowUnixMicros() = 0;
  // Monotonic time for measuring intervals, in microseconds from an arbitrary origin.
  virtual int64_t MonotonicMicros() = 0;

  // The real clock. Never null; lives for the whole program.
  static Clock* System();
};

}  // namespace domicile

#endif  // DOMICILE_COMMON_CLOCK_H_
