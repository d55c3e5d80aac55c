#include "model/mapper_plan.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "massmigration/errors.h"
#include "string_building.h"

namespace massmigration::internal {
namespace {

bool is_identifier(std::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::int64_t positive_param(const BackendParams& params, const std::string& name,
                            std::int64_t fallback, const std::string& entry) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  std::int64_t value = 0;
  auto [end, error] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (error != std::errc() || end != it->second.data() + it->second.size() || value < 1) {
    throw ConfigError(entry, strings::cat("backend_params ", name,
                                          " must be a whole number of 1 "
                                          "or more, not \"",
                                          it->second, "\""));
  }
  return value;
}

}  // namespace

std::string quoted_table(const std::string& table) {
  std::vector<std::string> parts = absl::StrSplit(table, '.');
  std::string out;
  for (const std::string& part : parts) {
    out += (out.empty() ? "\"" : ".\"") + part + "\"";
  }
  return out;
}

MapperPlan plan_mapper(const MapperMigration& mapper, const std::string& alias,
                       const BackendParams& params) {
  const std::string entry = strings::cat("migration ", mapper.key().str(), " query");
  MapperPlan plan{.query = mapper.query(alias)};
  const MapperQuery& q = plan.query;
  std::vector<std::string> parts = absl::StrSplit(q.table, '.');
  if (parts.size() > 2 || !std::all_of(parts.begin(), parts.end(), is_identifier)) {
    throw ConfigError(
        entry, strings::cat("table \"", q.table, "\" is not an identifier (letters, digits, _)"));
  }
  for (const std::string& column : q.columns) {
    if (!is_identifier(column)) {
      throw ConfigError(entry, strings::cat("column \"", column, "\" is not an identifier"));
    }
  }
  if (!is_identifier(q.primary_key)) {
    throw ConfigError(entry,
                      strings::cat("primary key \"", q.primary_key, "\" is not an identifier"));
  }
  plan.chunk_size = positive_param(params, "chunk_size", 1000, entry);
  plan.workers = static_cast<int>(positive_param(params, "workers", 1, entry));
  if (params.contains("target_chunk_ms")) {
    plan.target_chunk_duration =
        std::chrono::milliseconds(positive_param(params, "target_chunk_ms", 1, entry));
  }
  plan.min_chunk_size = positive_param(params, "min_chunk_size", 1, entry);
  plan.max_chunk_size = positive_param(params, "max_chunk_size",
                                       std::max<std::int64_t>(100000, plan.chunk_size), entry);
  if (plan.min_chunk_size > plan.max_chunk_size) {
    throw ConfigError(entry, strings::cat("backend_params min_chunk_size (", plan.min_chunk_size,
                                          ") exceeds max_chunk_size (", plan.max_chunk_size, ")"));
  }
  return plan;
}

}  // namespace massmigration::internal
