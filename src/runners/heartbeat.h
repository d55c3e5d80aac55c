// Internal: keeps a run's record showing that the run is alive. Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_HEARTBEAT_H_
#define MASSMIGRATION_SRC_RUNNERS_HEARTBEAT_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <string>
#include <thread>

#include "massmigration/key.h"
#include "massmigration/record_store.h"
#include "mutex.h"

namespace massmigration::internal {

// While it exists, a thread of its own writes the record's heartbeat every lease / 3 through
// the record store (not the run's transaction, which commits only with its chunk), so that a
// run busy with one slow row still shows it is alive. A heartbeat that finds the attempt
// replaced (the run stalled and was resumed elsewhere) sets lost(): the run should stop, and
// would commit nothing more anyway. A heartbeat that fails (the database is down) is logged
// and tried again at the next beat.
class Heartbeat {
 public:
  // A run's heartbeat: store.heartbeat(key, attempt_uuid).
  Heartbeat(RecordStore& store, MigrationKey key, std::string attempt_uuid,
            std::chrono::milliseconds lease, std::string where);
  // Any other: `beat` writes it and returns false when what it keeps alive is gone (it may
  // throw when the database fails, as the store's does).
  Heartbeat(std::function<bool()> beat, std::chrono::milliseconds lease, std::string where);
  // Stops the thread and waits for it.
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // The attempt was found replaced or deleted.
  bool lost() const { return lost_.load(std::memory_order_relaxed); }
  // The run wrote the heartbeat itself (a chunk's commit does): the next beat is due an
  // interval from now, so that a run committing often leaves the thread nothing to write.
  void written() {
    last_written_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                        std::memory_order_relaxed);
  }

 private:
  void beat_until_stopped();
  void beat();

  const std::function<bool()> write_;
  const std::chrono::milliseconds interval_;
  const std::string where_;  // "KEY on ALIAS", for the log
  std::atomic<bool> lost_{false};
  std::atomic<std::chrono::steady_clock::rep> last_written_;  // steady_clock ticks
  bool failing_ = false;                                      // only the thread touches it
  Mutex mu_;
  std::condition_variable stop_requested_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once everything above is set
};

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_HEARTBEAT_H_
