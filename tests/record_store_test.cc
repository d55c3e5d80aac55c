// The record store contract and the record APIs, on every engine.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <latch>
#include <thread>

#include "massmigration/massmigration.h"
#include "support/engines.h"
#include "support/record_rows.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::Engine;
using mm::test::kBackfill;
using mm::test::kInitial;

namespace {

mm::MigrationRecord running(const mm::MigrationKey& key) {
  return {.key = key, .attempt_uuid = mm::new_attempt_uuid(), .initiated_at = mm::now_timestamp()};
}

class RecordStore : public ::testing::TestWithParam<Engine> {
 protected:
  mm::test::TestDatabases dbs_{GetParam(), {"default", "shop_db"}};
  std::unique_ptr<mm::RecordStore> store_ = dbs_.open_store("default");
};

TEST_P(RecordStore, NothingRecordedReadsAsNothing) {
  EXPECT_FALSE(store_->is_applied(kInitial));
  EXPECT_EQ(store_->get(kInitial), std::nullopt);
  EXPECT_TRUE(store_->list().records.empty());
}

TEST_P(RecordStore, FirstWriteCreatesTheTable) {
  ASSERT_TRUE(store_->insert_if_absent(running(kInitial)));
  EXPECT_EQ(dbs_.scalar("default", "SELECT key FROM massmigration_record"), "shop:0001_initial");
  EXPECT_EQ(dbs_.scalar("default", "SELECT app_label || '/' || name FROM massmigration_record"),
            "shop/0001_initial");
}

TEST_P(RecordStore, RecordRoundTripsEveryField) {
  mm::MigrationRecord record = running(kInitial);
  record.is_applied = true;
  record.applied_at = record.initiated_at + std::chrono::microseconds(1234567);
  record.was_faked = true;
  record.rows_done = 42;
  record.rows_done_at_start = 40;
  record.rows_total = 5'000'000'000;
  record.checkpoint = "id-0042";
  record.owner = "host shop-1 pid 4242";
  ASSERT_TRUE(store_->insert_if_absent(record));
  // Applied and errored at once is not a valid record: the error goes on another one.
  mm::MigrationRecord errored = running(kBackfill);
  errored.has_error = true;
  errored.last_error = "std::runtime_error: it's \"quoted\"\nand ünïcode";
  ASSERT_TRUE(store_->insert_if_absent(errored));
  EXPECT_EQ(store_->get(kInitial), record);
  EXPECT_EQ(store_->get(kBackfill), errored);
  EXPECT_EQ(store_->list().records, (std::vector<mm::MigrationRecord>{record, errored}));
  EXPECT_TRUE(store_->list().invalid.empty());
  EXPECT_EQ(dbs_.open_store("default")->get(kInitial), record);  // another connection
}

TEST_P(RecordStore, InsertIfAbsentCreatesOnce) {
  mm::MigrationRecord first = running(kInitial);
  EXPECT_TRUE(store_->insert_if_absent(first));
  EXPECT_FALSE(store_->insert_if_absent(running(kInitial)));
  EXPECT_EQ(store_->get(kInitial)->attempt_uuid, first.attempt_uuid);
}

TEST_P(RecordStore, ReplaceIfComparesAttemptAndStatus) {
  mm::MigrationRecord record = running(kInitial);
  ASSERT_TRUE(store_->insert_if_absent(record));
  mm::MigrationRecord finished = record;
  finished.is_applied = true;
  finished.applied_at = mm::now_timestamp();
  EXPECT_FALSE(store_->replace_if(finished, "some-other-attempt", mm::MigrationStatus::kRunning));
  EXPECT_FALSE(store_->replace_if(finished, record.attempt_uuid, mm::MigrationStatus::kErrored));
  EXPECT_FALSE(store_->get(kInitial)->is_applied);
  EXPECT_TRUE(store_->replace_if(finished, record.attempt_uuid, mm::MigrationStatus::kRunning));
  EXPECT_EQ(store_->get(kInitial)->status(), mm::MigrationStatus::kApplied);
  EXPECT_TRUE(store_->is_applied(kInitial));
  // Applied now: a second finish of the same attempt finds the status changed.
  EXPECT_FALSE(store_->replace_if(finished, record.attempt_uuid, mm::MigrationStatus::kRunning));
}

TEST_P(RecordStore, HeartbeatsAreWrittenByTheDatabasesClockForTheRunningAttemptOnly) {
  mm::MigrationRecord record = running(kInitial);
  ASSERT_TRUE(store_->insert_if_absent(record));
  const mm::MigrationRecord started = *store_->get(kInitial);
  ASSERT_TRUE(started.heartbeat_at);  // the start is the first heartbeat
  ASSERT_TRUE(started.read_at);
  EXPECT_GE(*started.read_at, *started.heartbeat_at);
  EXPECT_FALSE(started.is_stalled(std::chrono::seconds(30)));
  EXPECT_TRUE(store_->heartbeat(kInitial, record.attempt_uuid));
  EXPECT_GE(store_->get(kInitial)->heartbeat_at, started.heartbeat_at);
  EXPECT_FALSE(store_->heartbeat(kInitial, "another-attempt"));
  EXPECT_FALSE(store_->heartbeat(kBackfill, record.attempt_uuid));  // no record
  // A finished run keeps its last heartbeat, and takes none after.
  mm::MigrationRecord finished = *store_->get(kInitial);
  finished.is_applied = true;
  finished.applied_at = mm::now_timestamp();
  ASSERT_TRUE(store_->replace_if(finished, record.attempt_uuid, mm::MigrationStatus::kRunning));
  EXPECT_EQ(store_->get(kInitial), finished);
  EXPECT_FALSE(store_->heartbeat(kInitial, record.attempt_uuid));
  EXPECT_FALSE(store_->get(kInitial)->is_stalled(std::chrono::milliseconds(1)));
}

TEST_P(RecordStore, AnAttemptsStartIsWrittenByTheDatabasesClockWhenItBegins) {
  mm::MigrationRecord record = running(kInitial);
  record.initiated_at = mm::Timestamp{};  // a launching host whose clock is far off
  ASSERT_TRUE(store_->insert_if_absent(record));
  const mm::MigrationRecord started = *store_->get(kInitial);
  ASSERT_TRUE(started.attempt_started_at);
  EXPECT_LE(*started.attempt_started_at, *started.heartbeat_at);
  EXPECT_LE(*started.attempt_started_at, *started.read_at);
  EXPECT_GT(*started.attempt_started_at, record.initiated_at + std::chrono::hours(24 * 365));
  // The same attempt's later writes keep it.
  mm::MigrationRecord progressed = started;
  progressed.rows_total = 10;
  ASSERT_TRUE(store_->replace_if(progressed, record.attempt_uuid, mm::MigrationStatus::kRunning));
  EXPECT_EQ(store_->get(kInitial)->attempt_started_at, started.attempt_started_at);
  // A new attempt (a resume) starts anew.
  mm::MigrationRecord resumed = progressed;
  resumed.attempt_uuid = mm::new_attempt_uuid();
  ASSERT_TRUE(store_->replace_if(resumed, record.attempt_uuid, mm::MigrationStatus::kRunning));
  const mm::MigrationRecord again = *store_->get(kInitial);
  ASSERT_TRUE(again.attempt_started_at);
  EXPECT_GE(*again.attempt_started_at, *started.attempt_started_at);
  EXPECT_LE(*again.attempt_started_at, *again.heartbeat_at);
}

TEST_P(RecordStore, ATableFromBeforeRunControlGainsItsColumnsOnTheFirstRead) {
  mm::test::create_unchecked_record_table(dbs_, "default");
  mm::test::insert_record_row(
      dbs_, "default", kInitial,
      {{"is_applied", mm::test::sql_bool(GetParam(), false)}, {"applied_at", "NULL"}});
  std::optional<mm::MigrationRecord> old = store_->get(kInitial);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->owner, "");
  EXPECT_EQ(old->heartbeat_at, std::nullopt);
  // Started 2026-11-29 by a program that wrote no heartbeat: judged by its start.
  EXPECT_EQ(old->shown_status(std::chrono::seconds(30)), mm::MigrationStatus::kStalled);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM massmigration_record WHERE owner = ''"),
            "1");
  EXPECT_TRUE(store_->heartbeat(kInitial, "attempt-1"));
  EXPECT_EQ(store_->get(kInitial)->shown_status(std::chrono::seconds(30)),
            mm::MigrationStatus::kRunning);
  // Run control's columns came too; the audit trail starts empty.
  EXPECT_EQ(old->run_status, mm::MigrationStatus::kRunning);
  EXPECT_EQ(old->tuning, mm::RunTuning{});
  EXPECT_TRUE(store_->events(kInitial).empty());
  EXPECT_TRUE(store_->control_run(kInitial, "attempt-1", mm::MigrationStatus::kRunning,
                                  mm::MigrationStatus::kPausing, {.chunk_size = 5}));
  EXPECT_EQ(store_->get(kInitial)->status(), mm::MigrationStatus::kPausing);
  EXPECT_EQ(store_->get(kInitial)->tuning.chunk_size, 5);
}

