#include "massmigration/mapper.h"

#include <algorithm>
#include <cstdio>

#include "exception_text.h"
#include "massmigration/errors.h"
#include "massmigration/migration.h"
#include "string_building.h"

namespace massmigration {

const SqlValue& MapperRow::operator[](std::string_view column) const {
  auto it = std::find(columns_->begin(), columns_->end(), column);
  if (it == columns_->end()) {
    throw std::out_of_range(strings::cat("the mapper query reads no column \"", column, "\""));
  }
  return values_[it - columns_->begin()];
}

std::string MapperRow::key_text() const { return sql_value_text(key_); }

std::string sql_value_text(const SqlValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::nullptr_t>) {
          return "NULL";
        } else if constexpr (std::is_same_v<V, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<V, double>) {
          char text[64];
          std::snprintf(text, sizeof text, "%.17g", v);
          return text;
        } else {
          return std::to_string(v);
        }
      },
      value);
}

void MapperMigration::operation(const MapperRow&, OperationContext&) {
  throw MigrationError(
      strings::cat("mapper ", key().str(), " overrides neither operation() nor batch_operation()"));
}

void MapperMigration::batch_operation(const std::vector<MapperRow>& rows, OperationContext& ctx) {
  for (const MapperRow& row : rows) {
    try {
      operation(row, ctx);
    } catch (const MapperRowError&) {
      throw;
    } catch (...) {
      throw MapperRowError(row.key_text(), internal::describe_current_exception());
    }
  }
}

}  // namespace massmigration
