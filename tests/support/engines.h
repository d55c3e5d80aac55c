// One suite, two engines: fresh databases on SQLite or on the test run's PostgreSQL server,
// with the same calls for both, so that a TEST_P runs unchanged on each.
//
// PostgreSQL comes from the ctest fixture "postgres" (pg_cluster), which writes the server's
// address to the file named by $MASSMIGRATION_TEST_POSTGRES. Without it a PostgreSQL test
// fails, saying how to run it; it is never skipped.
#ifndef MASSMIGRATION_TESTS_SUPPORT_ENGINES_H_
#define MASSMIGRATION_TESTS_SUPPORT_ENGINES_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "massmigration/config.h"
#include "massmigration/record_store.h"
#include "massmigration/testing.h"

namespace massmigration::test {

enum class Engine { kSqlite, kPostgres };

inline const auto kEngines = ::testing::Values(Engine::kSqlite, Engine::kPostgres);

// "Sqlite" or "Postgres", for parameterised test names.
std::string engine_name(const ::testing::TestParamInfo<Engine>& info);
std::string to_string(Engine engine);

// postgresql://postgres@127.0.0.1:PORT/DATABASE on the test run's server; throws when there is
// none.
std::string postgres_server_url(const std::string& database = "postgres");

class TestDatabases {
 public:
  TestDatabases(Engine engine, std::vector<std::string> aliases);
  ~TestDatabases();
  TestDatabases(const TestDatabases&) = delete;
  TestDatabases& operator=(const TestDatabases&) = delete;

  Engine engine() const { return engine_; }
  std::string url(const std::string& alias) const;
  // Every alias, and no pause between chunks (so no sharing of SQLite files in slices).
  Config config(std::map<std::string, std::string> routing = {}) const;
  // A URL on the same engine where nothing answers (a missing directory; a closed port).
  std::string unreachable_url() const;

  // The first column of the first row as text; "<no row>" when there is none, "<null>" for
  // NULL, "<error: ...>" when the statement fails.
  std::string scalar(const std::string& alias, const std::string& sql) const;
  // Runs statements, outside any migration; throws on failure.
  void execute(const std::string& alias, const std::string& sql) const;
  // A record store of its own (another connection), as another process would have.
  std::unique_ptr<RecordStore> open_store(const std::string& alias) const;
  // A migration's transaction on the alias's database, through the engine's driver.
  std::unique_ptr<RunSession> open_session(const std::string& alias) const;
  // The same as a chunk's of a mapper or worker (DatabaseDriver::begin_chunk_session).
  std::unique_ptr<RunSession> open_chunk_session(const std::string& alias) const;

 private:
  Engine engine_;
  std::vector<std::string> aliases_;
  std::unique_ptr<testing::TemporaryDatabases> files_;  // SQLite
  std::map<std::string, std::string> pg_names_;         // PostgreSQL: alias -> database
};

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_ENGINES_H_
