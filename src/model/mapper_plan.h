// Internal: a mapper's query and parameters for one alias, checked before anything runs or is
// recorded (launch refuses a malformed one, check() reports it). Not API.
#ifndef MASSMIGRATION_SRC_MODEL_MAPPER_PLAN_H_
#define MASSMIGRATION_SRC_MODEL_MAPPER_PLAN_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "massmigration/mapper.h"
#include "massmigration/migration.h"

namespace massmigration::internal {

struct MapperPlan {
  MapperQuery query;  // its table, columns and primary key are identifiers
  std::int64_t chunk_size = 1000;
  int workers = 1;
  // With a target, the chunk size follows it: each full chunk sets the next one's size by how
  // long it took, by at most x1.2 either way, within [min_chunk_size, max_chunk_size].
  std::optional<std::chrono::milliseconds> target_chunk_duration{};
  std::int64_t min_chunk_size = 1;
  std::int64_t max_chunk_size = 100000;
};

// The mapper's query for `alias` and its backend_params, checked: identifiers, chunk_size,
// workers, target_chunk_ms, min_chunk_size and max_chunk_size. Throws ConfigError naming what
// is wrong.
MapperPlan plan_mapper(const MapperMigration& mapper, const std::string& alias,
                       const BackendParams& params);

// "schema.table" or "table", each part quoted for SQL. REQUIRES: checked by plan_mapper.
std::string quoted_table(const std::string& table);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_MODEL_MAPPER_PLAN_H_
