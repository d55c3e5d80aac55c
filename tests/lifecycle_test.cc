// Launching migrations: the checks and their order, records through every outcome, simple
// migrations' SQL in one transaction, backends (inline, threads, custom) and their params.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <any>
#include <atomic>
#include <latch>
#include <mutex>
#include <pqxx/pqxx>
#include <semaphore>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/await_status.h"
#include "support/engines.h"
#include "support/wall_clock_window.h"

namespace mm = massmigration;

namespace {

std::atomic<bool> g_explode{false};

class CreateItems : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override {
    ctx.execute(
        "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, slug TEXT);"
        "INSERT INTO item (id, name) VALUES (1, 'Blue Mug'), (2, 'Red Pen'), (3, 'Tea Pot');");
  }
};
MASSMIGRATION_REGISTER(CreateItems, "inv", "0001_create");

class Slugs : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"inv", "0001_create"}}; }
  void operation(mm::OperationContext& ctx) override {
    for (const mm::SqlRow& row : ctx.query("SELECT id, name FROM item WHERE slug IS NULL")) {
      std::string slug = std::get<std::string>(row[1]);
      for (char& c : slug) c = c == ' ' ? '-' : static_cast<char>(std::tolower(c));
      ctx.execute("UPDATE item SET slug = $1 WHERE id = $2", slug, row[0]);
    }
  }
};
MASSMIGRATION_REGISTER(Slugs, "inv", "0002_slugs");

class Explode : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"inv", "0001_create"}}; }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("INSERT INTO item (id, name) VALUES (4, $1)", "written before the failure");
    if (g_explode) throw std::invalid_argument("price must be positive");
  }
};
MASSMIGRATION_REGISTER(Explode, "inv", "0003_explode");

class Export : public mm::CustomMigration {
 public:
  std::optional<std::string> backend() const override { return "recording"; }
  mm::BackendParams backend_params() const override { return {{"batch", "7"}}; }
  std::string backend_method() const override { return "export"; }
};
MASSMIGRATION_REGISTER(Export, "inv", "0004_export");

class NoMethod : public mm::CustomMigration {
 public:
  std::optional<std::string> backend() const override { return "recording"; }
  std::string backend_method() const override { return "teleport"; }
};
MASSMIGRATION_REGISTER(NoMethod, "inv", "0005_no_method");

class UnknownBackend : public mm::SimpleMigration {
 public:
  std::optional<std::string> backend() const override { return "celery"; }
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(UnknownBackend, "inv", "0006_unknown_backend");

class Dangling : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"inv", "0099_gone"}}; }
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Dangling, "inv", "0007_dangling");

class OnlyOnB : public mm::SimpleMigration {
 public:
  std::optional<std::vector<std::string>> allowed_db_aliases() const override { return {{"b"}}; }
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(OnlyOnB, "inv", "0008_only_b");

class Mapper : public mm::MapperMigration {
 public:
  mm::MapperQuery query(const std::string&) const override { return {.table = "item; DROP"}; }
};
MASSMIGRATION_REGISTER(Mapper, "inv", "0009_mapper");

// Uses the driver's own handle, inside the same transaction as the portable calls.
class Native : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"inv", "0001_create"}}; }
  void operation(mm::OperationContext& ctx) override {
    std::any handle = ctx.native_handle();
    if (sqlite3** db = std::any_cast<sqlite3*>(&handle)) {
      if (sqlite3_exec(*db, "UPDATE item SET name = upper(name)", nullptr, nullptr, nullptr) !=
          SQLITE_OK) {
        throw std::runtime_error(sqlite3_errmsg(*db));
      }
      if (sqlite3_get_autocommit(*db)) throw std::logic_error("not inside the transaction");
    } else {
      pqxx::work* work = std::any_cast<pqxx::work*>(handle);
      work->exec("UPDATE item SET name = upper(name)");
    }
    throw std::runtime_error("roll the native change back too");
  }
};
MASSMIGRATION_REGISTER(Native, "inv", "0011_native");

// Blocks until released, so tests can see a migration RUNNING.
std::counting_semaphore<64> g_release{0};
std::atomic<int> g_started{0};
class Slow : public mm::SimpleMigration {
 public:
  std::optional<std::string> backend() const override { return "pool"; }
  void operation(mm::OperationContext& ctx) override {
    ++g_started;
    g_release.acquire();
    ctx.execute("CREATE TABLE IF NOT EXISTS slow_done (x INTEGER)");
  }
};
MASSMIGRATION_REGISTER(Slow, "inv", "0010_slow");

