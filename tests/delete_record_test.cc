// Deleting a record whose run may still go on: refused without force (a fresh run would redo
// the work the first is still doing), with a message that says whose attempt it is and to wait
// or resume, never to delete.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "massmigration/massmigration.h"
#include "support/engines.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::Engine;
using mm::test::kInitial;

namespace {

constexpr char kStarted[] = "2026-11-29T22:00:00.123456Z";

// What every refusal of this RUNNING record says about it.
const std::string kRunningHint =
    "it is running: attempt attempt-1, started 2026-11-29T22:00:00.123456Z by a process this "
    "record does not name (records keep no owner yet); wait for it to finish, or if its "
    "process died, resume it (resume shop:0001_initial --database default)";

class DeleteRecord : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    mm::Config config = dbs_.config();
    config.default_backend = "inline";
    mm::configure(config);
  }
  // A RUNNING record, as a launch in another process leaves it while its run goes on.
  mm::MigrationRecord put_running() {
    mm::MigrationRecord running{.key = kInitial,
                                .attempt_uuid = "attempt-1",
                                .initiated_at = *mm::parse_timestamp(kStarted)};
    EXPECT_TRUE(dbs_.open_store("default")->insert_if_absent(running));
    return running;
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default", "shop_db"}};
};

TEST_P(DeleteRecord, ARunningRecordIsRefusedAndKept) {
  const mm::MigrationRecord running = put_running();
  try {
    mm::api::delete_record(kInitial, "default");
    FAIL() << "a RUNNING record was deleted";
  } catch (const mm::MigrationIsRunning& e) {
    EXPECT_EQ(std::string(e.what()),
              "the record of migration shop:0001_initial on default was kept: " + kRunningHint);
    EXPECT_EQ(e.key(), kInitial);
    EXPECT_EQ(e.alias(), "default");
    EXPECT_EQ(e.attempt_uuid(), "attempt-1");
  }
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), running);
  // The explicit spelling of the same, safe, form.
  EXPECT_THROW(mm::api::delete_record(kInitial, "default", {.force = false}),
               mm::MigrationIsRunning);
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), running);
}

TEST_P(DeleteRecord, ForceDeletesARunningRecordAndSaysSo) {
  put_running();
  std::vector<std::string> warnings;
  mm::LogSink previous = mm::set_log_sink([&](mm::LogLevel level, std::string_view message) {
    if (level == mm::LogLevel::kWarning) warnings.emplace_back(message);
  });
  const bool removed = mm::api::delete_record(kInitial, "default", {.force = true});
  mm::set_log_sink(previous);
  EXPECT_TRUE(removed);
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), std::nullopt);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "forced delete of the record of migration shop:0001_initial on default, which a "
            "plain delete refuses (" +
                kRunningHint + "); if that run still goes on, a fresh run redoes its work");
}

TEST_P(DeleteRecord, FinishedRecordsAreDeletedWithoutForce) {
  mm::api::fake_migration(kInitial, "default");
  EXPECT_TRUE(mm::api::delete_record(kInitial, "default"));
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), std::nullopt);
  EXPECT_FALSE(mm::api::delete_record(kInitial, "default"));
}

TEST_P(DeleteRecord, RemoveIfDeletesOnlyTheAttemptAndStatusItWasToldOf) {
  const mm::MigrationRecord running = put_running();
  std::unique_ptr<mm::RecordStore> store = dbs_.open_store("default");
  // A record restarted (another attempt) or finished since it was read is not deleted.
  EXPECT_FALSE(store->remove_if(running.key, "attempt-0", mm::MigrationStatus::kRunning));
  EXPECT_FALSE(store->remove_if(running.key, "attempt-1", mm::MigrationStatus::kErrored));
  EXPECT_EQ(store->get(running.key), running);
  EXPECT_TRUE(store->remove_if(running.key, "attempt-1", mm::MigrationStatus::kRunning));
  EXPECT_EQ(store->get(running.key), std::nullopt);
}

TEST_P(DeleteRecord, ALaunchThatFindsItRunningIsToldToWaitOrResumeNeverToDelete) {
  put_running();
  try {
    mm::api::initiate_migration(kInitial, "default");
    FAIL() << "launched twice";
  } catch (const mm::MigrationAlreadyStarted& e) {
    EXPECT_EQ(std::string(e.what()),
              "migration shop:0001_initial was already started on default: " + kRunningHint);
  }
  try {
    mm::api::fake_migration(kInitial, "default");
    FAIL() << "faked while running";
  } catch (const mm::MigrationAlreadyStarted& e) {
    EXPECT_EQ(std::string(e.what()).find("delete"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(kRunningHint), std::string::npos) << e.what();
  }
}

TEST_P(DeleteRecord, ResumeRunsASimpleMigrationWhoseProcessDiedAgain) {
  put_running();
  const std::string attempt = mm::api::resume_migration(kInitial, "default");
  std::optional<mm::MigrationRecord> record = mm::api::get_record(kInitial, "default");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(record->attempt_uuid, attempt);
  EXPECT_NE(attempt, "attempt-1");
}

INSTANTIATE_TEST_SUITE_P(Engines, DeleteRecord, mm::test::kEngines, mm::test::engine_name);

}  // namespace