TEST_P(RecordStore, RunControlWritesOnlyTheStatusAndTuningOfTheExpectedAttemptAndStatus) {
  mm::MigrationRecord record = running(kInitial);
  record.rows_done = 40;
  record.checkpoint = "40";
  ASSERT_TRUE(store_->insert_if_absent(record));
  EXPECT_FALSE(store_->control_run(kInitial, "another-attempt", mm::MigrationStatus::kRunning,
                                   mm::MigrationStatus::kPausing, {}));
  EXPECT_FALSE(store_->control_run(kInitial, record.attempt_uuid, mm::MigrationStatus::kPaused,
                                   mm::MigrationStatus::kCancelled, {}));
  EXPECT_EQ(store_->get(kInitial)->status(), mm::MigrationStatus::kRunning);
  ASSERT_TRUE(store_->control_run(kInitial, record.attempt_uuid, mm::MigrationStatus::kRunning,
                                  mm::MigrationStatus::kPausing, {.pause_ms = 0}));
  mm::MigrationRecord pausing = *store_->get(kInitial);
  EXPECT_EQ(pausing.status(), mm::MigrationStatus::kPausing);
  EXPECT_EQ(pausing.rows_done, 40);
  EXPECT_EQ(pausing.checkpoint, "40");
  EXPECT_EQ(pausing.tuning, (mm::RunTuning{.pause_ms = 0}));
  // The run's own write (its count, say) expects RUNNING: it matches, and keeps the request.
  mm::MigrationRecord counted = record;
  counted.rows_total = 100;
  EXPECT_TRUE(store_->replace_if(counted, record.attempt_uuid, mm::MigrationStatus::kRunning));
  EXPECT_EQ(store_->get(kInitial)->status(), mm::MigrationStatus::kPausing);
  EXPECT_EQ(store_->get(kInitial)->rows_total, 100);
  // Applying it ends the request: an applied record stores no run status.
  mm::MigrationRecord applied = counted;
  applied.is_applied = true;
  applied.applied_at = mm::now_timestamp();
  EXPECT_TRUE(store_->replace_if(applied, record.attempt_uuid, mm::MigrationStatus::kRunning));
  EXPECT_EQ(store_->get(kInitial)->status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(store_->get(kInitial)->run_status, mm::MigrationStatus::kRunning);
  EXPECT_FALSE(store_->control_run(kInitial, record.attempt_uuid, mm::MigrationStatus::kRunning,
                                   mm::MigrationStatus::kPausing, {}));
}

TEST_P(RecordStore, TheAuditTrailKeepsEventsInOrderByTheDatabasesClock) {
  const mm::Timestamp before = mm::now_timestamp();
  store_->record_event({.key = kInitial,
                        .alias = "default",
                        .attempt_uuid = "a-1",
                        .action = "launch",
                        .actor = "host h pid 1"});
  store_->record_event({.key = kBackfill, .alias = "default", .action = "fake", .actor = "me"});
  store_->record_event({.key = kInitial,
                        .alias = "default",
                        .attempt_uuid = "a-1",
                        .action = "fail",
                        .actor = "host h pid 1",
                        .detail = "E: \"quoted\"\n"});
  const std::vector<mm::MigrationEvent> events = store_->events(kInitial);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "launch");
  EXPECT_EQ(events[0].attempt_uuid, "a-1");
  EXPECT_EQ(events[1].action, "fail");
  EXPECT_EQ(events[1].detail, "E: \"quoted\"\n");
  EXPECT_EQ(events[1].actor, "host h pid 1");
  // By the database's clock, which this test's clock is near enough to.
  EXPECT_GE(events[0].at, before - std::chrono::seconds(5));
  EXPECT_LE(events[0].at, events[1].at);
  EXPECT_EQ(dbs_.open_store("default")->events(kBackfill).at(0).actor, "me");
}

