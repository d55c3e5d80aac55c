// Internal: progress of mapper runs on the command line, while a command runs them. On a
// terminal, one bar per run redrawn in place; otherwise a plain line every few seconds and one
// at the end. Not API.
#ifndef MASSMIGRATION_SRC_CLI_PROGRESS_DISPLAY_H_
#define MASSMIGRATION_SRC_CLI_PROGRESS_DISPLAY_H_

#include <chrono>
#include <map>
#include <ostream>
#include <string>

#include "absl/base/thread_annotations.h"
#include "massmigration/progress.h"
#include "mutex.h"

namespace massmigration::cli::internal {

// "42s", "3m05s", "2h10m".
std::string duration_text(double seconds);

class ProgressDisplay {
 public:
  // Listens while alive; the previous listener is restored afterwards.
  ProgressDisplay(std::ostream& out, bool terminal);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // "[#####-----] 5000/10000 rows (50%), 2500 rows/s, ETA 2s" without the bar when `bar` is
  // false. Exposed for tests.
  static std::string describe(const MigrationProgress& p, double seconds, bool bar);

 private:
  using Clock = std::chrono::steady_clock;
  void on(const MigrationProgress& p);

  std::ostream& out_;
  const bool terminal_;
  ProgressListener previous_;
  Mutex mu_;
  struct Run {
    Clock::time_point started;
    Clock::time_point last_shown;
  };
  std::map<std::string, Run> runs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace massmigration::cli::internal

#endif  // MASSMIGRATION_SRC_CLI_PROGRESS_DISPLAY_H_
