// Statements sent without waiting for their outcome (OperationContext::send), on every engine:
// they run in the order sent and before any later query returns, commit or roll back with
// their transaction, and a failure names the mapper row that sent it, even when it is a later
// row's call that notices it (PostgreSQL pipelines sends, so failures arrive late there).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>

#include "massmigration/massmigration.h"
#include "support/engines.h"

namespace mm = massmigration;
using mm::test::Engine;

namespace {

std::atomic<std::int64_t> g_null_name_at{-1};  // this row's sent UPDATE breaks NOT NULL
std::atomic<std::int64_t> g_bad_sql_at{-1};    // this row sends SQL the database cannot prepare
std::atomic<std::int64_t> g_throw_at{-1};     // this row throws after sending
std::atomic<int> g_queries{0};
std::atomic<int> g_queries_missing_sends{0};

class Setup : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override {
    ctx.execute(
        "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, doubled INTEGER);"
        "CREATE TABLE seen (id INTEGER NOT NULL);");
    ctx.execute(
        "INSERT INTO item (id, name) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
        "FROM seq WHERE n < 1000) SELECT n, 'item ' || n FROM seq");
  }
};
MASSMIGRATION_REGISTER(Setup, "sent", "0001_setup");

// Two sends a row, 100 rows a chunk; every 25th row queries what the sends so far wrote.
class SendPerRow : public mm::MapperMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"sent", "0001_setup"}}; }
  mm::BackendParams backend_params() const override { return {{"chunk_size", "100"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "item"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    const std::int64_t id = std::get<std::int64_t>(row.key());
    ctx.send("INSERT INTO seen (id) VALUES ($1)", id);
    ctx.send(
        "UPDATE item SET doubled = $1, name = CASE WHEN id = $3 THEN NULL ELSE name END "
        "WHERE id = $2",
        id * 2, id, g_null_name_at.load());
    if (id == g_bad_sql_at) ctx.send("UPDATE item SET no_such_column = 1 WHERE id = $1", id);
    if (id == g_throw_at) throw std::runtime_error("row " + std::to_string(id) + " gives up");
    if (id % 25 == 0) {
      ++g_queries;
      std::vector<mm::SqlRow> rows =
          ctx.query("SELECT count(*), sum(doubled) FROM seen JOIN item USING (id) WHERE id <= $1",
                    id);
      if (rows[0][0] != mm::SqlValue(id) || rows[0][1] != mm::SqlValue(id * (id + 1))) {
        ++g_queries_missing_sends;
      }
    }
  }
};
MASSMIGRATION_REGISTER(SendPerRow, "sent", "0002_per_row");

// The same, all 1000 rows (2000 sends) in one chunk.
class SendInOneChunk : public SendPerRow {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "5000"}}; }
};
MASSMIGRATION_REGISTER(SendInOneChunk, "sent", "0003_one_chunk");

// Four key ranges at once where the engine allows it, each worker with its own pipeline.
class SendInParallel : public mm::MapperMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"sent", "0001_setup"}}; }
  mm::BackendParams backend_params() const override {
    return {{"chunk_size", "64"}, {"workers", "4"}};
  }
  mm::MapperQuery query(const std::string&) const override { return {.table = "item"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    ctx.send("INSERT INTO seen (id) VALUES ($1)", row.key());
    ctx.send("UPDATE item SET doubled = id * 2 WHERE id = $1", row.key());
  }
};
MASSMIGRATION_REGISTER(SendInParallel, "sent", "0005_parallel");

// A simple migration whose second send fails.
class SendFailing : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"sent", "0001_setup"}}; }
  void operation(mm::OperationContext& ctx) override {
    ctx.send("INSERT INTO seen (id) VALUES ($1)", 1);
    ctx.send("INSERT INTO seen (id) VALUES ($1)", nullptr);
  }
};
MASSMIGRATION_REGISTER(SendFailing, "sent", "0004_simple_failing");

constexpr char kPerRow[] = "sent:0002_per_row";

