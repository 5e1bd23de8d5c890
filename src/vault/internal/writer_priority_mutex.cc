#include "vault/internal/writer_priority_mutex.h"

namespace domicile::vault::internal {

void WriterPriorityMutex::lock() {
  std::unique_lock l(mu_);
  ++waiting_writers_;
  writer_cv_.wait(l, [this] { return !writer_ && readers_ == 0; });
  --waiting_writers_;
  writer_ = true;
}

bool WriterPriorityMutex::try_lock() {
  std::lock_guard l(mu_);
  if (writer_ || readers_ > 0) return false;
  writer_ = true;
  return true;
}

void WriterPriorityMutex::unlock() {
  std::lock_guard l(mu_);
  writer_ = false;
  if (waiting_writers_ > 0) {
    writer_cv_.notify_one();
  } else {
    readers_cv_.notify_all();
  }
}

void WriterPriorityMutex::lock_shared() {
  std::unique_lock l(mu_);
  readers_cv_.wait(l, [this] { return !writer_ && waiting_writers_ == 0; });
  ++readers_;
}

bool WriterPriorityMutex::try_lock_shared() {
  std::lock_guard l(mu_);
  if (writer_ || waiting_writers_ > 0) return false;
  ++readers_;
  return true;
}

void WriterPriorityMutex::unlock_shared() {
  std::lock_guard l(mu_);
  if (--readers_ == 0 && waiting_writers_ > 0) writer_cv_.notify_one();
}

size_t WriterPriorityMutex::waiting_writers() const {
  std::lock_guard l(mu_);
  return waiting_writers_;
}

}  // namespace domicile::vault::internal
