// Every (status, event) pair against the record lifecycle table, on a real SQLite store: the
// allowed ones reach the documented status, the forbidden ones are refused and change nothing.
#include "records/transitions.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "massmigration/massmigration.h"
#include "massmigration/sqlite.h"
#include "massmigration/testing.h"
#include "support/engines.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::MigrationStatus;
using mm::internal::RecordEvent;

namespace {

struct Case {
  MigrationStatus from;
  RecordEvent event;
  std::optional<MigrationStatus> expected;  // nullopt: forbidden
};

// Written out here, independently of the table in transitions.h, so that a change to the
// table fails a test until this list agrees: every status a record shows x every event.
const Case kCases[] = {
    {MigrationStatus::kNotRun, RecordEvent::kStart, MigrationStatus::kRunning},
    {MigrationStatus::kNotRun, RecordEvent::kFinish, std::nullopt},
    {MigrationStatus::kNotRun, RecordEvent::kFail, std::nullopt},
    {MigrationStatus::kNotRun, RecordEvent::kFake, MigrationStatus::kApplied},
    {MigrationStatus::kNotRun, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kNotRun, RecordEvent::kProgress, std::nullopt},
    {MigrationStatus::kNotRun, RecordEvent::kResume, std::nullopt},
    {MigrationStatus::kNotRun, RecordEvent::kPause, std::nullopt},
    {MigrationStatus::kNotRun, RecordEvent::kCancel, std::nullopt},
    {MigrationStatus::kNotRun, RecordEvent::kStop, std::nullopt},
    {MigrationStatus::kNotRun, RecordEvent::kTune, std::nullopt},
    {MigrationStatus::kRunning, RecordEvent::kStart, std::nullopt},
    {MigrationStatus::kRunning, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kRunning, RecordEvent::kFail, MigrationStatus::kErrored},
    {MigrationStatus::kRunning, RecordEvent::kFake, std::nullopt},
    {MigrationStatus::kRunning, RecordEvent::kDelete, std::nullopt},
    {MigrationStatus::kRunning, RecordEvent::kProgress, MigrationStatus::kRunning},
    {MigrationStatus::kRunning, RecordEvent::kResume, std::nullopt},
    {MigrationStatus::kRunning, RecordEvent::kPause, MigrationStatus::kPausing},
    {MigrationStatus::kRunning, RecordEvent::kCancel, MigrationStatus::kCancelling},
    {MigrationStatus::kRunning, RecordEvent::kStop, MigrationStatus::kPaused},
    {MigrationStatus::kRunning, RecordEvent::kTune, MigrationStatus::kRunning},
    {MigrationStatus::kStalled, RecordEvent::kStart, std::nullopt},
    {MigrationStatus::kStalled, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kStalled, RecordEvent::kFail, MigrationStatus::kErrored},
    {MigrationStatus::kStalled, RecordEvent::kFake, std::nullopt},
    {MigrationStatus::kStalled, RecordEvent::kDelete, std::nullopt},
    {MigrationStatus::kStalled, RecordEvent::kProgress, MigrationStatus::kRunning},
    {MigrationStatus::kStalled, RecordEvent::kResume, MigrationStatus::kRunning},
    {MigrationStatus::kStalled, RecordEvent::kPause, MigrationStatus::kPaused},
    {MigrationStatus::kStalled, RecordEvent::kCancel, MigrationStatus::kCancelled},
    {MigrationStatus::kStalled, RecordEvent::kStop, MigrationStatus::kPaused},
    {MigrationStatus::kStalled, RecordEvent::kTune, MigrationStatus::kStalled},
    {MigrationStatus::kPausing, RecordEvent::kStart, std::nullopt},
    {MigrationStatus::kPausing, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kPausing, RecordEvent::kFail, MigrationStatus::kErrored},
    {MigrationStatus::kPausing, RecordEvent::kFake, std::nullopt},
    {MigrationStatus::kPausing, RecordEvent::kDelete, std::nullopt},
    {MigrationStatus::kPausing, RecordEvent::kProgress, MigrationStatus::kPaused},
    {MigrationStatus::kPausing, RecordEvent::kResume, std::nullopt},
    {MigrationStatus::kPausing, RecordEvent::kPause, MigrationStatus::kPausing},
    {MigrationStatus::kPausing, RecordEvent::kCancel, MigrationStatus::kCancelling},
    {MigrationStatus::kPausing, RecordEvent::kStop, MigrationStatus::kPaused},
    {MigrationStatus::kPausing, RecordEvent::kTune, MigrationStatus::kPausing},
    {MigrationStatus::kPaused, RecordEvent::kStart, std::nullopt},
    {MigrationStatus::kPaused, RecordEvent::kFinish, std::nullopt},
    {MigrationStatus::kPaused, RecordEvent::kFail, std::nullopt},
    {MigrationStatus::kPaused, RecordEvent::kFake, std::nullopt},
    {MigrationStatus::kPaused, RecordEvent::kDelete, std::nullopt},
    {MigrationStatus::kPaused, RecordEvent::kProgress, std::nullopt},
    {MigrationStatus::kPaused, RecordEvent::kResume, MigrationStatus::kRunning},
    {MigrationStatus::kPaused, RecordEvent::kPause, MigrationStatus::kPaused},
    {MigrationStatus::kPaused, RecordEvent::kCancel, MigrationStatus::kCancelled},
    {MigrationStatus::kPaused, RecordEvent::kStop, std::nullopt},
    {MigrationStatus::kPaused, RecordEvent::kTune, MigrationStatus::kPaused},
    {MigrationStatus::kCancelling, RecordEvent::kStart, std::nullopt},
    {MigrationStatus::kCancelling, RecordEvent::kFinish, MigrationStatus::kApplied},
    {MigrationStatus::kCancelling, RecordEvent::kFail, MigrationStatus::kCancelled},
    {MigrationStatus::kCancelling, RecordEvent::kFake, std::nullopt},
    {MigrationStatus::kCancelling, RecordEvent::kDelete, std::nullopt},
    {MigrationStatus::kCancelling, RecordEvent::kProgress, MigrationStatus::kCancelled},
    {MigrationStatus::kCancelling, RecordEvent::kResume, std::nullopt},
    {MigrationStatus::kCancelling, RecordEvent::kPause, std::nullopt},
    {MigrationStatus::kCancelling, RecordEvent::kCancel, MigrationStatus::kCancelling},
    {MigrationStatus::kCancelling, RecordEvent::kStop, MigrationStatus::kCancelled},
    {MigrationStatus::kCancelling, RecordEvent::kTune, std::nullopt},
    {MigrationStatus::kCancelled, RecordEvent::kStart, std::nullopt},
    {MigrationStatus::kCancelled, RecordEvent::kFinish, std::nullopt},
    {MigrationStatus::kCancelled, RecordEvent::kFail, std::nullopt},
    {MigrationStatus::kCancelled, RecordEvent::kFake, MigrationStatus::kApplied},
    {MigrationStatus::kCancelled, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kCancelled, RecordEvent::kProgress, std::nullopt},
    {MigrationStatus::kCancelled, RecordEvent::kResume, std::nullopt},
    {MigrationStatus::kCancelled, RecordEvent::kPause, std::nullopt},
    {MigrationStatus::kCancelled, RecordEvent::kCancel, MigrationStatus::kCancelled},
    {MigrationStatus::kCancelled, RecordEvent::kStop, std::nullopt},
    {MigrationStatus::kCancelled, RecordEvent::kTune, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kStart, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kFinish, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kFail, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kFake, MigrationStatus::kApplied},
    {MigrationStatus::kApplied, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kApplied, RecordEvent::kProgress, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kResume, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kPause, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kCancel, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kStop, std::nullopt},
    {MigrationStatus::kApplied, RecordEvent::kTune, std::nullopt},
    {MigrationStatus::kErrored, RecordEvent::kStart, std::nullopt},
    {MigrationStatus::kErrored, RecordEvent::kFinish, std::nullopt},
    {MigrationStatus::kErrored, RecordEvent::kFail, std::nullopt},
    {MigrationStatus::kErrored, RecordEvent::kFake, MigrationStatus::kApplied},
    {MigrationStatus::kErrored, RecordEvent::kDelete, MigrationStatus::kNotRun},
    {MigrationStatus::kErrored, RecordEvent::kProgress, std::nullopt},
    {MigrationStatus::kErrored, RecordEvent::kResume, MigrationStatus::kRunning},
    {MigrationStatus::kErrored, RecordEvent::kPause, std::nullopt},
    {MigrationStatus::kErrored, RecordEvent::kCancel, std::nullopt},
    {MigrationStatus::kErrored, RecordEvent::kStop, std::nullopt},
    {MigrationStatus::kErrored, RecordEvent::kTune, std::nullopt},
};

// The lease of these tests: a record whose heartbeat is older is STALLED.
constexpr std::chrono::milliseconds kLease{30000};

// The databases the cases share, dropped once every test ran: at exit, libpqxx's own statics
// may be gone before them.
class SharedDatabases : public ::testing::Environment {
 public:
  static inline std::map<mm::test::Engine, std::unique_ptr<mm::test::TestDatabases>> by_engine;
  void TearDown() override { by_engine.clear(); }
};
[[maybe_unused]] ::testing::Environment* const g_shared_databases =
    ::testing::AddGlobalTestEnvironment(new SharedDatabases);

class Transition : public ::testing::TestWithParam<std::tuple<mm::test::Engine, Case>> {
 protected:
  // A record in status `from`, belonging to attempt kAttempt.
  void put(MigrationStatus from) {
    if (from == MigrationStatus::kNotRun) return;
    mm::MigrationRecord r{
        .key = key_, .attempt_uuid = kAttempt, .initiated_at = mm::now_timestamp()};
    r.is_applied = from == MigrationStatus::kApplied;
    r.has_error = from == MigrationStatus::kErrored;
    if (r.is_applied) r.applied_at = r.initiated_at;
    ASSERT_TRUE(store_->insert_if_absent(r));
    // Asked to pause or cancel, or stopped so, by an operator elsewhere.
    if (from == MigrationStatus::kPausing || from == MigrationStatus::kPaused ||
        from == MigrationStatus::kCancelling || from == MigrationStatus::kCancelled) {
      ASSERT_TRUE(store_->control_run(key_, kAttempt, MigrationStatus::kRunning, from, {}));
      ASSERT_EQ(status(), from);
    }
    if (from == MigrationStatus::kStalled) {
      // Its run last wrote a heartbeat long ago, by the database's clock.
      auto session = open_session();
      session->execute(
          "UPDATE massmigration_record SET heartbeat_at = '2000-01-01T00:00:00.000000Z'", {});
      session->commit();
      ASSERT_EQ(status(), MigrationStatus::kStalled);
    }
  }
  // The same attempt's outcome, as its runner would write it.
  mm::MigrationRecord outcome(bool applied) {
    mm::MigrationRecord r{
        .key = key_, .attempt_uuid = kAttempt, .initiated_at = mm::now_timestamp()};
    r.is_applied = applied;
    if (applied) r.applied_at = mm::now_timestamp();
    r.has_error = !applied;
    return r;
  }
  // Applies the event; true when the store accepted it.
  bool apply(RecordEvent event) {
    switch (event) {
      case RecordEvent::kStart:
        try {
          mm::internal::start_record(
              *store_, {.key = key_, .attempt_uuid = "new", .initiated_at = mm::now_timestamp()},
              "default", kLease);
          return true;
        } catch (const mm::MigrationAlreadyStarted&) {
          return false;
        }
      case RecordEvent::kFinish:
        return mm::internal::finish_record(*store_, outcome(true));
      case RecordEvent::kFail:
        return mm::internal::fail_record(*store_, outcome(false));
      case RecordEvent::kFake:
        try {
          mm::internal::fake_record(*store_, key_, "default", kLease);
          return true;
        } catch (const mm::MigrationAlreadyStarted&) {
          return false;
        }
      case RecordEvent::kDelete:
        try {
          mm::internal::delete_record(*store_, key_, "default", /*force=*/false, kLease);
          return true;
        } catch (const mm::MigrationIsRunning&) {
          return false;
        }
      case RecordEvent::kProgress: {
        // As a mapper chunk records it: inside a session, for this attempt.
        auto session = open_session();
        std::optional<mm::RecordedChunk> done = mm::internal::advance_progress(
            *session, key_, kAttempt, 10, [](const std::optional<std::string>&) { return "10"; });
        session->commit();
        // It tells the run the status its commit leaves.
        if (done) {
          EXPECT_EQ(done->status, status());
        }
        return done.has_value();
      }
      case RecordEvent::kPause:
      case RecordEvent::kCancel:
      case RecordEvent::kTune:
        try {
          const MigrationStatus after = mm::internal::control_record(
              *store_, key_, "default", kLease, event, {.chunk_size = 7, .pause_ms = 3});
          EXPECT_EQ(after, status());
          if (event == RecordEvent::kTune) {
            EXPECT_EQ(store_->get(key_)->tuning, (mm::RunTuning{.chunk_size = 7, .pause_ms = 3}));
          }
          return true;
        } catch (const mm::ActionNotAllowed& e) {
          EXPECT_EQ(e.action(), mm::internal::to_string(event));
          return false;
        }
      case RecordEvent::kStop:
        return mm::internal::stop_own_run(*store_, key_, "default", kAttempt, "a test").has_value();
      case RecordEvent::kResume:
        try {
          mm::MigrationRecord resumed =
              mm::internal::resume_record(*store_, key_, "default", kLease);
          EXPECT_NE(resumed.attempt_uuid, kAttempt);
          return true;
        } catch (const mm::MigrationError&) {
          return false;
        }
    }
    return false;
  }
  MigrationStatus status() { return mm::internal::status_of(store_->get(key_), kLease); }
  std::unique_ptr<mm::RunSession> open_session() {
    mm::Config config = dbs_.config();
    const std::string& url = config.databases.at("default");
    return mm::find_database_driver(mm::url_scheme(url))
        ->begin_session({.alias = "default", .url = url, .base_directory = "/"});
  }