class SentStatements : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    g_null_name_at = -1;
    g_bad_sql_at = -1;
    g_throw_at = -1;
    g_queries = 0;
    g_queries_missing_sends = 0;
    mm::configure(dbs_.config());
    mm::api::initiate_migration("sent:0001_setup", "default");
  }
  mm::MigrationRecord record(const char* key) { return *mm::api::get_record(key, "default"); }
  std::string scalar(const std::string& sql) { return dbs_.scalar("default", sql); }
  // Runs sent:0002_per_row, which must fail with a last_error that starts with `prefix`.
  mm::MigrationRecord run_failing(const std::string& prefix) {
    mm::api::initiate_migration(kPerRow, "default");
    mm::MigrationRecord failed = record(kPerRow);
    EXPECT_EQ(failed.status(), mm::MigrationStatus::kErrored);
    EXPECT_TRUE(failed.last_error.starts_with(prefix)) << failed.last_error;
    return failed;
  }
  void expect_every_row_done_once(const char* key) {
    mm::MigrationRecord r = record(key);
    EXPECT_EQ(r.status(), mm::MigrationStatus::kApplied) << r.last_error;
    EXPECT_EQ(r.rows_done, 1000);
    EXPECT_EQ(scalar("SELECT count(*) FROM seen"), "1000");
    EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM seen"), "1000");
    EXPECT_EQ(scalar("SELECT count(*) FROM item WHERE doubled = id * 2"), "1000");
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
};

TEST_P(SentStatements, RunInOrderBeforeAnyLaterQueryAndCommitWithTheirChunk) {
  mm::api::initiate_migration(kPerRow, "default");
  expect_every_row_done_once(kPerRow);
  EXPECT_EQ(g_queries, 40);
  EXPECT_EQ(g_queries_missing_sends, 0);
}

TEST_P(SentStatements, ThousandsInOneChunkAllRun) {
  mm::api::initiate_migration("sent:0003_one_chunk", "default");
  expect_every_row_done_once("sent:0003_one_chunk");
  EXPECT_EQ(g_queries_missing_sends, 0);
}

TEST_P(SentStatements, ParallelWorkersEachSendTheirOwnRows) {
  mm::api::initiate_migration("sent:0005_parallel", "default");
  expect_every_row_done_once("sent:0005_parallel");
}

TEST_P(SentStatements, AFailureNamesTheRowThatSentItRollsBackItsChunkAndResumes) {
  // Row 321's UPDATE fails; on PostgreSQL row 325's query is what notices.
  g_null_name_at = 321;
  mm::MigrationRecord failed = run_failing(
      "row id=321: massmigration::SentStatementError: database default: running \"UPDATE item "
      "SET doubled = $1, name = ");
  EXPECT_EQ(failed.checkpoint, "300");
  EXPECT_EQ(failed.rows_done, 300);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), "300");  // the failed chunk left nothing
  EXPECT_EQ(scalar("SELECT max(id) FROM item WHERE doubled IS NOT NULL"), "300");

  g_null_name_at = -1;
  mm::api::resume_migration(kPerRow, "default");
  expect_every_row_done_once(kPerRow);
}

TEST_P(SentStatements, AnEarlierRowsFailureIsReportedBeforeALaterRowsException) {
  // Row 321's UPDATE fails and row 322 throws before anything waited for row 321: as on an
  // engine that runs sends at once, the record blames row 321.
  g_null_name_at = 321;
  g_throw_at = 322;
  EXPECT_EQ(run_failing("row id=321: massmigration::SentStatementError: ").checkpoint, "300");

  g_null_name_at = -1;  // now the exception is all there is
  mm::api::resume_migration(kPerRow, "default");
  EXPECT_EQ(record(kPerRow).last_error, "row id=322: std::runtime_error: row 322 gives up");
}

TEST_P(SentStatements, SqlTheDatabaseCannotPrepareNamesTheRowAndTheConnectionIsNotReused) {
  g_bad_sql_at = 777;
  const std::string prefix =
      "row id=777: massmigration::SentStatementError: database default: running \"UPDATE item "
      "SET no_such_column = 1 WHERE id = $1\"";
  mm::MigrationRecord failed = run_failing(prefix);
  // Then the database's own words, which name the column again.
  EXPECT_NE(failed.last_error.find("no_such_column", prefix.size()), std::string::npos)
      << failed.last_error;
  EXPECT_EQ(failed.checkpoint, "700");

  g_bad_sql_at = -1;
  mm::api::resume_migration(kPerRow, "default");
  expect_every_row_done_once(kPerRow);
}

TEST_P(SentStatements, AFailureInASimpleMigrationIsItsErrorAndNothingCommits) {
  mm::api::initiate_migration("sent:0004_simple_failing", "default");
  mm::MigrationRecord failed = record("sent:0004_simple_failing");
  EXPECT_EQ(failed.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(failed.last_error.rfind("massmigration::SentStatementError: database default: "
                                    "running \"INSERT INTO seen (id) VALUES ($1)\"",
                                    0),
            0u)
      << failed.last_error;
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), "0");
}