// A backend that keeps what it is given; runs custom method "export".
class RecordingBackend : public mm::Backend {
 public:
  void submit(mm::MigrationRun run) override {
    std::lock_guard lock(mu);
    params.push_back(run.params());
    if (hold) {
      held.push_back(std::move(run));
    } else {
      run.run();
    }
  }
  bool has_method(std::string_view method) const override { return method == "export"; }
  void run_method(std::string_view, const mm::CustomMigration&,
                  mm::OperationContext& ctx) override {
    ctx.execute("CREATE TABLE exported (batch TEXT)");
    ctx.execute("INSERT INTO exported VALUES ($1)", ctx.params().at("batch"));
  }
  std::mutex mu;
  bool hold = false;
  std::vector<mm::MigrationRun> held;
  std::vector<mm::BackendParams> params;
};

auto g_recording = std::make_shared<RecordingBackend>();
auto g_pool = std::make_shared<mm::ThreadPoolBackend>(2);
[[maybe_unused]] const bool kBackendsRegistered = [] {
  mm::register_backend("recording", g_recording);
  mm::register_backend("pool", g_pool);
  return true;
}();

class Lifecycle : public ::testing::TestWithParam<mm::test::Engine> {
 protected:
  void SetUp() override {
    g_explode = false;
    mm::configure(dbs_.config());
    captured_ = mm::set_log_sink([this](mm::LogLevel, std::string_view m) {
      std::lock_guard lock(log_mu_);
      log_.emplace_back(m);
    });
  }
  void TearDown() override { mm::set_log_sink(captured_); }

  mm::MigrationStatus status(const char* key, const char* alias = "a") {
    auto record = mm::api::get_record(key, alias);
    return record ? record->status() : mm::MigrationStatus::kNotRun;
  }
  std::string scalar(const std::string& sql, const char* alias = "a") {
    return dbs_.scalar(alias, sql);
  }

