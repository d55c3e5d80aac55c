// Internal: the mutex massmigration locks with. Not API.
//
// A std::mutex carrying Abseil's thread-safety annotations, so that Clang's -Wthread-safety
// still checks ABSL_GUARDED_BY. Not absl::Mutex: Debian's Abseil is built without
// ThreadSanitizer hooks, so TSan cannot see absl::Mutex and would report every guarded access
// as a race; a pthread mutex it understands.
#ifndef MASSMIGRATION_SRC_COMMON_MUTEX_H_
#define MASSMIGRATION_SRC_COMMON_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace massmigration {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

 private:
  friend class MutexLock;
  std::mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : lock_(mu->mu_) {}
  ~MutexLock() ABSL_UNLOCK_FUNCTION() = default;
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Releases the mutex while waiting on `cv`, holds it again on return. Spurious wake-ups
  // happen: wait in a loop on the condition.
  void wait(std::condition_variable& cv) { cv.wait(lock_); }
  template <typename Clock, typename Duration>
  void wait_until(std::condition_variable& cv,
                  const std::chrono::time_point<Clock, Duration>& deadline) {
    cv.wait_until(lock_, deadline);
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace massmigration

#endif  // MASSMIGRATION_SRC_COMMON_MUTEX_H_
