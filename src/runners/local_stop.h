// Internal: asking the runs of this process to stop after their current chunk (SIGTERM and
// SIGINT to the command line, api::stop_local_runs). Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_LOCAL_STOP_H_
#define MASSMIGRATION_SRC_RUNNERS_LOCAL_STOP_H_

#include <chrono>

namespace massmigration::internal {

// From now until the process exits, every run of this process stops after its current chunk
// and records PAUSED; waits between chunks end at once.
void request_local_stop();
bool local_stop_requested();

// Waits `duration`, or less when a local stop is requested meanwhile; true when one was.
bool wait_unless_stopped(std::chrono::milliseconds duration);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_LOCAL_STOP_H_
