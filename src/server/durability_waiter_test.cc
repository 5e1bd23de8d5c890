#include "server/durability_waiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace domicile::server {
namespace {

// A log whose commits the test releases: WaitFn blocks until `durable` covers the
// index, or returns the failure once one is set.
class FakeLog {
 public:
  Status Wait(uint64_t index) {
    std::unique_lock<std::mutex> lock(mu_);
    ++waits_;
    waiting_cv_.notify_all();
    cv_.wait(lock, [&] { return durable_ > index || !failure_.ok(); });
    return durable_ > index ? Status::Ok() : failure_;
  }
  void MakeDurable(uint64_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    durable_ = size;
    cv_.notify_all();
  }
  void Fail(Status st) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::move(st);
    cv_.notify_all();
  }
  void AwaitWaits(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    waiting_cv_.wait(lock, [&] { return waits_ >= n; });
  }
  int waits() {
    std::lock_guard<std::mutex> lock(mu_);
    return waits_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_, waiting_cv_;
  uint64_t durable_ = 0;
  Status failure_;
  int waits_ = 0;
};

// Outcomes of callbacks by index: 0 = not run, 1 = OK, 2 = error.
struct Outcomes {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> by_index;
  int run = 0;
  explicit Outcomes(size_t n) : by_index(n, 0) {}
  DurabilityWaiter::Done For(uint64_t i) {
    return [this, i](const Status& st) {
      std::lock_guard<std::mutex> lock(mu);
      by_index[i] = st.ok() ? 1 : 2;
      ++run;
      cv.notify_all();
    };
  }
  void AwaitRun(int n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return run >= n; });
  }
};

TEST(DurabilityWaiterTest, ManyPendingEntriesShareOneWait) {
  FakeLog log;
  DurabilityWaiter waiter([&](uint64_t i) { return log.Wait(i); });
  Outcomes out(101);
  waiter.WhenDurable(0, out.For(0));
  log.AwaitWaits(1);  // the waiter is blocked on entry 0's commit
  for (uint64_t i = 1; i <= 100; ++i) waiter.WhenDurable(i, out.For(i));
  {
    std::lock_guard<std::mutex> lock(out.mu);
    EXPECT_EQ(out.run, 0) << "nothing completes before it is durable";
  }
  log.MakeDurable(1);
  out.AwaitRun(1);
  log.AwaitWaits(2);
  // Entries 1..100 arrived during the first wait: one more wait covers all of them.
  log.MakeDurable(101);
  out.AwaitRun(101);
  EXPECT_EQ(log.waits(), 2);
  for (int v : out.by_index) EXPECT_EQ(v, 1);
}

TEST(DurabilityWaiterTest, LogFailureFailsEveryPendingCallback) {
  FakeLog log;
  DurabilityWaiter waiter([&](uint64_t i) { return log.Wait(i); });
  Outcomes out(50);
  waiter.WhenDurable(0, out.For(0));
  log.AwaitWaits(1);
  for (uint64_t i = 1; i < 50; ++i) waiter.WhenDurable(i, out.For(i));
  log.Fail(DataLossError("disk gone"));
  out.AwaitRun(50);
  for (int v : out.by_index) EXPECT_EQ(v, 2);
}

TEST(DurabilityWaiterTest, StopRunsWhatIsPendingThenRefuses) {
  FakeLog log;
  log.MakeDurable(10);
  DurabilityWaiter waiter([&](uint64_t i) { return log.Wait(i); });
  Outcomes out(11);
  for (uint64_t i = 0; i < 10; ++i) waiter.WhenDurable(i, out.For(i));
  waiter.Stop();
  EXPECT_EQ(out.run, 10);
  waiter.WhenDurable(10, out.For(10));  // after Stop: at once, as a failure
  EXPECT_EQ(out.by_index[10], 2);
  waiter.Stop();  // idempotent
}

}  // namespace
}  // namespace domicile::server
