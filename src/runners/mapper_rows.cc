#include "runners/mapper_rows.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "string_building.h"

namespace massmigration::internal {

std::vector<MapperRow> fetch_mapper_rows(SqlSession& session, const ChunkQuery& query,
                                         const std::vector<std::string>& columns,
                                         std::int64_t expected) {
  std::vector<MapperRow> rows;
  rows.reserve(static_cast<size_t>(std::clamp<std::int64_t>(expected, 0, 1 << 16)));
  session.query_each(query.sql, query.params, [&](std::span<SqlValue> values) {
    rows.emplace_back(
        std::move(values.front()), &columns,
        SqlRow(std::make_move_iterator(values.begin() + 1), std::make_move_iterator(values.end())));
  });
  return rows;
}

ChunkFailure row_failure(const std::string& primary_key, const MapperRowError& error) {
  return ChunkFailure(
      strings::cat("row ", primary_key, "=", error.key_text(), ": ", error.error()));
}

}  // namespace massmigration::internal