  // One database per engine for all 99 cases, emptied before each: creating a PostgreSQL
  // database costs more than a case. Emptied, not dropped: pooled session connections assume
  // the tables they created stay.
  static mm::test::TestDatabases& shared_databases(mm::test::Engine engine) {
    std::unique_ptr<mm::test::TestDatabases>& dbs = SharedDatabases::by_engine[engine];
    if (!dbs) {
      dbs = std::make_unique<mm::test::TestDatabases>(engine, std::vector<std::string>{"default"});
      const std::string url = dbs->url("default");
      mm::find_database_driver(mm::url_scheme(url))
          ->begin_session({.alias = "default", .url = url, .base_directory = "/"});  // the tables
    }
    return *dbs;
  }
  std::unique_ptr<mm::RecordStore> emptied_store() {
    dbs_.execute("default", "DELETE FROM massmigration_record");
    dbs_.execute("default", "DELETE FROM massmigration_event");
    return dbs_.open_store("default");
  }

  static constexpr char kAttempt[] = "attempt-1";
  mm::test::TestDatabases& dbs_ = shared_databases(std::get<0>(GetParam()));
  std::unique_ptr<mm::RecordStore> store_ = emptied_store();
  mm::MigrationKey key_{mm::test::kInitial};
};

TEST_P(Transition, FollowsTheTable) {
  const Case& c = std::get<1>(GetParam());
  EXPECT_EQ(mm::internal::next_status(c.from, c.event), c.expected);
  put(c.from);
  std::optional<mm::MigrationRecord> before = store_->get(key_);
  bool accepted = apply(c.event);
  if (c.expected) {
    EXPECT_TRUE(accepted);
    EXPECT_EQ(status(), *c.expected);
    // Faking what is applied keeps the real record (its attempt, was_faked = false).
    if (c.from == MigrationStatus::kApplied && c.event == RecordEvent::kFake) {
      EXPECT_EQ(store_->get(key_), before);
    }
  } else {
    EXPECT_FALSE(accepted);
    EXPECT_EQ(store_->get(key_), before);  // refused: the record is untouched
  }
}

std::string name(const ::testing::TestParamInfo<std::tuple<mm::test::Engine, Case>>& info) {
  const Case& c = std::get<1>(info.param);
  std::string status(mm::to_string(c.from));
  status.erase(std::remove(status.begin(), status.end(), '_'), status.end());
  std::string event(mm::internal::to_string(c.event));
  event[0] = static_cast<char>(std::toupper(event[0]));
  return mm::test::to_string(std::get<0>(info.param)) + status + "On" + event;
}

INSTANTIATE_TEST_SUITE_P(EveryStatusAndEvent, Transition,
                         ::testing::Combine(mm::test::kEngines, ::testing::ValuesIn(kCases)), name);

TEST(TransitionTable, ListsEachPairOnce) {
  for (const auto& a : mm::internal::kTransitions) {
    int seen = 0;
    for (const auto& b : mm::internal::kTransitions) {
      seen += a.from == b.from && a.event == b.event;
    }
    EXPECT_EQ(seen, 1);
  }
  EXPECT_EQ(std::size(kCases), 9u * 11u);  // every status x every event
}

// The run's own record writes inside its transaction go through the table as well.
class RunSessionWrite : public ::testing::TestWithParam<mm::test::Engine> {
 protected:
  mm::MigrationRecord put(MigrationStatus status) {
    mm::MigrationRecord r{
        .key = key_, .attempt_uuid = "attempt-1", .initiated_at = mm::now_timestamp()};
    r.is_applied = status == MigrationStatus::kApplied;
    r.has_error = status == MigrationStatus::kErrored;
    if (r.is_applied) r.applied_at = r.initiated_at;
    if (r.has_error) r.last_error = "it failed";
    r.owner = "host test pid 1";
    EXPECT_TRUE(store_->insert_if_absent(r));
    return *store_->get(key_);  // as stored, with the heartbeat the database wrote
  }
  // What the write left behind once its transaction committed.
  std::optional<mm::MigrationRecord> committed(const std::function<void(mm::RunSession&)>& write) {
    std::unique_ptr<mm::RunSession> session = dbs_.open_session("default");
    write(*session);
    session->commit();
    return store_->get(key_);
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
  std::unique_ptr<mm::RecordStore> store_ = dbs_.open_store("default");
  mm::MigrationKey key_{mm::test::kInitial};
};

TEST_P(RunSessionWrite, FinishingAnErroredOrAppliedRecordChangesNothing) {
  for (MigrationStatus from : {MigrationStatus::kErrored, MigrationStatus::kApplied}) {
    SCOPED_TRACE(mm::to_string(from));
    const mm::MigrationRecord before = put(from);
    mm::MigrationRecord applied = before;
    applied.has_error = false;
    applied.last_error.clear();
    applied.is_applied = true;
    applied.applied_at = mm::now_timestamp() + std::chrono::seconds(1);
    EXPECT_EQ(committed([&](mm::RunSession& s) {
                EXPECT_FALSE(mm::internal::finish_record(s, applied));
              }),
              before);
    ASSERT_TRUE(store_->remove(key_));
  }
}

TEST_P(RunSessionWrite, AWriteTheTableDoesNotAllowThrowsAndWritesNothing) {
  const mm::MigrationRecord running = put(MigrationStatus::kRunning);
  mm::MigrationRecord applied = running;
  applied.is_applied = true;
  applied.applied_at = mm::now_timestamp();
  mm::MigrationRecord errored = running;
  errored.has_error = true;
  errored.last_error = "it failed";
  // Progress (a mapper's count or key ranges) never finishes a run.
  EXPECT_EQ(committed([&](mm::RunSession& s) {
              try {
                mm::internal::record_progress(s, applied);
                ADD_FAILURE() << "progress wrote an APPLIED record";
              } catch (const std::logic_error& e) {
                EXPECT_STREQ(e.what(),
                             "record write refused: the record lifecycle does not take a RUNNING "
                             "record to APPLIED by progress (it leads to RUNNING)");
              }
            }),
            running);
  // A finish writes APPLIED, not ERRORED.
  EXPECT_EQ(committed([&](mm::RunSession& s) {
              EXPECT_THROW(mm::internal::finish_record(s, errored), std::logic_error);
            }),
            running);
  EXPECT_THROW(mm::internal::finish_record(*store_, errored), std::logic_error);
  EXPECT_THROW(mm::internal::fail_record(*store_, applied), std::logic_error);
  EXPECT_EQ(store_->get(key_), running);
}

// The record without its heartbeat, which every write of a running record renews.
mm::MigrationRecord sans_heartbeat(mm::MigrationRecord record) {
  record.heartbeat_at.reset();
  return record;
}

TEST_P(RunSessionWrite, ProgressAndFinishOfTheRunningAttemptCommitWithTheTransaction) {
  mm::MigrationRecord running = put(MigrationStatus::kRunning);
  running.rows_total = 20;
  std::optional<mm::MigrationRecord> counted =
      committed([&](mm::RunSession& s) { EXPECT_TRUE(mm::internal::record_progress(s, running)); });
  ASSERT_TRUE(counted);
  EXPECT_EQ(sans_heartbeat(*counted), sans_heartbeat(running));
  EXPECT_GE(counted->heartbeat_at, running.heartbeat_at);
  std::optional<mm::MigrationRecord> advanced = committed([&](mm::RunSession& s) {
    EXPECT_TRUE(mm::internal::advance_progress(
        s, key_, running.attempt_uuid, 5, [](const std::optional<std::string>&) { return "5"; }));
  });
  ASSERT_TRUE(advanced);
  EXPECT_EQ(advanced->rows_done, 5);
  EXPECT_EQ(advanced->checkpoint, "5");
  EXPECT_GE(advanced->heartbeat_at, counted->heartbeat_at);
  mm::MigrationRecord applied = *advanced;
  applied.is_applied = true;
  applied.applied_at = mm::now_timestamp();
  // A finished run keeps its last heartbeat: when it was last seen working.
  EXPECT_EQ(
      committed([&](mm::RunSession& s) { EXPECT_TRUE(mm::internal::finish_record(s, applied)); }),
      applied);
}

INSTANTIATE_TEST_SUITE_P(Engines, RunSessionWrite, mm::test::kEngines,
                         [](const auto& info) { return mm::test::to_string(info.param); });

}  // namespace

TEST(StateHint, ACancelledRunThatFailedMeanwhileSaysWhy) {
  mm::MigrationRecord cancelled{.key = mm::MigrationKey(mm::test::kInitial),
                                .attempt_uuid = "attempt-1",
                                .run_status = MigrationStatus::kCancelled,
                                .rows_done = 25};
  EXPECT_EQ(mm::internal::state_hint(cancelled, "default", kLease),
            "it was cancelled after 25 rows; delete its record to run it afresh");
  cancelled.last_error = "std::runtime_error: boom";
  EXPECT_EQ(mm::internal::state_hint(cancelled, "default", kLease),
            "it was cancelled after 25 rows (it failed meanwhile: std::runtime_error: boom); "
            "delete its record to run it afresh");
}
