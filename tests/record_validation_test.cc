// Rows of massmigration_record that no massmigration write leaves behind, put there by hand on
// a table without the CHECK constraints (as older versions created it): reading refuses them,
// naming the row and what is wrong, guards refuse, and one foreign row affects nothing else.
// Tables massmigration creates now refuse such rows outright.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/engines.h"
#include "support/record_rows.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::Engine;
using mm::test::kBackfill;
using mm::test::kInitial;
using mm::test::sql_bool;

namespace {

struct BadRow {
  std::map<std::string, std::string> columns;  // over an applied record of kInitial
  std::string problem;
};

// Every engine's bad rows; SQLite, which keeps any value in any column, has more.
std::vector<BadRow> bad_rows(Engine engine) {
  const std::string yes = sql_bool(engine, true);
  const std::string no = sql_bool(engine, false);
  std::vector<BadRow> rows = {
      {{{"has_error", yes}, {"last_error", "'boom'"}},
       "is_applied and has_error are both 1 (applied and failed at once)"},
      {{{"rows_done", "499"}, {"rows_total", "100"}}, "rows_done (499) exceeds rows_total (100)"},
      {{{"rows_done", "-1"}}, "rows_done is negative (-1)"},
      {{{"is_applied", no}, {"applied_at", "NULL"}, {"was_faked", yes}},
       "was_faked is 1 but is_applied is 0"},
      {{{"applied_at", "NULL"}}, "is_applied is 1 but applied_at is NULL"},
      {{{"attempt_uuid", "''"}}, "attempt_uuid is empty"},
      {{{"app_label", "'blog'"}},
       "app_label \"blog\" and name \"0001_initial\" do not match the key"},
  };
  const std::string not_a_time = ", not a time such as 2026-11-21T23:59:00.123456Z";
  if (engine == Engine::kSqlite) {
    rows.push_back({{{"is_applied", "7"}}, "is_applied holds \"7\", not 0 or 1"});
    rows.push_back(
        {{{"initiated_at", "'yesterday'"}}, "initiated_at holds \"yesterday\"" + not_a_time});
    rows.push_back({{{"rows_done", "'many'"}}, "rows_done holds \"many\", not a whole number"});
    // An empty blob reads as empty text, and a table created now refuses it too.
    rows.push_back({{{"attempt_uuid", "X''"}}, "attempt_uuid is empty"});
  } else {
    rows.push_back(
        {{{"initiated_at", "'infinity'"}}, "initiated_at holds \"infinity\"" + not_a_time});
  }
  // Last: the first read added the column to this table, which came without it.
  rows.push_back({{{"rows_done", "5"}, {"rows_done_at_start", "7"}},
                  "rows_done_at_start (7) exceeds rows_done (5)"});
  return rows;
}

int calls = 0;
int guarded_call() { return ++calls; }

class RecordValidation : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override { mm::configure(dbs_.config()); }

  mm::test::TestDatabases dbs_{GetParam(), {"default", "shop_db"}};
};

TEST_P(RecordValidation, AnInvalidRowIsReadAsAnErrorNamingTheRowAndWhatIsWrong) {
  mm::test::create_unchecked_record_table(dbs_, "default");
  for (const BadRow& bad : bad_rows(GetParam())) {
    SCOPED_TRACE(bad.problem);
    mm::test::insert_record_row(dbs_, "default", kInitial, bad.columns);
    const std::string message =
        "record store for database default: the massmigration_record row with key "
        "\"shop:0001_initial\" is invalid: " +
        bad.problem;
    try {
      mm::api::get_record(kInitial, "default");
      ADD_FAILURE() << "read an invalid row as a record";
    } catch (const mm::InvalidRecord& e) {
      EXPECT_EQ(std::string(e.what()), message);
      EXPECT_EQ(e.alias(), "default");
      EXPECT_EQ(e.stored_key(), kInitial);
      EXPECT_EQ(e.problem(), bad.problem);
    }
    // The guards' point read never takes it for applied.
    EXPECT_THROW(mm::migration_is_applied(kInitial, "default"), mm::RecordStoreError);
    {
      mm::testing::ScopedEnforcement enforce;
      calls = 0;
      auto guarded = mm::requires_migration(kInitial, {.db_aliases = {"default"}})(guarded_call);
      try {
        guarded();
        ADD_FAILURE() << "the guard let an invalid row through";
      } catch (const mm::RequiredMigrationNotApplied& e) {
        EXPECT_EQ(e.missing_aliases(), std::vector<std::string>{"default"});
        EXPECT_NE(e.cause().find(message), std::string::npos) << e.cause();
      }
      EXPECT_EQ(calls, 0);
    }
    // Nothing deletes it by accident; force does.
    EXPECT_THROW(mm::api::delete_record(kInitial, "default"), mm::InvalidRecord);
    EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM massmigration_record"), "1");
    EXPECT_TRUE(mm::api::delete_record(kInitial, "default", {.force = true}));
  }
}

