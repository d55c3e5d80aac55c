// Rows put into massmigration_record by hand, as an older program, a person at a SQL prompt or
// a foreign tool would: on a table created without the CHECK constraints, so that any row fits.
#ifndef MASSMIGRATION_TESTS_SUPPORT_RECORD_ROWS_H_
#define MASSMIGRATION_TESTS_SUPPORT_RECORD_ROWS_H_

#include <map>
#include <string>

#include "support/engines.h"

namespace massmigration::test {

// Creates massmigration_record as massmigration did before it had CHECK constraints.
void create_unchecked_record_table(const TestDatabases& dbs, const std::string& alias);

// Inserts a row for `key`: an applied record started at 2026-11-29T22:00:00.123456Z, unless
// `columns` (column -> SQL literal) says otherwise.
void insert_record_row(const TestDatabases& dbs, const std::string& alias, const std::string& key,
                       const std::map<std::string, std::string>& columns = {});

// A boolean as an SQL literal of the engine.
std::string sql_bool(Engine engine, bool value);

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_RECORD_ROWS_H_
