// Progress of running mapper migrations, as it is committed (by this process: its runs, and
// the chunks its workers run). The command line draws its progress bars from this; a service
// may log or export it.
//
// Thread safety: the listener is called from whatever threads run migrations, possibly at
// once; it must be thread-safe and quick. set_progress_listener may race with it.
#ifndef MASSMIGRATION_PROGRESS_H_
#define MASSMIGRATION_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "massmigration/key.h"

namespace massmigration {

struct MigrationProgress {
  MigrationKey key;
  std::string alias;
  std::int64_t rows_done = 0;
  std::optional<std::int64_t> rows_total{};  // counted when the run started
  // Done since this attempt started (for rates); for a chunk a worker of the `workers`
  // backend committed, that chunk's rows.
  std::int64_t rows_this_attempt = 0;
  bool finished = false;  // the run ended (applied, failed or stopped)
};

using ProgressListener = std::function<void(const MigrationProgress& progress)>;

// Replaces the listener (empty: none); returns the previous one.
ProgressListener set_progress_listener(ProgressListener listener);

}  // namespace massmigration

#endif  // MASSMIGRATION_PROGRESS_H_