TEST_P(RecordValidation, AForeignRowIsListedApartAndAffectsNothingElse) {
  mm::test::create_unchecked_record_table(dbs_, "default");
  mm::test::insert_record_row(dbs_, "default", "legacy-key");
  mm::test::insert_record_row(dbs_, "default", kInitial);
  mm::RecordListing listing = dbs_.open_store("default")->list();
  ASSERT_EQ(listing.records.size(), 1u);
  EXPECT_EQ(listing.records[0].key, kInitial);
  EXPECT_EQ(listing.records[0].status(), mm::MigrationStatus::kApplied);
  ASSERT_EQ(listing.invalid.size(), 1u);
  EXPECT_EQ(listing.invalid[0].stored_key(), "legacy-key");
  EXPECT_EQ(listing.invalid[0].problem().rfind("the key is not a migration key (", 0), 0u)
      << listing.invalid[0].problem();
  EXPECT_TRUE(mm::migration_is_applied(kInitial, "default"));
  // The old table, without constraints, takes new records as before.
  mm::api::fake_migration(kBackfill, "default");
  EXPECT_EQ(mm::api::get_record(kBackfill, "default")->status(), mm::MigrationStatus::kApplied);
}

// Odd but valid attempts (text that starts with a NUL, digits stored as an integer, a blob)
// read the same through the guards' narrower read as through the whole one.
TEST(GuardRead, AcceptsWhatTheWholeReadAccepts) {
  mm::test::TestDatabases dbs{Engine::kSqlite, {"default", "shop_db"}};
  mm::configure(dbs.config());
  mm::test::create_unchecked_record_table(dbs, "default");
  for (const char* attempt : {"CAST(X'0041' AS TEXT)", "12345", "X'41'"}) {
    SCOPED_TRACE(attempt);
    mm::test::insert_record_row(dbs, "default", kInitial, {{"attempt_uuid", attempt}});
    ASSERT_TRUE(mm::api::get_record(kInitial, "default").has_value());
    mm::reset_guard_cache();
    EXPECT_TRUE(mm::migration_is_applied(kInitial, "default"));
    dbs.execute("default", "DELETE FROM massmigration_record");
  }
}

TEST_P(RecordValidation, TablesCreatedNowRefuseInvalidRows) {
  mm::api::fake_migration(kBackfill, "default");  // the store creates its table
  std::vector<BadRow> rows = bad_rows(GetParam());
  rows.push_back({{{"key", "'legacy-key'"}}, "a key that is not a migration key"});
  for (const BadRow& bad : rows) {
    SCOPED_TRACE(bad.problem);
    EXPECT_ANY_THROW(mm::test::insert_record_row(dbs_, "default", kInitial, bad.columns));
    EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM massmigration_record"), "1");
  }
  mm::test::insert_record_row(dbs_, "default", kInitial);  // a valid row still fits
  EXPECT_TRUE(mm::migration_is_applied(kInitial, "default"));
}

