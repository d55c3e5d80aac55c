// What SQL values a migration reads and binds, on every engine: integers, floating-point
// numbers (SQLite REAL; PostgreSQL real and double precision), PostgreSQL booleans (as 0 and
// 1) and numeric (as its exact text), NULL; and on SQLite, parameters other than $1..$N
// refused with a message that says what to write.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/engines.h"

namespace mm = massmigration;
using mm::test::Engine;

namespace {

class SqlValues : public ::testing::TestWithParam<Engine> {
 protected:
  std::vector<mm::SqlRow> query(const std::string& sql, std::vector<mm::SqlValue> params = {}) {
    return session_->query(sql, params);
  }
  // What the session refuses `sql` with, given `params`.
  std::string refusal(const std::string& sql, std::vector<mm::SqlValue> params) {
    try {
      session_->query(sql, params);
    } catch (const mm::DatabaseError& e) {
      return e.what();
    }
    return "<not refused>";
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
  std::unique_ptr<mm::SqlSession> session_ = dbs_.open_session("default");
};

TEST_P(SqlValues, FloatingPointNumbersReadAndBindAsDoubles) {
  session_->execute("CREATE TABLE measure (id INTEGER PRIMARY KEY, weight REAL)", {});
  const std::array<mm::SqlValue, 2> row{std::int64_t{1}, 2.75};
  EXPECT_EQ(session_->execute("INSERT INTO measure (id, weight) VALUES ($1, $2)", row), 1);
  std::vector<mm::SqlRow> rows = query("SELECT weight, weight * 2 FROM measure WHERE weight > $1",
                                       {mm::SqlValue(2.5)});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], mm::SqlValue(2.75));
  EXPECT_EQ(rows[0][1], mm::SqlValue(5.5));
  EXPECT_TRUE(query("SELECT id FROM measure WHERE weight > $1", {mm::SqlValue(3.0)}).empty());
}

TEST_P(SqlValues, NullReadsAsNullptr) {
  std::vector<mm::SqlRow> rows = query("SELECT NULL, $1", {mm::SqlValue(nullptr)});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], mm::SqlValue(nullptr));
  EXPECT_EQ(rows[0][1], mm::SqlValue(nullptr));
}

INSTANTIATE_TEST_SUITE_P(Engines, SqlValues, mm::test::kEngines, mm::test::engine_name);

class PostgresSqlValues : public SqlValues {};

TEST_P(PostgresSqlValues, BooleansReadAsZeroAndOne) {
  std::vector<mm::SqlRow> rows = query("SELECT true, false, 1 < 2");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (mm::SqlRow{std::int64_t{1}, std::int64_t{0}, std::int64_t{1}}));
}

TEST_P(PostgresSqlValues, RealAndDoublePrecisionReadAsDoubles) {
  std::vector<mm::SqlRow> rows = query("SELECT 1.5::real, 0.1::double precision, 2::smallint");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (mm::SqlRow{1.5, 0.1, std::int64_t{2}}));
}

TEST_P(PostgresSqlValues, NumericReadsAsItsExactText) {
  // A double would round 12345678901234567.89; the text keeps every digit.
  std::vector<mm::SqlRow> rows = query("SELECT 12345678901234567.89::numeric, 3.50::numeric(5,2)");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (mm::SqlRow{std::string("12345678901234567.89"), std::string("3.50")}));
}

INSTANTIATE_TEST_SUITE_P(Engines, PostgresSqlValues, ::testing::Values(Engine::kPostgres),
                         mm::test::engine_name);

class SqliteSqlValues : public SqlValues {};

TEST_P(SqliteSqlValues, ParametersOtherThanDollarNumbersAreRefusedSayingWhatToWrite) {
  EXPECT_NE(refusal("SELECT $1, $2", {std::int64_t{1}})
                .find("\"SELECT $1, $2\" takes 2 parameter(s), 1 given"),
            std::string::npos);
  EXPECT_NE(refusal("SELECT $0", {std::int64_t{1}})
                .find("parameter $0 in \"SELECT $0\" is not $1..$1"),
            std::string::npos);
  EXPECT_NE(refusal("SELECT :name", {std::int64_t{1}})
                .find("parameter :name is not supported; write $1..$N"),
            std::string::npos);
  // The session is still usable.
  EXPECT_EQ(query("SELECT $1", {std::int64_t{7}}), (std::vector<mm::SqlRow>{{std::int64_t{7}}}));
}

INSTANTIATE_TEST_SUITE_P(Engines, SqliteSqlValues, ::testing::Values(Engine::kSqlite),
                         mm::test::engine_name);

}  // namespace
