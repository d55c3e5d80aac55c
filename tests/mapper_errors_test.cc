// How a mapper migration fails, on every engine: malformed backend_params or query refused at
// launch with nothing recorded; a batch_operation that throws (a std::exception, anything
// else, or after sending a statement that failed) rolls back its chunk and names it; a mapper
// that overrides no operation, or reads a column it did not select, names the row; an attempt
// deleted before its first chunk or after its last one stops without writing its record.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/captured_log.h"
#include "support/engines.h"

namespace mm = massmigration;
using mm::test::Engine;

namespace {

// What the tunable mappers below return; each test sets them before launching.
mm::BackendParams g_params;
mm::MapperQuery g_query;
enum class BatchFailure { kNone, kStdException, kNonStdException, kAfterAFailedSend };
BatchFailure g_batch_failure = BatchFailure::kNone;

// Rows of `item`, ids 1..20, 5 a chunk; batches mark their rows done.
class Tunable : public mm::MapperMigration {
 public:
  mm::BackendParams backend_params() const override { return g_params; }
  mm::MapperQuery query(const std::string&) const override { return g_query; }
  void batch_operation(const std::vector<mm::MapperRow>& rows, mm::OperationContext& ctx) override {
    const bool second_chunk = std::get<std::int64_t>(rows.front().key()) == 6;
    ctx.execute("UPDATE item SET done = 1 WHERE id >= $1 AND id <= $2", rows.front().key(),
                rows.back().key());
    if (!second_chunk) return;
    switch (g_batch_failure) {
      case BatchFailure::kNone:
        return;
      case BatchFailure::kStdException:
        throw std::runtime_error("second chunk refused");
      case BatchFailure::kNonStdException:
        throw 42;
      case BatchFailure::kAfterAFailedSend:
        ctx.send("INSERT INTO no_such_table (id) VALUES ($1)", rows.front().key());
        throw std::runtime_error("a consequence of the failed statement");
    }
  }
};
MASSMIGRATION_REGISTER(Tunable, "errs", "0001_tunable");

class NoOperation : public mm::MapperMigration {
 public:
  mm::MapperQuery query(const std::string&) const override { return {.table = "item"}; }
};
MASSMIGRATION_REGISTER(NoOperation, "errs", "0002_no_operation");

class UnselectedColumn : public mm::MapperMigration {
 public:
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "item", .columns = {"done"}};
  }
  void operation(const mm::MapperRow& row, mm::OperationContext&) override { (void)row["name"]; }
};
MASSMIGRATION_REGISTER(UnselectedColumn, "errs", "0003_unselected_column");

// A backend that deletes each run's record (as `delete --force` elsewhere would) before it
// runs it.
class DeletingBackend : public mm::Backend {
 public:
  void submit(mm::MigrationRun run) override {
    EXPECT_TRUE(mm::api::delete_record(run.migration().key(), run.alias(), {.force = true}));
    run.run();
  }
};

class DeletedFirst : public mm::MapperMigration {
 public:
  std::optional<std::string> backend() const override { return "deleting"; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "item"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    ctx.execute("UPDATE item SET done = 1 WHERE id = $1", row.key());
  }
};
MASSMIGRATION_REGISTER(DeletedFirst, "errs", "0004_deleted_first");

constexpr char kTunable[] = "errs:0001_tunable";