TEST_P(RecordValidation, RowsArrivingAfterTheCountRaiseTheTotalWithTheRowsDone) {
  // A mapper counted 10 rows; 15 were there by the time its chunk ran.
  mm::MigrationRecord running{.key = kInitial,
                              .attempt_uuid = "attempt-1",
                              .initiated_at = mm::now_timestamp(),
                              .rows_total = 10};
  ASSERT_TRUE(dbs_.open_store("default")->insert_if_absent(running));
  std::unique_ptr<mm::RunSession> session = dbs_.open_session("default");
  ASSERT_TRUE(session->advance_record(kInitial, "attempt-1", 15,
                                      [](const std::optional<std::string>&) { return "15"; }));
  session->commit();
  std::optional<mm::MigrationRecord> record = mm::api::get_record(kInitial, "default");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->rows_done, 15);
  EXPECT_EQ(record->rows_total, 15);
}

// A running record's row, as every store writes it.
mm::StoredRecordRow running_row() {
  return {.key = kInitial,
          .app_label = "shop",
          .name = "0001_initial",
          .attempt_uuid = "attempt-1",
          .initiated_at = "2026-11-29T22:00:00.123456Z",
          .is_applied = "0",
          .has_error = "0",
          .last_error = "",
          .was_faked = "0",
          .rows_done = "0",
          .owner = ""};
}

// What read_stored_record refuses in `row`.
std::string problem(const mm::StoredRecordRow& row) {
  try {
    mm::read_stored_record(row, "default");
    return "read as a record";
  } catch (const mm::InvalidRecord& e) {
    return e.problem();
  }
}

TEST(StoredRecordRow, RunControlColumnsAreReadOnlyWhenTheyMakeSense) {
  mm::StoredRecordRow running = running_row();
  running.run_status = "paused";
  running.tuned_chunk_size = "10";
  running.tuned_pause_ms = "0";
  const mm::MigrationRecord paused = mm::read_stored_record(running, "default");
  EXPECT_EQ(paused.status(), mm::MigrationStatus::kPaused);
  EXPECT_EQ(paused.tuning, (mm::RunTuning{.chunk_size = 10, .pause_ms = 0}));
  mm::StoredRecordRow row = running;
  row.run_status = "sleeping";
  EXPECT_EQ(problem(row),
            "run_status holds \"sleeping\", not running, pausing, paused, cancelling or cancelled");
  row = running;
  row.is_applied = "1";
  row.applied_at = "2026-11-29T22:00:01.000000Z";
  EXPECT_EQ(problem(row), "run_status is \"paused\" in a record that is applied");
  row = running;
  row.tuned_chunk_size = "0";
  EXPECT_EQ(problem(row), "tuned_chunk_size is 0");
  row = running;
  row.tuned_pause_ms = "-5";
  EXPECT_EQ(problem(row), "tuned_pause_ms is negative (-5)");
}

TEST(StoredRecordRow, ACountIsDecimalDigitsAndNothingElse) {
  mm::StoredRecordRow row = running_row();
  for (const char* count : {"12", "0", "9223372036854775807"}) {
    row.rows_done = count;
    EXPECT_EQ(std::to_string(mm::read_stored_record(row, "default").rows_done), count);
  }
  // What a store never writes, whatever a number parser might make of it.
  for (const char* text :
       {"+5", "\t5", "5\n", " 5", "5 ", "0x10", "1e3", "5.0", "", "9223372036854775808"}) {
    row.rows_done = text;
    EXPECT_EQ(problem(row),
              "rows_done holds \"" + absl::CHexEscape(text) + "\", not a whole number");
  }
}

TEST(StoredRecordRow, AnAttemptStartsAtOrBelowTheRowsDone) {
  mm::StoredRecordRow row = running_row();
  row.rows_done = "5";
  row.rows_done_at_start = "5";
  EXPECT_EQ(mm::read_stored_record(row, "default").rows_done_at_start, 5);
  row.rows_done_at_start.reset();  // a table from before attempts kept it
  EXPECT_EQ(mm::read_stored_record(row, "default").rows_done_at_start, 0);
  row.rows_done_at_start = "7";
  EXPECT_EQ(problem(row), "rows_done_at_start (7) exceeds rows_done (5)");
  row.rows_done_at_start = "-1";
  EXPECT_EQ(problem(row), "rows_done_at_start is negative (-1)");
}

