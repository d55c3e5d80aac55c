// What a run leaves behind when it goes wrong, on every engine: a migration that throws
// something that is not a std::exception is ERRORED all the same; when even the ERRORED
// write fails, the record still says RUNNING and the failure is logged as an error naming
// both causes; a run a backend drops is ERRORED, never left RUNNING in silence; a backend's
// defaults refuse what it does not implement.
#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/captured_log.h"
#include "support/engines.h"

namespace mm = massmigration;
using mm::test::Engine;

namespace {

class ThrowsAnInt : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("INSERT INTO touched (what) VALUES ('throws an int')");
    throw 42;
  }
};
MASSMIGRATION_REGISTER(ThrowsAnInt, "outcome", "0001_throws_an_int");

class Fails : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("INSERT INTO touched (what) VALUES ('fails')");
    throw std::runtime_error("cannot run");
  }
};
MASSMIGRATION_REGISTER(Fails, "outcome", "0002_fails");

// Keeps the first run it is given; the second replaces it (the first is dropped unrun) and runs.
class ReplacingBackend : public mm::Backend {
 public:
  void submit(mm::MigrationRun run) override {
    if (!held_) {
      held_.emplace(std::move(run));
      return;
    }
    *held_ = std::move(run);
    held_->run();
    held_.reset();
  }

 private:
  std::optional<mm::MigrationRun> held_;
};

class Touches : public mm::SimpleMigration {
 public:
  std::optional<std::string> backend() const override { return "replacing"; }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("INSERT INTO touched (what) VALUES ($1)", key().str());
  }
};
class DroppedByItsBackend : public Touches {};
MASSMIGRATION_REGISTER(DroppedByItsBackend, "outcome", "0003_dropped");
class RunInstead : public Touches {};
MASSMIGRATION_REGISTER(RunInstead, "outcome", "0004_run_instead");

// Claims every method but implements none: Backend's default run_method.
class ClaimingBackend : public mm::Backend {
 public:
  void submit(mm::MigrationRun run) override { run.run(); }
  bool has_method(std::string_view) const override { return true; }
};

class NeedsAMethod : public mm::CustomMigration {
 public:
  std::optional<std::string> backend() const override { return "claiming"; }
  std::string backend_method() const override { return "reindex"; }
};
MASSMIGRATION_REGISTER(NeedsAMethod, "outcome", "0005_needs_a_method");

class RunOutcome : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    dbs_.execute("default", "CREATE TABLE touched (what TEXT NOT NULL)");
    mm::configure(dbs_.config());
  }

  std::string scalar(const std::string& sql) { return dbs_.scalar("default", sql); }
  mm::MigrationRecord record(const char* key) {
    std::optional<mm::MigrationRecord> r = mm::api::get_record(key, "default");
    EXPECT_TRUE(r.has_value()) << key;
    return r.value_or(mm::MigrationRecord{.key = key});
  }
  // The messages logged at `level`.
  std::vector<std::string> logged(mm::LogLevel level) { return log_.messages(level); }
  // Makes the database refuse any write that marks a record ERRORED.
  void refuse_errored_writes() {
    // The store creates its table with the first record it writes.
    mm::api::fake_migration("outcome:0001_throws_an_int", "default");
    if (GetParam() == Engine::kSqlite) {
      dbs_.execute("default",
                   "CREATE TRIGGER refuse_errored BEFORE UPDATE ON massmigration_record "
                   "FOR EACH ROW WHEN NEW.has_error "
                   "BEGIN SELECT RAISE(ABORT, 'errored writes refused'); END");
    } else {
      dbs_.execute("default",
                   "CREATE FUNCTION refuse_errored() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'errored writes refused'; END $$;"
                   "CREATE TRIGGER refuse_errored BEFORE UPDATE ON massmigration_record "
                   "FOR EACH ROW WHEN (NEW.has_error) EXECUTE FUNCTION refuse_errored()");
    }
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
  mm::test::CapturedLog log_;
};

