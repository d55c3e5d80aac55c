// Internal: running mapper migrations. Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_MAPPER_RUNNER_H_
#define MASSMIGRATION_SRC_RUNNERS_MAPPER_RUNNER_H_

#include <cstdint>
#include <string>

#include "massmigration/mapper.h"
#include "massmigration/migration.h"
#include "model/mapper_plan.h"
#include "runners/run_state.h"

namespace massmigration::internal {

// Runs the attempt in `state` from its record's checkpoint to the end, a chunk per
// transaction, and records the outcome. Never throws.
void run_mapper(RunState& state);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_MAPPER_RUNNER_H_
