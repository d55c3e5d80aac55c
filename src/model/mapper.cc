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

std::chrono::milliseconds MapperMigration::throttle(const std::string& /*alias*/) {
  return std::chrono::milliseconds::zero();
}

void MapperMigration::batch_operation(const std::vector<MapperRow>& rows, OperationContext& ctx) {
  // A statement a row sent may fail only when a later row waits for it, so failures of sent
  // statements are traced back through the index of each row's first send.
  std::vector<std::uint64_t> first_send;
  first_send.reserve(rows.size());
  auto sender = [&](const SentStatementError& e) -> const MapperRow& {
    auto after = std::upper_bound(first_send.begin(), first_send.end(), e.sent_index());
    return rows[after == first_send.begin() ? 0 : after - first_send.begin() - 1];
  };
  for (const MapperRow& row : rows) {
    first_send.push_back(ctx.sent_count());
    try {
      operation(row, ctx);
    } catch (const MapperRowError&) {
      throw;
    } catch (const SentStatementError& e) {
      throw MapperRowError(sender(e).key_text(), internal::describe_current_exception());
    } catch (...) {
      const std::string error = internal::describe_current_exception();
      // A statement sent before the throw may have failed first, as it would have at once on
      // an engine that does not pipeline: then that failure, and its row, are the cause.
      try {
        ctx.wait_for_sent();
      } catch (const SentStatementError& e) {
        throw MapperRowError(sender(e).key_text(), internal::describe_current_exception());
      } catch (...) {
        // Whatever else went wrong there is a consequence of the row's own failure.
      }
      throw MapperRowError(row.key_text(), error);
    }
  }
  try {
    ctx.wait_for_sent();
  } catch (const SentStatementError& e) {
    throw MapperRowError(sender(e).key_text(), internal::describe_current_exception());
  }
}

}  // namespace massmigration
