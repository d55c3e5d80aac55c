// Internal: running mapper migrations. Not API.
#ifndef MASSMIGRATION_SRC_MAPPER_RUNNER_H_
#define MASSMIGRATION_SRC_MAPPER_RUNNER_H_

#include <cstdint>
#include <string>

#include "massmigration/mapper.h"
#include "massmigration/migration.h"
#include "run_state.h"

namespace massmigration::internal {

struct MapperPlan {
  MapperQuery query;
  std::int64_t chunk_size = 1000;
  int workers = 1;
};

// The mapper's query for `alias` and its backend_params, checked: identifiers, chunk_size and
// workers. Throws ConfigError naming what is wrong (launch refuses before recording anything).
MapperPlan plan_mapper(const MapperMigration& mapper, const std::string& alias,
                       const BackendParams& params);

// Runs the attempt in `state` from its record's checkpoint to the end, a chunk per
// transaction, and records the outcome. Never throws.
void run_mapper(RunState& state);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_MAPPER_RUNNER_H_
