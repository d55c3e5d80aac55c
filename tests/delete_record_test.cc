// Deleting a record whose run may still go on: refused without force (a fresh run would redo
// the work the first is still doing), with a message that says whose attempt it is and to wait
// or resume, never to delete.
#include <gtest/gtest.h>

#include <regex>
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
constexpr char kOwner[] = "host shop-1 pid 4242";

// What every refusal of this RUNNING record says about it: whose attempt it is, when it was
// last seen by the database's clock, and to wait.
const std::string kRunningHint =
    "it is running: attempt attempt-1, started 2026-11-29T22:00:00\\.123456Z by host shop-1 pid "
    "4242, last seen [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z \\([0-9.hms]+ ago\\); wait for it to "
    "finish \\(a run not seen for the 30s lease shows STALLED, and may then be resumed\\)";

// The whole of `text` matches `pattern` (ECMAScript), or says why not.
::testing::AssertionResult Matches(const std::string& text, const std::string& pattern) {
  if (std::regex_match(text, std::regex(pattern))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << text << "\"\n  does not match\n\"" << pattern << "\"";
}

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
                                .initiated_at = *mm::parse_timestamp(kStarted),
                                .owner = kOwner};
    std::unique_ptr<mm::RecordStore> store = dbs_.open_store("default");
    EXPECT_TRUE(store->insert_if_absent(running));
    return *store->get(kInitial);  // with the heartbeat the database wrote
  }
  // The same, as its run leaves it when its process died long ago.
  mm::MigrationRecord put_stalled() {
    put_running();
    dbs_.execute("default",
                 "UPDATE massmigration_record SET heartbeat_at = '2026-11-29T22:00:05.000000Z'");
    return *dbs_.open_store("default")->get(kInitial);
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default", "shop_db"}};
};

TEST_P(DeleteRecord, ARunningRecordIsRefusedAndKept) {
  const mm::MigrationRecord running = put_running();
  try {
    mm::api::delete_record(kInitial, "default");
    FAIL() << "a RUNNING record was deleted";
  } catch (const mm::MigrationIsRunning& e) {
    EXPECT_TRUE(Matches(e.what(),
                        "the record of migration shop:0001_initial on default "
                        "was kept: " +
                            kRunningHint));
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
  EXPECT_TRUE(Matches(warnings[0],
                      "forced delete of the record of migration shop:0001_initial on "
                      "default, which a plain delete refuses \\(" +
                          kRunningHint +
                          "\\); if that run still goes on, a fresh run redoes its work"));
}

TEST_P(DeleteRecord, AStalledRecordIsRefusedToo) {
  const mm::MigrationRecord stalled = put_stalled();
  try {
    mm::api::delete_record(kInitial, "default");
    FAIL() << "a STALLED record was deleted";
  } catch (const mm::MigrationIsRunning& e) {
    EXPECT_TRUE(Matches(e.what(),
                        "the record of migration shop:0001_initial on default was kept: it "
                        "stalled: attempt attempt-1 by host shop-1 pid 4242 was last seen "
                        "2026-11-29T22:00:05.000000Z \\([0-9.hms]+ ago\\), longer ago than "
                        "the 30s lease, so its process died or hangs; resume it \\(resume "
                        "shop:0001_initial --database default\\)"));
  }
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), stalled);
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
    EXPECT_TRUE(Matches(e.what(),
                        "migration shop:0001_initial was already started on "
                        "default: " +
                            kRunningHint));
  }
  try {
    mm::api::fake_migration(kInitial, "default");
    FAIL() << "faked while running";
  } catch (const mm::MigrationAlreadyStarted& e) {
    EXPECT_EQ(std::string(e.what()).find("delete"), std::string::npos) << e.what();
    EXPECT_TRUE(std::regex_search(std::string(e.what()), std::regex(kRunningHint))) << e.what();
  }
}

TEST_P(DeleteRecord, ResumeRefusesARunThatIsAliveNamingItsOwner) {
  const mm::MigrationRecord running = put_running();
  EXPECT_EQ(mm::api::migration_status(kInitial, "default"), mm::MigrationStatus::kRunning);
  try {
    mm::api::resume_migration(kInitial, "default");
    FAIL() << "resumed a live run";
  } catch (const mm::MigrationAlreadyStarted& e) {
    EXPECT_TRUE(Matches(e.what(),
                        "migration shop:0001_initial was already started on "
                        "default: " +
                            kRunningHint));
  }
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), running);
}

TEST_P(DeleteRecord, ResumeRunsASimpleMigrationWhoseProcessDiedAgain) {
  put_stalled();
  EXPECT_EQ(mm::api::migration_status(kInitial, "default"), mm::MigrationStatus::kStalled);
  EXPECT_FALSE(mm::api::migration_is_in_progress(kInitial, "default"));
  const std::string attempt = mm::api::resume_migration(kInitial, "default");
  std::optional<mm::MigrationRecord> record = mm::api::get_record(kInitial, "default");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(record->attempt_uuid, attempt);
  EXPECT_NE(attempt, "attempt-1");
  EXPECT_EQ(record->owner, mm::this_process_owner());  // the resumer owns it now
}

INSTANTIATE_TEST_SUITE_P(Engines, DeleteRecord, mm::test::kEngines, mm::test::engine_name);

}  // namespace
