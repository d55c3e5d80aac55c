// Internal: the SQL a mapper run sends to read its selection: counting it, its key bounds, and
// keyset pagination (a chunk is the next `chunk_size` keys after the checkpoint, in primary-key
// order). Identifiers come from a plan checked by plan_mapper. Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_MAPPER_SQL_H_
#define MASSMIGRATION_SRC_RUNNERS_MAPPER_SQL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "massmigration/record_store.h"
#include "massmigration/sql.h"
#include "model/mapper_plan.h"

namespace massmigration::internal {

// SELECT count(*) over the selection; binds query.filter_params.
std::string count_sql(const MapperQuery& query);

// SELECT min(key), max(key) over the selection; binds query.filter_params.
std::string key_bounds_sql(const MapperQuery& query);

// "SELECT key, columns... FROM table": a chunk's statement without its conditions.
std::string chunk_select(const MapperQuery& query, const std::vector<std::string>& columns);

struct ChunkQuery {
  std::string sql;
  std::vector<SqlValue> params;
};

// The next chunk of the selection: keys after `checkpoint` (all when nullopt) up to `upto`
// (no bound when nullopt), at most `chunk_size` of them, in key order.
ChunkQuery chunk_query(const MapperPlan& plan, const std::string& select,
                       const std::optional<std::string>& checkpoint,
                       std::optional<std::int64_t> upto, std::int64_t chunk_size);

// The keys that end chunks of `chunk_size` rows: every chunk_size-th key of the selection in
// key order; binds query.filter_params.
std::string chunk_bounds_sql(const MapperQuery& query, std::int64_t chunk_size);

// Every row of the selection with a key in `range`, in key order.
ChunkQuery range_query(const MapperPlan& plan, const std::string& select, const ChunkRange& range);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_MAPPER_SQL_H_
