#include "server/durability_waiter.h"

#include <algorithm>
#include <utility>

namespace domicile::server {

DurabilityWaiter::DurabilityWaiter(WaitFn wait) : wait_(std::move(wait)), thread_([this] { Loop(); }) {}

DurabilityWaiter::~DurabilityWaiter() { Stop(); }

void DurabilityWaiter::WhenDurable(uint64_t index, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_) {
      pending_.push_back({index, std::move(done)});
      if (pending_.size() == 1) cv_.notify_one();
      return;
    }
  }
  done(UnavailableError("the audit log is closing"));
}

void DurabilityWaiter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DurabilityWaiter::Loop() {
  std::vector<Pending> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping with nothing left
      batch.swap(pending_);
    }
    // Everything registered so far waits for one index: the commit that covers the
    // highest covers them all. Callbacks registered meanwhile wait for the next round.
    uint64_t highest = 0;
    for (const Pending& p : batch) highest = std::max(highest, p.index);
    const Status status = wait_(highest);
    for (Pending& p : batch) p.done(status);
    batch.clear();
  }
}

}  // namespace domicile::server
