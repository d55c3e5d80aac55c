// Internal: connections kept between uses, by target, for the drivers' migration sessions.
// Not API.
#ifndef MASSMIGRATION_SRC_COMMON_IDLE_POOL_H_
#define MASSMIGRATION_SRC_COMMON_IDLE_POOL_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "mutex.h"

namespace massmigration::internal {

// Up to `max_idle` idle T per target. Thread-safe.
template <typename T>
class IdlePool {
 public:
  explicit IdlePool(size_t max_idle) : max_idle_(max_idle) {}

  // An idle one for `target` that `usable` accepts (the others are dropped), or nullptr.
  template <typename Usable>
  std::unique_ptr<T> take(const std::string& target, Usable usable) {
    MutexLock lock(&mu_);
    std::vector<std::unique_ptr<T>>& idle = idle_[target];
    while (!idle.empty()) {
      std::unique_ptr<T> item = std::move(idle.back());
      idle.pop_back();
      if (usable(*item)) return item;
    }
    return nullptr;
  }

  // Keeps `item` for a later take(), unless enough are idle already.
  void give_back(const std::string& target, std::unique_ptr<T> item) {
    MutexLock lock(&mu_);
    std::vector<std::unique_ptr<T>>& idle = idle_[target];
    if (idle.size() < max_idle_) idle.push_back(std::move(item));
  }

 private:
  const size_t max_idle_;
  Mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<T>>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_COMMON_IDLE_POOL_H_