class MapperErrors : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    g_params = {{"chunk_size", "5"}};
    g_query = {.table = "item"};
    g_batch_failure = BatchFailure::kNone;
    dbs_.execute("default",
                 "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, done INTEGER NOT NULL "
                 "DEFAULT 0);"
                 "INSERT INTO item (id) VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10),"
                 " (11), (12), (13), (14), (15), (16), (17), (18), (19), (20)");
    mm::configure(dbs_.config());
  }

  std::string scalar(const std::string& sql) { return dbs_.scalar("default", sql); }
  mm::MigrationRecord record(const char* key) {
    std::optional<mm::MigrationRecord> r = mm::api::get_record(key, "default");
    EXPECT_TRUE(r.has_value()) << key;
    return r.value_or(mm::MigrationRecord{.key = key});
  }
  // The launch is refused with exactly `message`; nothing is recorded or changed.
  void expect_launch_refused(const std::string& message) {
    try {
      mm::api::initiate_migration(kTunable, "default");
      ADD_FAILURE() << "launched; expected: " << message;
    } catch (const mm::ConfigError& e) {
      EXPECT_EQ(e.what(), message);
    }
    EXPECT_EQ(mm::api::get_record(kTunable, "default"), std::nullopt);
    EXPECT_EQ(scalar("SELECT count(*) FROM item WHERE done = 1"), "0");
  }
  // The second chunk (ids 6..10) failed with `error`: the first one committed, no other.
  void expect_second_chunk_failed(const std::string& error) {
    mm::MigrationRecord r = record(kTunable);
    EXPECT_EQ(r.status(), mm::MigrationStatus::kErrored);
    EXPECT_EQ(r.last_error, error);
    EXPECT_EQ(r.checkpoint, "5");
    EXPECT_EQ(r.rows_done, 5);
    EXPECT_EQ(scalar("SELECT count(*) FROM item WHERE done = 1"), "5");
    EXPECT_EQ(scalar("SELECT max(id) FROM item WHERE done = 1"), "5");
  }
  // How many messages at `level` contain `text`.
  int logged(mm::LogLevel level, const std::string& text) {
    int count = 0;
    for (const std::string& message : log_.messages(level)) {
      if (message.find(text) != std::string::npos) ++count;
    }
    return count;
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
  mm::test::CapturedLog log_;
};