TEST_P(RecordStore, RemoveDeletesAndReportsWhetherThereWasARecord) {
  ASSERT_TRUE(store_->insert_if_absent(running(kInitial)));
  EXPECT_TRUE(store_->remove(kInitial));
  EXPECT_FALSE(store_->remove(kInitial));
  EXPECT_EQ(store_->get(kInitial), std::nullopt);
}

TEST_P(RecordStore, SixteenThreadsRacingToStartCreateOneRecord) {
  constexpr int kThreads = 16;
  std::latch go(kThreads);
  std::atomic<int> winners{0};
  std::vector<std::string> uuids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto store = dbs_.open_store("default");  // a connection per thread
      mm::MigrationRecord record = running(kInitial);
      uuids[t] = record.attempt_uuid;
      go.arrive_and_wait();
      if (store->insert_if_absent(record)) ++winners;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  std::string stored = store_->get(kInitial)->attempt_uuid;
  EXPECT_EQ(std::count(uuids.begin(), uuids.end(), stored), 1);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM massmigration_record"), "1");
}

TEST_P(RecordStore, AnUnreachableDatabaseIsAnErrorNamingTheAlias) {
  mm::Config config = dbs_.config();
  config.databases["default"] = dbs_.unreachable_url();
  mm::configure(config);
  try {
    mm::api::fake_migration(kInitial, "default");
    FAIL();
  } catch (const mm::RecordStoreError& e) {
    EXPECT_EQ(e.alias(), "default");
    EXPECT_FALSE(e.detail().empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, RecordStore, mm::test::kEngines, mm::test::engine_name);

TEST(AttemptUuid, AForkedChildDoesNotRepeatItsParent) {
  std::string parent_first = mm::new_attempt_uuid();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string uuid = mm::new_attempt_uuid();
    ssize_t written = write(fds[1], uuid.data(), uuid.size());
    _exit(written == static_cast<ssize_t>(uuid.size()) ? 0 : 1);
  }
  close(fds[1]);
  char buffer[64];
  ssize_t n = read(fds[0], buffer, sizeof buffer);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(n, 36);
  std::string child(buffer, n);
  std::string parent_next = mm::new_attempt_uuid();
  EXPECT_NE(child, parent_next);
  EXPECT_NE(child, parent_first);
}

class RecordApi : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override { mm::configure(dbs_.config()); }
  mm::test::TestDatabases dbs_{GetParam(), {"default", "shop_db"}};
};