// The estimate showmigrations prints (ETA) and writes (eta_seconds).
TEST(MigrationRecordTimeLeft, GoesOnAtTheRateOfThisAttempt) {
  using namespace std::chrono_literals;
  const mm::Timestamp start = mm::now_timestamp();
  mm::MigrationRecord r{.key = mm::MigrationKey(kInitial), .initiated_at = start};
  r.rows_total = 1000;
  r.rows_done = 100;
  r.heartbeat_at = start + 60s;
  r.read_at = start + 61s;
  EXPECT_EQ(r.time_left(30s), 540s);  // 100 rows a minute, 900 to go
  // Resumed at 500 rows: only this attempt's 100 rows in 10 s count.
  r.rows_done = 600;
  r.rows_done_at_start = 500;
  r.heartbeat_at = start + 10s;
  r.read_at = start + 10s;
  EXPECT_EQ(r.time_left(30s), 40s);
  // Nothing to estimate from, or nothing running.
  mm::MigrationRecord none = r;
  none.rows_done = 500;
  EXPECT_EQ(none.time_left(30s), std::nullopt);  // no row done yet in this attempt
  none = r;
  none.rows_total.reset();
  EXPECT_EQ(none.time_left(30s), std::nullopt);
  none = r;
  none.run_status = mm::MigrationStatus::kPaused;
  EXPECT_EQ(none.time_left(30s), std::nullopt);
  none = r;
  none.read_at = start + 50s;  // silent for 40 s: STALLED
  EXPECT_EQ(none.time_left(30s), std::nullopt);
  // The launching host's clock an hour off: the start the database wrote counts.
  mm::MigrationRecord skewed = r;
  skewed.initiated_at = start - std::chrono::hours(1);
  skewed.attempt_started_at = start;
  EXPECT_EQ(skewed.time_left(30s), 40s);
  mm::MigrationRecord pausing = r;
  pausing.run_status = mm::MigrationStatus::kPausing;  // still working on its chunk
  EXPECT_EQ(pausing.time_left(30s), 40s);
}

// Records store times as "2026-11-21T23:59:00.123456Z" and read only that: another spelling
// would make a record invalid, so reading must accept every time a write can produce.
TEST(RecordTimes, ReadBackExactlyAsWrittenAndNothingElse) {
  using std::chrono::sys_days;
  using namespace std::chrono_literals;
  using std::chrono::year;
  const std::vector<mm::Timestamp> times = {
      mm::Timestamp{},
      sys_days{year{2024} / 2 / 29} + 23h + 59min + 59s + 999999us,
      sys_days{year{1969} / 12 / 31} + 1us,
      sys_days{year{9999} / 12 / 31} + 12h,
      mm::now_timestamp(),
  };
  for (const mm::Timestamp& time : times) {
    const std::string text = mm::format_timestamp(time);
    EXPECT_EQ(mm::parse_timestamp(text), time) << text;
  }
  EXPECT_EQ(mm::format_timestamp(sys_days{year{2026} / 11 / 21} + 23h + 59min + 123456us),
            "2026-11-21T23:59:00.123456Z");
  for (const char* text :
       {"2026-02-29T00:00:00.000000Z", "2026-11-21T24:00:00.000000Z", "2026-11-21T23:60:00.000000Z",
        "2026-13-01T00:00:00.000000Z", "2026-11-21 23:59:00.123456Z", "2026-11-21T23:59:00.12345Z",
        "2026-11-21T23:59:00.123456", "2026-11-21T23:59:00.123456Zx", "+026-11-21T23:59:00.123456Z",
        "2026-1-21T23:59:00.123456Z", ""}) {
    EXPECT_EQ(mm::parse_timestamp(text), std::nullopt) << text;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, RecordValidation, mm::test::kEngines, mm::test::engine_name);

}  // namespace
