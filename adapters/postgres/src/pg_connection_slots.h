// Internal: the connections of a PostgreSQL record store. Not API.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_CONNECTION_SLOTS_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_CONNECTION_SLOTS_H_

#include <chrono>
#include <condition_variable>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "mutex.h"

namespace massmigration::postgres::internal {

// Up to `limit` connections (T) in use at once, each by one call; idle ones are kept for the
// next calls. A call waits for a free slot only until its own deadline, so no call waits past
// its deadline behind calls on a server that does not answer. Thread-safe.
template <typename T>
class ConnectionSlots {
 public:
  explicit ConnectionSlots(int limit) : limit_(limit) {}

  // A slot in use, with the connection used in it: an idle one, or none yet (connect into
  // it). Reset `connection` to drop a broken one; the rest is kept when the lease ends.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : connection(std::move(other.connection)), slots_(std::exchange(other.slots_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (slots_) slots_->give_back(std::move(connection));
    }

    std::unique_ptr<T> connection;

   private:
    friend class ConnectionSlots;
    Lease(ConnectionSlots* slots, std::unique_ptr<T> idle)
        : connection(std::move(idle)), slots_(slots) {}
    ConnectionSlots* slots_;
  };

  // A slot, with the most recently used idle connection that `usable` accepts (the others are
  // dropped); nullopt when all slots stay in use until `deadline`.
  template <typename Usable>
  std::optional<Lease> lease(std::chrono::steady_clock::time_point deadline, Usable usable) {
    std::vector<std::unique_ptr<T>> unusable;  // closed after the lock is released
    MutexLock lock(&mu_);
    while (in_use_ == limit_) {
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      lock.wait_until(freed_, deadline);
    }
    ++in_use_;
    while (!idle_.empty()) {
      std::unique_ptr<T> connection = std::move(idle_.back());
      idle_.pop_back();
      if (usable(*connection)) return Lease(this, std::move(connection));
      unusable.push_back(std::move(connection));
    }
    return Lease(this, nullptr);
  }

  int limit() const { return limit_; }

 private:
  void give_back(std::unique_ptr<T> connection) {
    {
      MutexLock lock(&mu_);
      --in_use_;
      if (connection) idle_.push_back(std::move(connection));
    }
    freed_.notify_one();
  }

  const int limit_;
  Mutex mu_;
  std::condition_variable freed_;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::unique_ptr<T>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_CONNECTION_SLOTS_H_
