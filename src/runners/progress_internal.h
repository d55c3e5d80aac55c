// Internal: reporting progress to the listener. Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_PROGRESS_INTERNAL_H_
#define MASSMIGRATION_SRC_RUNNERS_PROGRESS_INTERNAL_H_

#include "massmigration/progress.h"

namespace massmigration::internal {

void report_progress(const MigrationProgress& progress);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_PROGRESS_INTERNAL_H_
