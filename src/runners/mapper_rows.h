// Internal: a mapper chunk's rows as its batch gets them, and a row's failure as the chunk's.
// Shared by the in-process runner and the workers backend. Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_MAPPER_ROWS_H_
#define MASSMIGRATION_SRC_RUNNERS_MAPPER_ROWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "massmigration/mapper.h"
#include "massmigration/sql.h"
#include "runners/mapper_checkpoint.h"
#include "runners/mapper_sql.h"

namespace massmigration::internal {

// The rows `query` selects, its key column first and then `columns`, which must outlive them.
// `expected` rows are made room for (up to 65 536).
std::vector<MapperRow> fetch_mapper_rows(SqlSession& session, const ChunkQuery& query,
                                         const std::vector<std::string>& columns,
                                         std::int64_t expected);

// The failure of the row `error` names, as its chunk's: "row KEY_COLUMN=KEY: ERROR".
ChunkFailure row_failure(const std::string& primary_key, const MapperRowError& error);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_MAPPER_ROWS_H_
