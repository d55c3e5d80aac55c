#include "support/record_rows.h"

namespace massmigration::test {

void create_unchecked_record_table(const TestDatabases& dbs, const std::string& alias) {
  const bool pg = dbs.engine() == Engine::kPostgres;
  const std::string boolean = pg ? "BOOLEAN" : "INTEGER";
  const std::string time = pg ? "TIMESTAMPTZ" : "TEXT";
  const std::string no = pg ? "FALSE" : "0";
  dbs.execute(alias,
              "CREATE TABLE massmigration_record (key TEXT PRIMARY KEY NOT NULL, "
              "app_label TEXT NOT NULL, name TEXT NOT NULL, attempt_uuid TEXT NOT NULL, "
              "initiated_at " +
                  time + " NOT NULL, is_applied " + boolean + " NOT NULL DEFAULT " + no +
                  ", applied_at " + time + ", has_error " + boolean + " NOT NULL DEFAULT " + no +
                  ", last_error TEXT NOT NULL DEFAULT '', was_faked " + boolean +
                  " NOT NULL DEFAULT " + no + ", rows_done " + (pg ? "BIGINT" : "INTEGER") +
                  " NOT NULL DEFAULT 0, rows_total " + (pg ? "BIGINT" : "INTEGER") +
                  ", checkpoint TEXT)");
}

void insert_record_row(const TestDatabases& dbs, const std::string& alias, const std::string& key,
                       const std::map<std::string, std::string>& columns) {
  const Engine engine = dbs.engine();
  const std::string::size_type colon = key.find(':');
  std::map<std::string, std::string> row = {
      {"key", "'" + key + "'"},
      {"app_label", "'" + key.substr(0, colon) + "'"},
      {"name", "'" + (colon == std::string::npos ? "" : key.substr(colon + 1)) + "'"},
      {"attempt_uuid", "'attempt-1'"},
      {"initiated_at", "'2026-11-29T22:00:00.123456Z'"},
      {"is_applied", sql_bool(engine, true)},
      {"applied_at", "'2026-11-29T22:00:01.000000Z'"},
      {"has_error", sql_bool(engine, false)},
      {"last_error", "''"},
      {"was_faked", sql_bool(engine, false)},
      {"rows_done", "0"},
      {"rows_total", "NULL"},
      {"checkpoint", "NULL"},
  };
  for (const auto& [column, value] : columns) row[column] = value;
  std::string names, values;
  for (const auto& [column, value] : row) {
    names += (names.empty() ? "" : ", ") + column;
    values += (values.empty() ? "" : ", ") + value;
  }
  dbs.execute(alias, "INSERT INTO massmigration_record (" + names + ") VALUES (" + values + ")");
}

std::string sql_bool(Engine engine, bool value) {
  if (engine == Engine::kPostgres) return value ? "TRUE" : "FALSE";
  return value ? "1" : "0";
}

}  // namespace massmigration::test
