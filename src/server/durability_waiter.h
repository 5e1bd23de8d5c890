// Completes work once audit entries are durable, without holding a worker thread per
// request: handlers append their entry, prepare their answer, and register a callback
// here; one waiter thread waits for the highest pending index (one group commit covers
// many requests) and then runs every callback at or below it. If the log fails, every
// pending callback gets the error (the server answers 503 with no data).
#ifndef DOMICILE_SERVER_DURABILITY_WAITER_H_
#define DOMICILE_SERVER_DURABILITY_WAITER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace domicile::server {

// Thread-safe.
class DurabilityWaiter {
 public:
  // Blocks until the entry at `index` is durable, or returns the log's error (for the
  // audit log: tlog::Appender::WaitDurable). A failure must be sticky: every later
  // call fails too.
  using WaitFn = std::function<Status(uint64_t index)>;
  // Called once, on the waiter thread: OK when durable, else the log's error.
  using Done = std::function<void(const Status&)>;

  explicit DurabilityWaiter(WaitFn wait);
  ~DurabilityWaiter();  // Stop()
  DurabilityWaiter(const DurabilityWaiter&) = delete;
  DurabilityWaiter& operator=(const DurabilityWaiter&) = delete;

  // Runs `done` once the entry at `index` is durable (or the log failed). After Stop(),
  // runs it at once with Unavailable.
  void WhenDurable(uint64_t index, Done done);

  // Waits for everything registered so far, runs its callbacks, and stops the thread.
  // Idempotent.
  void Stop();

 private:
  struct Pending {
    uint64_t index;
    Done done;
  };
  void Loop();

  const WaitFn wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> pending_;  // guarded by mu_
  bool stop_ = false;             // guarded by mu_
  std::thread thread_;
};

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_DURABILITY_WAITER_H_
