#include "absl/base/thread_annotations.h"
#include "mutex.h"
#include "runners/progress_internal.h"

namespace massmigration {
namespace {

struct Slot {
  Mutex mu;
  std::shared_ptr<const ProgressListener> listener ABSL_GUARDED_BY(mu);
};

Slot& slot() {
  static Slot* s = new Slot;  // runs may report during exit
  return *s;
}

}  // namespace

ProgressListener set_progress_listener(ProgressListener listener) {
  auto next = listener ? std::make_shared<const ProgressListener>(std::move(listener)) : nullptr;
  std::shared_ptr<const ProgressListener> previous;
  {
    MutexLock lock(&slot().mu);
    previous = std::exchange(slot().listener, std::move(next));
  }
  return previous ? *previous : ProgressListener();
}

namespace internal {

void report_progress(const MigrationProgress& progress) {
  std::shared_ptr<const ProgressListener> listener;
  {
    MutexLock lock(&slot().mu);
    listener = slot().listener;
  }
  if (listener) (*listener)(progress);
}

}  // namespace internal
}  // namespace massmigration
