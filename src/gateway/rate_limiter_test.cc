#include "gateway/rate_limiter.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace domicile::gateway {
namespace {

ExportLimits Limits() {
  ExportLimits l;
  l.requests = {2, 1.0 / 60};    // 2 exports, one more per minute
  l.records = {100, 100.0 / 3600};  // 100 records, 100 more per hour
  return l;
}

TEST(ExportLimiterTest, RequestBucketEmptiesAndRefills) {
  testing::FakeClock clock;
  ExportLimiter limiter(Limits(), &clock);
  EXPECT_TRUE(limiter.Acquire("ana", "investigation", 1).ok());
  EXPECT_TRUE(limiter.Acquire("ana", "investigation", 1).ok());
  Status third = limiter.Acquire("ana", "investigation", 1);
  EXPECT_EQ(third.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(third.message().find("retry in 60 s"), std::string::npos) << third.message();
  EXPECT_NEAR(limiter.RetryAfterSeconds("ana", "investigation", 1), 60, 1e-6);
  clock.Advance(60'000'000);
  EXPECT_TRUE(limiter.Acquire("ana", "investigation", 1).ok());
}

TEST(ExportLimiterTest, VolumeBucketLimitsRecords) {
  testing::FakeClock clock;
  ExportLimiter limiter(Limits(), &clock);
  EXPECT_TRUE(limiter.Acquire("ana", "investigation", 90).ok());
  EXPECT_FALSE(limiter.Acquire("ana", "investigation", 20).ok());
  // A refused request takes nothing: the remaining 10 records are still there.
  EXPECT_TRUE(limiter.Acquire("ana", "investigation", 10).ok());
  EXPECT_EQ(limiter.Acquire("ana", "investigation", 101).code(), StatusCode::kResourceExhausted);
}

TEST(ExportLimiterTest, KeysAreIndependent) {
  testing::FakeClock clock;
  ExportLimiter limiter(Limits(), &clock);
  EXPECT_TRUE(limiter.Acquire("ana", "a", 100).ok());
  EXPECT_TRUE(limiter.Acquire("ana", "b", 100).ok());
  EXPECT_TRUE(limiter.Acquire("wei", "a", 100).ok());
  EXPECT_FALSE(limiter.Acquire("ana", "a", 1).ok());
  // The key separator cannot be forged by concatenation.
  EXPECT_TRUE(limiter.Acquire("an", "aa", 1).ok());
}

TEST(ExportLimiterTest, BoundedKeysEvictOnlyIdleBuckets) {
  testing::FakeClock clock;
  ExportLimits l = Limits();
  l.max_keys = 2;
  ExportLimiter limiter(l, &clock);
  EXPECT_TRUE(limiter.Acquire("a", "p", 50).ok());
  EXPECT_TRUE(limiter.Acquire("b", "p", 50).ok());
  EXPECT_EQ(limiter.Acquire("c", "p", 1).code(), StatusCode::kResourceExhausted);
  clock.Advance(3600'000'000);  // both refill completely and can be forgotten
  EXPECT_TRUE(limiter.Acquire("c", "p", 1).ok());
}

}  // namespace
}  // namespace domicile::gateway
