#include "runners/local_stop.h"

#include <atomic>
#include <condition_variable>

#include "mutex.h"

namespace massmigration::internal {
namespace {

struct LocalStop {
  std::atomic<bool> requested{false};
  Mutex mu;
  std::condition_variable changed;
};

LocalStop& local_stop() {
  static LocalStop* stop = new LocalStop;  // never destroyed: runs may outlive static teardown
  return *stop;
}

}  // namespace

void request_local_stop() {
  LocalStop& stop = local_stop();
  {
    MutexLock lock(&stop.mu);
    stop.requested.store(true);
  }
  stop.changed.notify_all();
}

bool local_stop_requested() { return local_stop().requested.load(std::memory_order_relaxed); }

bool wait_unless_stopped(std::chrono::milliseconds duration) {
  LocalStop& stop = local_stop();
  const auto deadline = std::chrono::steady_clock::now() + duration;
  MutexLock lock(&stop.mu);
  while (!stop.requested.load() && std::chrono::steady_clock::now() < deadline) {
    lock.wait_until(stop.changed, deadline);
  }
  return stop.requested.load();
}

}  // namespace massmigration::internal
