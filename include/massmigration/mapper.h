// What a mapper migration selects and what each of its rows looks like.
//
//   class AddTax : public mm::MapperMigration {
//    public:
//     mm::MapperQuery query(const std::string& alias) const override {
//       return {.table = "orders", .primary_key = "id", .columns = {"total_cents"},
//               .filter = "tax_cents IS NULL AND total_cents > $1", .filter_params = {0}};
//     }
//     void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
//       ctx.send("UPDATE orders SET tax_cents = $1 WHERE id = $2",
//                row.get<std::int64_t>("total_cents") / 5, row.key());
//     }
//   };
//
// The runner walks the selected rows in primary-key order, a chunk at a time (keyset
// pagination: no OFFSET, no long locks), one transaction per chunk that also records the
// checkpoint and progress; see MapperMigration in migration.h.
#ifndef MASSMIGRATION_MAPPER_H_
#define MASSMIGRATION_MAPPER_H_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "massmigration/errors.h"
#include "massmigration/sql.h"

namespace massmigration {

struct MapperQuery {
  // Table and column names: letters, digits and _, not starting with a digit (a table may be
  // "schema.table"). Checked at launch and quoted; anything else is refused.
  std::string table;
  // Integer or text; unique and not null.
  std::string primary_key = "id";
  // Columns each row carries besides the primary key.
  std::vector<std::string> columns{};
  // Optional SQL condition, written by the migration's author, with $1..$N bound to
  // filter_params (never interpolated).
  std::string filter{};
  std::vector<SqlValue> filter_params{};
};

// One selected row: its primary key and the query's columns.
class MapperRow {
 public:
  MapperRow(SqlValue key, const std::vector<std::string>* columns, SqlRow values)
      : key_(std::move(key)), columns_(columns), values_(std::move(values)) {}

  const SqlValue& key() const { return key_; }
  // The value of `column`; throws std::out_of_range for a column the query did not read.
  const SqlValue& operator[](std::string_view column) const;
  // The value as T (std::int64_t, double, std::string); throws std::bad_variant_access when
  // it holds another type (NULL included).
  template <typename T>
  const T& get(std::string_view column) const {
    static_assert(kIsSqlValueType<T>,
                  "MapperRow::get<T>: T must be std::int64_t, double or std::string, the types a "
                  "SqlValue holds; for an int column write row.get<std::int64_t>(\"column\") "
                  "and convert the result");
    if constexpr (kIsSqlValueType<T>) {
      return std::get<T>((*this)[column]);
    } else {
      throw std::bad_variant_access();  // never compiled: keeps the report to the assertion
    }
  }
  // The key as text, as it appears in checkpoints and error messages.
  std::string key_text() const;

 private:
  SqlValue key_;
  const std::vector<std::string>* columns_;
  SqlRow values_;
};

// What MapperMigration::operation threw for one row, so that the record names the row. The
// default batch_operation wraps each row's failure in it.
class MapperRowError : public MigrationError {
 public:
  // `error` is "ExceptionType: message".
  MapperRowError(std::string key_text, std::string error)
      : MigrationError("row " + key_text + ": " + error),
        key_text_(std::move(key_text)),
        error_(std::move(error)) {}
  const std::string& key_text() const { return key_text_; }
  // What the row's operation threw: "ExceptionType: message".
  const std::string& error() const { return error_; }

 private:
  std::string key_text_;
  std::string error_;
};

// Text for a SqlValue: "NULL", "42", "4.5", or the string itself.
std::string sql_value_text(const SqlValue& value);

}  // namespace massmigration

#endif  // MASSMIGRATION_MAPPER_H_