TEST_P(RecordApi, FakeMarksAppliedAndFaked) {
  EXPECT_EQ(mm::api::get_record(kInitial, "shop_db"), std::nullopt);
  mm::api::fake_migration(kInitial, "shop_db");
  std::optional<mm::MigrationRecord> record = mm::api::get_record(kInitial, "shop_db");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status(), mm::MigrationStatus::kApplied);
  EXPECT_TRUE(record->was_faked);
  EXPECT_TRUE(record->applied_at.has_value());
  EXPECT_EQ(record->attempt_uuid.size(), 36u);
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), std::nullopt);
}

TEST_P(RecordApi, DeleteAllowsARerunAndReportsWhetherThereWasOne) {
  mm::api::fake_migration(kInitial, "default");
  EXPECT_TRUE(mm::api::delete_record(kInitial, "default"));
  EXPECT_FALSE(mm::api::delete_record(kInitial, "default"));
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), std::nullopt);
}

TEST_P(RecordApi, BadInputIsRejectedAndChangesNothing) {
  EXPECT_THROW(mm::api::fake_migration("shop:0042_nope", "default"), mm::UnknownMigration);
  EXPECT_THROW(mm::api::fake_migration(kInitial, "nowhere"), mm::UnknownDatabaseAlias);
  EXPECT_THROW(mm::api::get_record(kInitial, "nowhere"), mm::UnknownDatabaseAlias);
  EXPECT_THROW(mm::api::delete_record("shop:0042_nope", "default"), mm::UnknownMigration);
  mm::configure(dbs_.config({{"shop", "shop_db"}}));
  try {
    mm::api::fake_migration(kInitial, "default");
    FAIL();
  } catch (const mm::CannotRunOnDB& e) {
    EXPECT_EQ(e.alias(), "default");
    EXPECT_EQ(e.allowed(), std::vector<std::string>{"shop_db"});
  }
  EXPECT_TRUE(mm::api::get_record(kInitial, "default") == std::nullopt);
  EXPECT_NE(dbs_.scalar("default", "SELECT count(*) FROM massmigration_record").find("<error"),
            std::string::npos);  // no table: nothing was ever written
}

INSTANTIATE_TEST_SUITE_P(Engines, RecordApi, mm::test::kEngines, mm::test::engine_name);

}  // namespace