TEST_P(MapperErrors, ChunkSizeOrWorkersThatAreNotWholePositiveNumbersAreRefusedAtLaunch) {
  const std::string where = "configuration error at migration errs:0001_tunable query: ";
  for (const char* bad : {"0", "-5", "ten", "5 rows", ""}) {
    SCOPED_TRACE(bad);
    g_params = {{"chunk_size", bad}};
    expect_launch_refused(where +
                          "backend_params chunk_size must be a whole number of 1 or "
                          "more, not \"" +
                          bad + "\"");
    g_params = {{"chunk_size", "5"}, {"workers", bad}};
    expect_launch_refused(where +
                          "backend_params workers must be a whole number of 1 or more, "
                          "not \"" +
                          bad + "\"");
  }
  g_params = {{"chunk_size", "5"}, {"workers", "1"}};
  mm::api::initiate_migration(kTunable, "default");
  EXPECT_EQ(record(kTunable).status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(scalar("SELECT count(*) FROM item WHERE done = 1"), "20");
}

TEST_P(MapperErrors, ColumnsAndPrimaryKeysThatAreNotIdentifiersAreRefusedAtLaunch) {
  const std::string where = "configuration error at migration errs:0001_tunable query: ";
  g_query = {.table = "item", .columns = {"name", "done; DROP TABLE item"}};
  expect_launch_refused(where + "column \"done; DROP TABLE item\" is not an identifier");
  g_query = {.table = "item", .primary_key = "1id"};
  expect_launch_refused(where + "primary key \"1id\" is not an identifier");
  g_query = {.table = "item", .primary_key = ""};
  expect_launch_refused(where + "primary key \"\" is not an identifier");
  EXPECT_EQ(scalar("SELECT count(*) FROM item"), "20");
}

TEST_P(MapperErrors, AThrowingBatchOperationRollsBackItsChunkAndNamesItsKeys) {
  g_batch_failure = BatchFailure::kStdException;
  mm::api::initiate_migration(kTunable, "default");
  expect_second_chunk_failed("chunk id 6..10: std::runtime_error: second chunk refused");

  g_batch_failure = BatchFailure::kNone;
  mm::api::initiate_migration(kTunable, "default");  // resumes after the first chunk
  EXPECT_EQ(record(kTunable).status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(record(kTunable).rows_done, 20);
  EXPECT_EQ(scalar("SELECT count(*) FROM item WHERE done = 1"), "20");
}

TEST_P(MapperErrors, ABatchOperationThrowingANonStdExceptionIsRecordedAsUnknown) {
  g_batch_failure = BatchFailure::kNonStdException;
  mm::api::initiate_migration(kTunable, "default");
  expect_second_chunk_failed("chunk id 6..10: unknown exception: not derived from std::exception");
}

TEST_P(MapperErrors, AStatementSentBeforeTheThrowThatFailedIsReportedAsTheCause) {
  g_batch_failure = BatchFailure::kAfterAFailedSend;
  mm::api::initiate_migration(kTunable, "default");
  mm::MigrationRecord r = record(kTunable);
  const std::string prefix = "chunk id 6..10: massmigration::SentStatementError: ";
  EXPECT_EQ(r.last_error.substr(0, prefix.size()), prefix) << r.last_error;
  EXPECT_NE(r.last_error.find("no_such_table"), std::string::npos) << r.last_error;
  expect_second_chunk_failed(r.last_error);
}

TEST_P(MapperErrors, AMapperThatOverridesNoOperationFailsAtItsFirstRow) {
  mm::api::initiate_migration("errs:0002_no_operation", "default");
  mm::MigrationRecord r = record("errs:0002_no_operation");
  EXPECT_EQ(r.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(r.last_error,
            "row id=1: massmigration::MigrationError: mapper errs:0002_no_operation overrides "
            "neither operation() nor batch_operation()");
  EXPECT_EQ(r.rows_done, 0);
}

TEST_P(MapperErrors, ReadingAColumnTheQueryDidNotSelectFailsNamingIt) {
  mm::api::initiate_migration("errs:0003_unselected_column", "default");
  mm::MigrationRecord r = record("errs:0003_unselected_column");
  EXPECT_EQ(r.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(r.last_error, "row id=1: std::out_of_range: the mapper query reads no column \"name\"");
}

TEST_P(MapperErrors, AnAttemptDeletedBeforeItsFirstChunkStopsWithoutWriting) {
  mm::register_backend("deleting", std::make_shared<DeletingBackend>());
  const std::string attempt = mm::api::initiate_migration("errs:0004_deleted_first", "default");
  EXPECT_EQ(mm::api::get_record("errs:0004_deleted_first", "default"), std::nullopt);
  EXPECT_EQ(scalar("SELECT count(*) FROM item WHERE done = 1"), "0");
  EXPECT_EQ(logged(mm::LogLevel::kWarning,
                   "migration errs:0004_deleted_first on default: attempt " + attempt +
                       " was deleted or replaced, or stopped elsewhere; it stops without writing"),
            1);
}

TEST_P(MapperErrors, AnAttemptDeletedAfterItsLastChunkIsNotRecordedApplied) {
  mm::Config config = dbs_.config();
  config.record_cache_ttl = std::chrono::hours(1);  // only the final write can notice
  mm::configure(config);
  mm::ProgressListener previous = mm::set_progress_listener([&](const mm::MigrationProgress& p) {
    if (!p.finished && p.rows_done == 20) {
      dbs_.execute("default", "DELETE FROM massmigration_record WHERE key = 'errs:0001_tunable'");
    }
  });
  const std::string attempt = mm::api::initiate_migration(kTunable, "default");
  mm::set_progress_listener(previous);
  EXPECT_EQ(mm::api::get_record(kTunable, "default"), std::nullopt);
  EXPECT_EQ(scalar("SELECT count(*) FROM item WHERE done = 1"), "20");  // chunks committed
  EXPECT_EQ(logged(mm::LogLevel::kWarning, "attempt " + attempt + " was deleted or replaced"), 1);
}

TEST(SqlValueText, SpellsEachKindOfValue) {
  EXPECT_EQ(mm::sql_value_text(nullptr), "NULL");
  EXPECT_EQ(mm::sql_value_text(std::int64_t{-42}), "-42");
  EXPECT_EQ(mm::sql_value_text(4.5), "4.5");
  EXPECT_EQ(mm::sql_value_text(0.1), "0.10000000000000001");  // round-trips exactly
  EXPECT_EQ(mm::sql_value_text(std::string("code-7")), "code-7");
}

INSTANTIATE_TEST_SUITE_P(Engines, MapperErrors, mm::test::kEngines, mm::test::engine_name);

}  // namespace
