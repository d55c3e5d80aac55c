// The SQL of mapper runs: counting, key bounds and keyset pagination.
#include "runners/mapper_sql.h"

#include "absl/strings/str_join.h"
#include "runners/mapper_checkpoint.h"
#include "string_building.h"

namespace massmigration::internal {
namespace {

std::string quoted(const std::string& identifier) { return "\"" + identifier + "\""; }

std::string where_clause(const MapperQuery& query) {
  return query.filter.empty() ? "" : strings::cat(" WHERE (", query.filter, ")");
}

}  // namespace

std::string count_sql(const MapperQuery& query) {
  return strings::cat("SELECT count(*) FROM ", quoted_table(query.table), where_clause(query));
}

std::string key_bounds_sql(const MapperQuery& query) {
  const std::string pk = quoted(query.primary_key);
  return strings::cat("SELECT min(", pk, "), max(", pk, ") FROM ", quoted_table(query.table),
                      where_clause(query));
}

std::string chunk_select(const MapperQuery& query, const std::vector<std::string>& columns) {
  std::string select = strings::cat("SELECT ", quoted(query.primary_key));
  for (const std::string& column : columns) select += ", " + quoted(column);
  select += strings::cat(" FROM ", quoted_table(query.table));
  return select;
}

ChunkQuery chunk_query(const MapperPlan& plan, const std::string& select,
                       const std::optional<std::string>& checkpoint,
                       std::optional<std::int64_t> upto, std::int64_t chunk_size) {
  const std::string pk = quoted(plan.query.primary_key);
  ChunkQuery chunk{select, plan.query.filter_params};
  std::vector<std::string> conditions;
  if (!plan.query.filter.empty()) conditions.push_back("(" + plan.query.filter + ")");
  if (checkpoint) {
    chunk.params.emplace_back(checkpoint_value(*checkpoint));
    conditions.push_back(strings::cat(pk, " > $", chunk.params.size()));
  }
  if (upto) {
    chunk.params.emplace_back(std::in_place_type<std::int64_t>, *upto);
    conditions.push_back(strings::cat(pk, " <= $", chunk.params.size()));
  }
  if (!conditions.empty()) chunk.sql += " WHERE " + absl::StrJoin(conditions, " AND ");
  chunk.sql += strings::cat(" ORDER BY ", pk, " LIMIT ", chunk_size);
  return chunk;
}

}  // namespace massmigration::internal

namespace massmigration::internal {

std::string chunk_bounds_sql(const MapperQuery& query, std::int64_t chunk_size) {
  const std::string pk = quoted(query.primary_key);
  if (!query.filter.empty()) {
    // One pass numbering the selected rows: a filter another index serves could make each step
    // below sort what it selects again.
    return strings::cat("SELECT ", pk, " FROM (SELECT ", pk, ", row_number() OVER (ORDER BY ", pk,
                        ") AS mm_position FROM ", quoted_table(query.table), where_clause(query),
                        ") AS mm_keys WHERE mm_position % ", chunk_size, " = 0 ORDER BY ", pk);
  }
  // Each key from the one before, skipping chunk_size - 1 entries of the key's index: half the
  // work of numbering every row.
  const std::string next = strings::cat("(SELECT ", pk, " FROM ", quoted_table(query.table));
  const std::string step = strings::cat(" ORDER BY ", pk, " LIMIT 1 OFFSET ", chunk_size - 1, ")");
  return strings::cat("WITH RECURSIVE mm_bounds(mm_key) AS (SELECT ", next, step,
                      " UNION ALL SELECT ", next, " WHERE ", pk, " > mm_bounds.mm_key", step,
                      " FROM mm_bounds WHERE mm_key IS NOT NULL) SELECT mm_key FROM mm_bounds "
                      "WHERE mm_key IS NOT NULL ORDER BY mm_key");
}

ChunkQuery range_query(const MapperPlan& plan, const std::string& select, const ChunkRange& range) {
  const std::string pk = quoted(plan.query.primary_key);
  ChunkQuery chunk{select, plan.query.filter_params};
  std::vector<std::string> conditions;
  if (!plan.query.filter.empty()) conditions.push_back("(" + plan.query.filter + ")");
  if (range.after) {
    chunk.params.emplace_back(checkpoint_value(*range.after));
    conditions.push_back(strings::cat(pk, " > $", chunk.params.size()));
  }
  if (range.upto) {
    chunk.params.emplace_back(checkpoint_value(*range.upto));
    conditions.push_back(strings::cat(pk, " <= $", chunk.params.size()));
  }
  if (!conditions.empty()) chunk.sql += " WHERE " + absl::StrJoin(conditions, " AND ");
  chunk.sql += strings::cat(" ORDER BY ", pk);
  return chunk;
}

}  // namespace massmigration::internal
