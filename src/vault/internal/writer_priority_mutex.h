// A reader/writer mutex in which a waiting writer goes before readers that arrive
// after it. The vault's shred lock is taken shared by every read and write and
// exclusively by a shred, a seal, an unseal and a KEK rotation; glibc's
// std::shared_mutex prefers readers, so a steady stream of reads could postpone a
// shred (a deletion the law requires) indefinitely. Here a new reader waits while
// a writer waits; the writer gets in once the readers already inside leave.
// Writers are rare, so readers are not starved in turn.
//
// Meets the SharedMutex requirements (use with std::unique_lock/std::shared_lock).
// Not recursive: a thread holding it shared must not take it shared again (it
// would wait behind a waiting writer that waits for it).
#ifndef DOMICILE_VAULT_INTERNAL_WRITER_PRIORITY_MUTEX_H_
#define DOMICILE_VAULT_INTERNAL_WRITER_PRIORITY_MUTEX_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace domicile::vault::internal {

class WriterPriorityMutex {
 public:
  void lock();
  bool try_lock();
  void unlock();
  void lock_shared();
  bool try_lock_shared();
  void unlock_shared();

  // Writers blocked in lock() right now (for tests and metrics).
  size_t waiting_writers() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable writer_cv_;   // a writer may be able to enter
  std::condition_variable readers_cv_;  // readers may be able to enter
  size_t readers_ = 0;                  // guarded by mu_; holders in shared mode
  size_t waiting_writers_ = 0;          // guarded by mu_
  bool writer_ = false;                 // guarded by mu_; held exclusively
};

}  // namespace domicile::vault::internal

#endif  // DOMICILE_VAULT_INTERNAL_WRITER_PRIORITY_MUTEX_H_
