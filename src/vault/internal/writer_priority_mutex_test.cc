#include "vault/internal/writer_priority_mutex.h"

#include <gtest/gtest.h>

#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

namespace domicile::vault::internal {
namespace {

// Blocks (without any timeout) until `m` has `n` waiting writers.
void AwaitWaitingWriters(const WriterPriorityMutex& m, size_t n) {
  while (m.waiting_writers() != n) std::this_thread::yield();
}

// The property the vault needs: readers arriving while a shred waits cannot keep
// it out. No sleeps: the order of events is forced by the lock itself.
TEST(WriterPriorityMutexTest, AWaitingWriterGoesBeforeLaterReaders) {
  WriterPriorityMutex m;
  std::mutex order_mu;
  std::string order;  // guarded by order_mu
  auto record = [&](char c) {
    std::lock_guard l(order_mu);
    order += c;
  };

  m.lock_shared();  // a read in progress
  std::thread writer([&] {
    std::unique_lock l(m);
    record('w');
  });
  AwaitWaitingWriters(m, 1);
  EXPECT_FALSE(m.try_lock_shared());  // a new reader would have to wait
  EXPECT_FALSE(m.try_lock());
  std::thread late_reader([&] {
    std::shared_lock l(m);
    record('r');
  });
  m.unlock_shared();  // the read in progress ends: the writer, then the late reader
  writer.join();
  late_reader.join();
  EXPECT_EQ(order, "wr");
  EXPECT_EQ(m.waiting_writers(), 0u);
}

TEST(WriterPriorityMutexTest, ReadersShareAndExcludeWriters) {
  WriterPriorityMutex m;
  ASSERT_TRUE(m.try_lock_shared());
  ASSERT_TRUE(m.try_lock_shared());  // two readers at once
  EXPECT_FALSE(m.try_lock());
  m.unlock_shared();
  EXPECT_FALSE(m.try_lock());
  m.unlock_shared();
  ASSERT_TRUE(m.try_lock());
  EXPECT_FALSE(m.try_lock_shared());
  EXPECT_FALSE(m.try_lock());
  m.unlock();
  ASSERT_TRUE(m.try_lock_shared());
  m.unlock_shared();
}

TEST(WriterPriorityMutexTest, WritersQueuedBehindAWriterAllGetIn) {
  WriterPriorityMutex m;
  int counter = 0;  // guarded by m (exclusive)
  m.lock();
  std::thread a([&] {
    std::unique_lock l(m);
    ++counter;
  });
  std::thread b([&] {
    std::unique_lock l(m);
    ++counter;
  });
  AwaitWaitingWriters(m, 2);
  m.unlock();
  a.join();
  b.join();
  std::shared_lock l(m);
  EXPECT_EQ(counter, 2);
}

}  // namespace
}  // namespace domicile::vault::internal
