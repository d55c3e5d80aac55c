// Internal: a mapper's query and parameters for one alias, checked before anything runs or is
// recorded (launch refuses a malformed one, check() reports it). Not API.
#ifndef MASSMIGRATION_SRC_MODEL_MAPPER_PLAN_H_
#define MASSMIGRATION_SRC_MODEL_MAPPER_PLAN_H_

#include <cstdint>
#include <string>

#include "massmigration/mapper.h"
#include "massmigration/migration.h"

namespace massmigration::internal {

struct MapperPlan {
  MapperQuery query;  // its table, columns and primary key are identifiers
  std::int64_t chunk_size = 1000;
  int workers = 1;
};

// The mapper's query for `alias` and its backend_params, checked: identifiers, chunk_size and
// workers. Throws ConfigError naming what is wrong.
MapperPlan plan_mapper(const MapperMigration& mapper, const std::string& alias,
                       const BackendParams& params);

// "schema.table" or "table", each part quoted for SQL. REQUIRES: checked by plan_mapper.
std::string quoted_table(const std::string& table);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_MODEL_MAPPER_PLAN_H_