TEST_P(RunOutcome, AMigrationThrowingANonStdExceptionIsErroredAndRolledBack) {
  mm::api::initiate_migration("outcome:0001_throws_an_int", "default");
  mm::MigrationRecord r = record("outcome:0001_throws_an_int");
  EXPECT_EQ(r.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(r.last_error, "unknown exception: not derived from std::exception");
  EXPECT_EQ(scalar("SELECT count(*) FROM touched"), "0");
  EXPECT_FALSE(mm::migration_is_applied("outcome:0001_throws_an_int", "default"));
}

TEST_P(RunOutcome, WhenTheErroredWriteFailsTheRecordSaysRunningAndBothCausesAreLogged) {
  refuse_errored_writes();
  const std::string attempt = mm::api::initiate_migration("outcome:0002_fails", "default");
  mm::MigrationRecord r = record("outcome:0002_fails");
  EXPECT_EQ(r.status(), mm::MigrationStatus::kRunning);
  EXPECT_EQ(r.attempt_uuid, attempt);
  EXPECT_EQ(r.last_error, "");
  EXPECT_EQ(scalar("SELECT count(*) FROM touched"), "0");  // the operation rolled back
  std::vector<std::string> errors = logged(mm::LogLevel::kError);
  ASSERT_EQ(errors.size(), 1u);
  const std::string expected =
      "migration outcome:0002_fails on default failed: std::runtime_error: cannot run; its "
      "record could not be marked ERRORED, so it still says RUNNING: ";
  EXPECT_EQ(errors[0].substr(0, expected.size()), expected) << errors[0];
  EXPECT_NE(errors[0].find("errored writes refused"), std::string::npos) << errors[0];
}

TEST_P(RunOutcome, ARunItsBackendDropsForAnotherIsErroredAndTheOtherRuns) {
  mm::register_backend("replacing", std::make_shared<ReplacingBackend>());
  mm::api::initiate_migration("outcome:0003_dropped", "default");
  EXPECT_EQ(record("outcome:0003_dropped").status(), mm::MigrationStatus::kRunning);  // held
  mm::api::initiate_migration("outcome:0004_run_instead", "default");

  mm::MigrationRecord dropped = record("outcome:0003_dropped");
  EXPECT_EQ(dropped.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(dropped.last_error, "not run: the backend dropped the run");
  EXPECT_EQ(record("outcome:0004_run_instead").status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(scalar("SELECT count(*) FROM touched"), "1");
  EXPECT_EQ(scalar("SELECT what FROM touched"), "outcome:0004_run_instead");
  std::vector<std::string> warnings = logged(mm::LogLevel::kWarning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "migration outcome:0003_dropped on default abandoned: the backend dropped the run");
}

TEST_P(RunOutcome, ABackendThatClaimsAMethodItDoesNotImplementFailsTheRun) {
  mm::register_backend("claiming", std::make_shared<ClaimingBackend>());
  mm::api::initiate_migration("outcome:0005_needs_a_method", "default");
  mm::MigrationRecord r = record("outcome:0005_needs_a_method");
  EXPECT_EQ(r.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(
      r.last_error,
      "massmigration::BackendError: " +
          std::string(
              mm::BackendError("outcome:0005_needs_a_method", "", "no method \"reindex\"").what()));
}

INSTANTIATE_TEST_SUITE_P(Engines, RunOutcome, mm::test::kEngines, mm::test::engine_name);

// Reports whether it finished in time as told.
class StoppingBackend : public mm::Backend {
 public:
  explicit StoppingBackend(bool finishes) : finishes_(finishes) {}
  void submit(mm::MigrationRun run) override { run.run(); }
  bool shutdown(std::chrono::milliseconds) override { return finishes_; }

 private:
  bool finishes_;
};

class Plain : public mm::Backend {
 public:
  void submit(mm::MigrationRun run) override { run.run(); }
};

TEST(ShutdownBackends, IsTrueOnlyWhenEveryRegisteredBackendFinishedInTime) {
  mm::register_backend("plain", std::make_shared<Plain>());  // Backend's default: finished
  mm::register_backend("stopping", std::make_shared<StoppingBackend>(true));
  EXPECT_TRUE(mm::shutdown_backends(std::chrono::milliseconds(0)));
  mm::register_backend("stuck", std::make_shared<StoppingBackend>(false));
  EXPECT_FALSE(mm::shutdown_backends(std::chrono::milliseconds(0)));
}

}  // namespace