TEST_P(SentStatements, TheExceptionSaysWhichSendFailed) {
  std::unique_ptr<mm::SqlSession> session = dbs_.open_session("default");
  mm::OperationContext ctx({"sent", "0099_direct"}, "default", {}, *session);
  ctx.send("INSERT INTO seen (id) VALUES ($1)", 1);
  ctx.send("INSERT INTO seen (id) VALUES ($1)", 2);
  try {
    ctx.send("INSERT INTO seen (id) VALUES ($1)", nullptr);
    ctx.send("INSERT INTO seen (id) VALUES ($1)", 4);
    ctx.wait_for_sent();
    FAIL() << "a NULL id was accepted";
  } catch (const mm::SentStatementError& e) {
    EXPECT_EQ(e.sent_index(), 2u);
    EXPECT_EQ(e.alias(), "default");
  }
}

TEST_P(SentStatements, CopyCannotBeSentAndLeavesNothingHanging) {
  for (const char* copy : {"COPY (SELECT 1) TO STDOUT", "COPY seen FROM STDIN"}) {
    SCOPED_TRACE(copy);
    {
      std::unique_ptr<mm::SqlSession> session = dbs_.open_session("default");
      mm::OperationContext ctx({"sent", "0099_direct"}, "default", {}, *session);
      ctx.send("INSERT INTO seen (id) VALUES ($1)", 1);
      try {
        ctx.send(copy);
        ctx.wait_for_sent();
        FAIL() << "COPY was sent";
      } catch (const mm::SentStatementError& e) {
        EXPECT_EQ(e.sent_index(), 1u);
        EXPECT_NE(std::string(e.what()).find("COPY"), std::string::npos) << e.what();
      }
    }  // rolled back
    EXPECT_EQ(scalar("SELECT count(*) FROM seen"), "0");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, SentStatements, mm::test::kEngines, mm::test::engine_name);

// An unsigned parameter above INT64_MAX does not fit a SQL integer: each way of passing it
// refuses it, naming the value, before anything reaches the database; it never wraps to a
// negative number. The largest value that fits is stored as it is.
class UnsignedParameters : public ::testing::TestWithParam<Engine> {
 protected:
  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
};

TEST_P(UnsignedParameters, AboveInt64MaxIsRefusedNamingTheValue) {
  dbs_.execute("default", "CREATE TABLE counter (n BIGINT)");
  const std::uint64_t too_big = std::uint64_t{1} << 63;
  const std::uint64_t largest = INT64_MAX;
  const std::string expected =
      "the SQL parameter 9223372036854775808 is above 9223372036854775807, the largest SQL "
      "integer (signed 64-bit); pass it as text or as a double";
  std::unique_ptr<mm::SqlSession> session = dbs_.open_session("default");
  mm::OperationContext ctx({"sent", "0099_direct"}, "default", {}, *session);
  const std::vector<std::function<void()>> attempts = {
      [&] { ctx.execute("INSERT INTO counter (n) VALUES ($1)", too_big); },
      [&] { ctx.query("SELECT n FROM counter WHERE n = $1", too_big); },
      [&] { ctx.send("INSERT INTO counter (n) VALUES ($1)", too_big); },
  };
  for (const auto& attempt : attempts) {
    try {
      attempt();
      ADD_FAILURE() << "accepted " << too_big;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), expected);
    }
  }
  EXPECT_EQ(ctx.execute("INSERT INTO counter (n) VALUES ($1)", largest), 1);
  session->commit();
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counter"), "1");
  EXPECT_EQ(dbs_.scalar("default", "SELECT n FROM counter"), "9223372036854775807");
}

INSTANTIATE_TEST_SUITE_P(Engines, UnsignedParameters, mm::test::kEngines, mm::test::engine_name);

// SQLite has no connection to lose.
TEST(SentStatementsOnPostgres, ALostConnectionIsNoStatementsFault) {
  mm::test::TestDatabases dbs{Engine::kPostgres, {"default"}};
  dbs.execute("default", "CREATE TABLE seen (id INTEGER NOT NULL)");
  std::unique_ptr<mm::SqlSession> session = dbs.open_session("default");
  mm::OperationContext ctx({"sent", "0099_direct"}, "default", {}, *session);
  const mm::SqlValue pid = ctx.query("SELECT pg_backend_pid()")[0][0];
  ctx.send("INSERT INTO seen (id) VALUES ($1)", 1);
  dbs.execute("default", "SELECT pg_terminate_backend(" + mm::sql_value_text(pid) + ")");
  ctx.send("INSERT INTO seen (id) VALUES ($1)", 2);
  try {
    ctx.wait_for_sent();
    FAIL() << "the connection survived";
  } catch (const mm::SentStatementError& e) {
    FAIL() << "a statement was blamed: " << e.what();
  } catch (const mm::DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("connection lost"), std::string::npos) << e.what();
  }
}

}  // namespace