  mm::test::TestDatabases dbs_{GetParam(), {"a", "b"}};
  mm::LogSink captured_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_P(Lifecycle, InlineRunAppliesWithDataAndRecordTogether) {
  mm::test::WallClockWindow run;
  std::string attempt = mm::api::initiate_migration("inv:0001_create", "a");
  run.close();
  auto record = mm::api::get_record("inv:0001_create", "a");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(record->attempt_uuid, attempt);
  EXPECT_FALSE(record->was_faked);
  ASSERT_TRUE(record->applied_at);
  // Both are the wall clock's time during the run, which need not rise if the clock was set.
  EXPECT_TRUE(run.contains(record->initiated_at)) << mm::format_timestamp(record->initiated_at);
  EXPECT_TRUE(run.contains(*record->applied_at)) << mm::format_timestamp(*record->applied_at);
  if (run.step() == std::chrono::nanoseconds(0)) {
    EXPECT_GE(*record->applied_at, record->initiated_at);
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM item"), "3");
  EXPECT_EQ(status("inv:0001_create", "b"), mm::MigrationStatus::kNotRun);
}

// A guard trusts "not applied" for its recheck interval; a run that applies the migration in
// this same process ends that at once. The quickstart example failed now and then without it:
// its inline run took less than the default 5 ms.
TEST_P(Lifecycle, AGuardRefusedBeforeARunInThisProcessAllowsOnceTheRunApplies) {
  mm::testing::ScopedEnforcement enforce;
  mm::Config config = dbs_.config();
  config.guard_not_applied_recheck = std::chrono::hours(1);  // only the run can tell the guard
  mm::configure(config);
  const mm::MigrationRequirement on_a("inv:0001_create", {.db_aliases = {"a"}});
  const mm::MigrationRequirement on_b("inv:0001_create", {.db_aliases = {"b"}});
  EXPECT_THROW(on_a.ensure_applied(), mm::RequiredMigrationNotApplied);
  EXPECT_THROW(on_b.ensure_applied(), mm::RequiredMigrationNotApplied);
  mm::api::initiate_migration("inv:0001_create", "a");  // inline
  EXPECT_NO_THROW(on_a.ensure_applied());
  EXPECT_THROW(on_b.ensure_applied(), mm::RequiredMigrationNotApplied);
  mm::api::initiate_migration("inv:0001_create", "b", {.backend = "threads"});
  ASSERT_TRUE(mm::test::await_status(mm::MigrationKey("inv:0001_create"), "b",
                                     {mm::MigrationStatus::kApplied}));
  EXPECT_NO_THROW(on_b.ensure_applied());
}

TEST_P(Lifecycle, OperationsBindParametersAndQuery) {
  mm::api::initiate_migration("inv:0001_create", "a");
  mm::api::initiate_migration("inv:0002_slugs", "a");
  EXPECT_EQ(scalar("SELECT slug FROM item WHERE id = 1"), "blue-mug");
  EXPECT_EQ(scalar("SELECT slug FROM item WHERE id = 3"), "tea-pot");
  EXPECT_EQ(scalar("SELECT count(*) FROM item WHERE slug IS NULL"), "0");
}

TEST_P(Lifecycle, TheNativeHandleIsTheSameTransaction) {
  mm::api::initiate_migration("inv:0001_create", "a");
  mm::api::initiate_migration("inv:0011_native", "a");
  EXPECT_EQ(mm::api::get_record("inv:0011_native", "a")->last_error,
            "std::runtime_error: roll the native change back too");
  EXPECT_EQ(scalar("SELECT name FROM item WHERE id = 1"), "Blue Mug");
}

TEST_P(Lifecycle, EachStartGetsAFreshAttempt) {
  std::string first = mm::api::initiate_migration("inv:0001_create", "a");
  std::string second = mm::api::initiate_migration("inv:0001_create", "b");
  EXPECT_NE(first, second);
  EXPECT_EQ(first.size(), 36u);
}

TEST_P(Lifecycle, AnExceptionRollsBackAndRecordsTypeAndMessage) {
  mm::api::initiate_migration("inv:0001_create", "a");
  g_explode = true;
  mm::api::initiate_migration("inv:0003_explode", "a");  // inline: the failure is recorded
  auto record = mm::api::get_record("inv:0003_explode", "a");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(record->last_error, "std::invalid_argument: price must be positive");
  EXPECT_FALSE(record->is_applied);
  EXPECT_EQ(scalar("SELECT count(*) FROM item"), "3");  // the insert was rolled back
  std::lock_guard lock(log_mu_);
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find("inv:0003_explode on a failed"), std::string::npos) << log_.back();
}

TEST_P(Lifecycle, DeletingAnErroredRecordAllowsARerun) {
  mm::api::initiate_migration("inv:0001_create", "a");
  g_explode = true;
  mm::api::initiate_migration("inv:0003_explode", "a");
  EXPECT_THROW(mm::api::initiate_migration("inv:0003_explode", "a"), mm::MigrationAlreadyStarted);
  EXPECT_TRUE(mm::api::delete_record("inv:0003_explode", "a"));
  g_explode = false;
  mm::api::initiate_migration("inv:0003_explode", "a");
  EXPECT_EQ(status("inv:0003_explode"), mm::MigrationStatus::kApplied);
  EXPECT_EQ(scalar("SELECT count(*) FROM item"), "4");
}

TEST_P(Lifecycle, ChecksRunInTheDocumentedOrder) {
  // 1: alias before dependencies (inv:0008 is not allowed on a; its dependencies are fine).
  try {
    mm::api::initiate_migration("inv:0008_only_b", "a");
    FAIL();
  } catch (const mm::CannotRunOnDB& e) {
    EXPECT_EQ(e.allowed(), std::vector<std::string>{"b"});
  }
  // 2: dependencies before "already started".
  mm::api::fake_migration("inv:0002_slugs", "a");
  try {
    mm::api::initiate_migration("inv:0002_slugs", "a");
    FAIL();
  } catch (const mm::DependentMigrationNotApplied& e) {
    EXPECT_EQ(e.dependency(), "inv:0001_create");
    EXPECT_EQ(e.alias(), "a");
  }
  // 3: already started.
  mm::api::initiate_migration("inv:0001_create", "a");
  try {
    mm::api::initiate_migration("inv:0001_create", "a");
    FAIL();
  } catch (const mm::MigrationAlreadyStarted& e) {
    EXPECT_EQ(e.key(), "inv:0001_create");
    EXPECT_EQ(e.alias(), "a");
    EXPECT_NE(std::string(e.what()).find("it is applied; delete its record to run it again"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(mm::api::initiate_migration("inv:0001_create", "nowhere"), mm::UnknownDatabaseAlias);
}

TEST_P(Lifecycle, DependenciesCountOnTheSameAliasOnly) {
  mm::api::initiate_migration("inv:0001_create", "b");
  EXPECT_THROW(mm::api::initiate_migration("inv:0002_slugs", "a"),
               mm::DependentMigrationNotApplied);
  EXPECT_FALSE(mm::api::can_start_migration("inv:0002_slugs", "a"));
  EXPECT_TRUE(mm::api::can_start_migration("inv:0002_slugs", "b"));
}

TEST_P(Lifecycle, AnUnregisteredDependencyIsAnError) {
  try {
    mm::api::initiate_migration("inv:0007_dangling", "a");
    FAIL();
  } catch (const mm::DependentMigrationNotApplied& e) {
    EXPECT_NE(std::string(e.what()).find("inv:0099_gone, which is not a registered migration"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(status("inv:0007_dangling"), mm::MigrationStatus::kNotRun);
}

TEST_P(Lifecycle, BackendProblemsLeaveNoRecord) {
  try {
    mm::api::initiate_migration("inv:0005_no_method", "a");
    FAIL();
  } catch (const mm::BackendError& e) {
    EXPECT_EQ(e.backend(), "recording");
    EXPECT_NE(std::string(e.what()).find("no method \"teleport\""), std::string::npos);
  }
  try {
    mm::api::initiate_migration("inv:0006_unknown_backend", "a");
    FAIL();
  } catch (const mm::BackendError& e) {
    EXPECT_EQ(e.backend(), "celery");
    EXPECT_NE(std::string(e.what()).find("registered: inline, pool, recording, threads"),
              std::string::npos)
        << e.what();
  }
  for (const char* key : {"inv:0005_no_method", "inv:0006_unknown_backend"}) {
    EXPECT_EQ(status(key), mm::MigrationStatus::kNotRun) << key;
  }
}

TEST_P(Lifecycle, AMalformedMapperQueryIsRefusedAtLaunchWithNoRecord) {
  try {
    mm::api::initiate_migration("inv:0009_mapper", "a");
    FAIL();
  } catch (const mm::ConfigError& e) {
    EXPECT_EQ(e.entry(), "migration inv:0009_mapper query");
    EXPECT_NE(std::string(e.what()).find("table \"item; DROP\" is not an identifier"),
              std::string::npos);
  }
  EXPECT_EQ(status("inv:0009_mapper"), mm::MigrationStatus::kNotRun);
}

TEST_P(Lifecycle, CheckReportsAMalformedMapperQueryBeforeLaunch) {
  bool found = false;
  for (const mm::CheckProblem& p : mm::check()) {
    if (p.where.find("migration inv:0009_mapper") != std::string::npos &&
        p.message.find("table \"item; DROP\" is not an identifier") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_P(Lifecycle, CustomMigrationsRunTheirBackendMethodWithItsParams) {
  size_t before = g_recording->params.size();
  mm::api::initiate_migration("inv:0004_export", "a");
  ASSERT_EQ(g_recording->params.size(), before + 1);
  EXPECT_EQ(g_recording->params.back(), (mm::BackendParams{{"batch", "7"}}));
  EXPECT_EQ(scalar("SELECT batch FROM exported"), "7");
  EXPECT_EQ(status("inv:0004_export"), mm::MigrationStatus::kApplied);
}

TEST_P(Lifecycle, DefaultBackendComesFromTheConfiguration) {
  mm::Config config = dbs_.config();
  config.default_backend = "recording";
  mm::configure(config);
  size_t before = g_recording->params.size();
  mm::api::initiate_migration("inv:0001_create", "a");
  EXPECT_EQ(g_recording->params.size(), before + 1);
}

TEST_P(Lifecycle, StaleRunsChangeNothing) {
  mm::Config config = dbs_.config();
  config.default_backend = "recording";
  mm::configure(config);
  {
    std::lock_guard lock(g_recording->mu);
    g_recording->hold = true;
  }
  std::string first = mm::api::initiate_migration("inv:0001_create", "a");
  EXPECT_TRUE(mm::api::migration_is_in_progress("inv:0001_create", "a"));
  // Cancel: delete the record (forced, as it says RUNNING), start again; then the first
  // attempt finally runs.
  mm::api::delete_record("inv:0001_create", "a", {.force = true});
  std::string second = mm::api::initiate_migration("inv:0001_create", "a");
  std::vector<mm::MigrationRun> held;
  {
    std::lock_guard lock(g_recording->mu);
    g_recording->hold = false;
    held.swap(g_recording->held);
  }
  ASSERT_EQ(held.size(), 2u);
  ASSERT_EQ(held[0].attempt_uuid(), first);
  held[0].run();
  EXPECT_EQ(scalar("SELECT count(*) FROM item").rfind("<error", 0), 0u);  // no table
  EXPECT_EQ(mm::api::get_record("inv:0001_create", "a")->attempt_uuid, second);
  EXPECT_TRUE(mm::api::migration_is_in_progress("inv:0001_create", "a"));
  held[1].run();
  EXPECT_EQ(status("inv:0001_create"), mm::MigrationStatus::kApplied);
  EXPECT_EQ(scalar("SELECT count(*) FROM item"), "3");
}

TEST_P(Lifecycle, ADroppedRunIsRecordedAsErroredNotLeftRunning) {
  mm::Config config = dbs_.config();
  config.default_backend = "recording";
  mm::configure(config);
  {
    std::lock_guard lock(g_recording->mu);
    g_recording->hold = true;
  }
  mm::api::initiate_migration("inv:0001_create", "a");
  {
    std::lock_guard lock(g_recording->mu);
    g_recording->hold = false;
    g_recording->held.clear();  // the backend loses it
  }
  auto record = mm::api::get_record("inv:0001_create", "a");
  EXPECT_EQ(record->status(), mm::MigrationStatus::kErrored);
  EXPECT_NE(record->last_error.find("not run: the backend dropped the run"), std::string::npos);
}

TEST_P(Lifecycle, ThreadsBackendReturnsAtOnceAndRunsInTheBackground) {
  g_started = 0;
  mm::api::initiate_migration("inv:0010_slow", "a");
  EXPECT_TRUE(mm::api::migration_is_in_progress("inv:0010_slow", "a"));
  EXPECT_TRUE(mm::api::migration_was_started("inv:0010_slow", "a"));
  g_release.release();
  g_pool->wait_idle();
  EXPECT_EQ(g_started.load(), 1);
  EXPECT_EQ(status("inv:0010_slow"), mm::MigrationStatus::kApplied);
  EXPECT_FALSE(mm::api::migration_is_in_progress("inv:0010_slow", "a"));
}

TEST_P(Lifecycle, QueriesAnswerPerStatus) {
  EXPECT_FALSE(mm::api::migration_was_started("inv:0001_create", "a"));
  EXPECT_TRUE(mm::api::can_start_migration("inv:0001_create", "a"));
  mm::api::initiate_migration("inv:0001_create", "a");
  EXPECT_TRUE(mm::api::migration_was_started("inv:0001_create", "a"));
  EXPECT_FALSE(mm::api::migration_is_in_progress("inv:0001_create", "a"));
  EXPECT_FALSE(mm::api::can_start_migration("inv:0001_create", "a"));
  EXPECT_FALSE(mm::api::can_start_migration("inv:0008_only_b", "a"));
}

INSTANTIATE_TEST_SUITE_P(Engines, Lifecycle, mm::test::kEngines, mm::test::engine_name);

TEST(ThreadPoolShutdown, AbandonsQueuedRunsWaitsForRunningOnesAndNeverHangs) {
  mm::testing::TemporaryDatabases dbs({"a", "b"});
  mm::configure(dbs.config());
  auto pool = std::make_shared<mm::ThreadPoolBackend>(1);
  mm::register_backend("pool", pool);
  g_started = 0;
  mm::api::initiate_migration("inv:0010_slow", "a");  // runs, blocks
  mm::api::initiate_migration("inv:0010_slow", "b");  // queued behind it
  while (g_started.load() < 1) std::this_thread::yield();
  std::vector<std::string> logged;
  mm::LogSink previous =
      mm::set_log_sink([&](mm::LogLevel, std::string_view m) { logged.emplace_back(m); });
  EXPECT_FALSE(pool->shutdown(std::chrono::milliseconds(10)));  // one is still running
  mm::set_log_sink(previous);
  auto queued = mm::api::get_record("inv:0010_slow", "b");
  EXPECT_EQ(queued->status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(queued->last_error, "not run: the backend shut down before it ran");
  EXPECT_TRUE(mm::api::migration_is_in_progress("inv:0010_slow", "a"));
  ASSERT_FALSE(logged.empty());
  EXPECT_NE(logged.back().find("still running: inv:0010_slow on a"), std::string::npos)
      << logged.back();
  g_release.release();
  EXPECT_TRUE(pool->shutdown(std::chrono::seconds(60)));  // returns once it finished
  EXPECT_EQ(mm::api::get_record("inv:0010_slow", "a")->status(), mm::MigrationStatus::kApplied);
  // After shutdown, launches are abandoned rather than lost.
  mm::api::delete_record("inv:0010_slow", "b");
  mm::api::initiate_migration("inv:0010_slow", "b");
  EXPECT_EQ(mm::api::get_record("inv:0010_slow", "b")->last_error,
            "not run: the threads backend was shut down");
  mm::register_backend("pool", g_pool);
}

}  // namespace
