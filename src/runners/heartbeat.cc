#include "runners/heartbeat.h"

#include <algorithm>
#include <exception>

#include "massmigration/log.h"
#include "string_building.h"

namespace massmigration::internal {

Heartbeat::Heartbeat(RecordStore& store, MigrationKey key, std::string attempt_uuid,
                     std::chrono::milliseconds lease, std::string where)
    : Heartbeat(
          [&store, key = std::move(key), attempt_uuid = std::move(attempt_uuid)] {
            return store.heartbeat(key, attempt_uuid);
          },
          lease, std::move(where)) {}

Heartbeat::Heartbeat(std::function<bool()> beat, std::chrono::milliseconds lease, std::string where)
    : write_(std::move(beat)),
      // A third of the lease: two beats may be late (a busy database, a slow commit) before
      // the run shows STALLED.
      interval_(std::max(lease / 3, std::chrono::milliseconds(1))),
      where_(std::move(where)),
      last_written_(std::chrono::steady_clock::now().time_since_epoch().count()),
      thread_([this] { beat_until_stopped(); }) {}

Heartbeat::~Heartbeat() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

void Heartbeat::beat_until_stopped() {
  using Clock = std::chrono::steady_clock;
  for (;;) {
    {
      MutexLock lock(&mu_);
      for (;;) {
        const Clock::time_point due =
            Clock::time_point(Clock::duration(last_written_.load(std::memory_order_relaxed))) +
            interval_;
        if (stopping_ || Clock::now() >= due) break;
        lock.wait_until(stop_requested_, due);
      }
      if (stopping_) return;
    }
    beat();
    if (lost()) return;
    written();
  }
}

void Heartbeat::beat() {
  try {
    if (!write_()) {
      // The run says so when it stops.
      lost_.store(true, std::memory_order_relaxed);
      return;
    }
    if (failing_)
      log(LogLevel::kInfo, strings::cat("migration ", where_, ": heartbeat written again"));
    failing_ = false;
  } catch (const std::exception& e) {
    // Once per outage, not once per beat.
    if (!failing_) {
      log(LogLevel::kWarning,
          strings::cat("migration ", where_, ": could not write its heartbeat (", e.what(),
                       "); the run goes on and shows STALLED if this lasts past the lease"));
    }
    failing_ = true;
  }
}

}  // namespace massmigration::internal
