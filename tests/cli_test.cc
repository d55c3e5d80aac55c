// The command line through its C++ entry point, mm::cli::run, in this process.
#include "massmigration/cli.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli/context.h"
#include "common/json_text.h"
#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/engines.h"
#include "support/faulty_store.h"
#include "support/record_rows.h"
#include "support/unwritable_directory.h"
#include "support/varying_text.h"

namespace mm = massmigration;

namespace {

class First : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override { ctx.execute("CREATE TABLE t (x TEXT)"); }
};
MASSMIGRATION_REGISTER(First, "app", "0001_first");

class Second : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"app", "0001_first"}}; }
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("INSERT INTO t VALUES ($1)", "a \"quoted\"\nvalue");
    // Everything JSON must escape, and UTF-8 that it must not.
    throw std::runtime_error(
        "second \"failed\" \\ on purpose\n\tcontrol \x01, caf\u00e9 \u2192 \U0001F642");
  }
};
MASSMIGRATION_REGISTER(Second, "app", "0002_second");

class Third : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"app", "0002_second"}}; }
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Third, "app", "0003_third");

struct Output {
  int code;
  std::string out, err;
};

class CliRun : public ::testing::TestWithParam<mm::test::Engine> {
 protected:
  void SetUp() override { mm::configure(dbs_.config()); }
  Output run(std::vector<std::string> args, const std::string& input = "") {
    std::istringstream in(input);
    std::ostringstream out, err;
    int code = mm::cli::run("manage", args, in, out, err, options_);
    return {code, out.str(), err.str()};
  }
  mm::test::TestDatabases dbs_{GetParam(), {"default", "other"}};
  mm::cli::Options options_;
};

TEST_P(CliRun, MigrateAllRunsInDependencyOrderAndSkipsWhatCannotRun) {
  Output r = run({"migrate_all", "--database", "default"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "Database default:\n"
            "  OK       app:0001_first (" +
                r.out.substr(r.out.find("(") + 1, 4) +
                " s)\n"
                "  FAILED   app:0002_second: std::runtime_error: second \"failed\" \\ on "
                "purpose\n\tcontrol \x01, caf\u00e9 \u2192 \U0001F642\n"
                "  SKIPPED  app:0003_third: needs app:0002_second applied first\n"
                "\n"
                "default: FAILED - 1 applied, 1 failed, 1 skipped, 0 already applied\n");
  EXPECT_EQ(mm::api::get_record("app:0001_first", "other"), std::nullopt);
}

TEST_P(CliRun, JsonEscapesWhatItQuotes) {
  run({"migrate_all", "--database", "default"});
  Output r = run({"showmigrations", "--format", "json", "--database", "default"});
  EXPECT_EQ(r.code, 0);
  // Quotes, backslashes and control characters escaped; UTF-8 as it is.
  EXPECT_EQ(mm::test::with_placeholders(r.out),
            R"json([
  {"key": "app:0001_first", "app": "app", "name": "0001_first", "databases": {"default": "APPLIED"}, "details": {"default": {"attempt_uuid": "<uuid>", "owner": "<owner>", "initiated_at": "<time>", "heartbeat_at": "<time>", "applied_at": "<time>", "last_error": "", "eta_seconds": null}}},
  {"key": "app:0002_second", "app": "app", "name": "0002_second", "databases": {"default": "ERRORED"}, "details": {"default": {"attempt_uuid": "<uuid>", "owner": "<owner>", "initiated_at": "<time>", "heartbeat_at": "<time>", "applied_at": null, "last_error": "std::runtime_error: second \"failed\" \\ on purpose\n\tcontrol \u0001, café → 🙂", "eta_seconds": null}}, "errors": {"default": "std::runtime_error: second \"failed\" \\ on purpose\n\tcontrol \u0001, café → 🙂"}},
  {"key": "app:0003_third", "app": "app", "name": "0003_third", "databases": {"default": "NOT_RUN"}}
]
)json");
  const std::string owner = mm::this_process_owner();
  EXPECT_NE(r.out.find("\"owner\": " + mm::internal::json_string(owner)), std::string::npos)
      << r.out;
}

TEST(StoppedText, SaysHowAPausedOrCancelledRunMayGoOn) {
  mm::MigrationRecord stopped{.key = mm::MigrationKey("app:0001_first"),
                              .attempt_uuid = "attempt-1",
                              .run_status = mm::MigrationStatus::kPaused,
                              .rows_done = 25};
  EXPECT_EQ(mm::cli::internal::stopped_text(stopped, "default"),
            "after 25 rows (resume app:0001_first --database default continues it)");
  stopped.run_status = mm::MigrationStatus::kCancelled;
  EXPECT_EQ(mm::cli::internal::stopped_text(stopped, "default"),
            "after 25 rows (final for that attempt; delete its record to run it afresh)");
  stopped.last_error = "std::runtime_error: boom";
  EXPECT_EQ(mm::cli::internal::stopped_text(stopped, "default"),
            "after 25 rows (final for that attempt; delete its record to run it afresh); it "
            "failed meanwhile: std::runtime_error: boom");
}

TEST(JsonString, EscapesWhatJsonRequiresAndKeepsWellFormedUtf8) {
  EXPECT_EQ(mm::internal::json_string("a\"b\\c/d\n\r\t\b\f\x01\x1f\x7f"),
            R"("a\"b\\c/d\n\r\t\u0008\u000c\u0001\u001f)"
            "\x7f\"");
  EXPECT_EQ(mm::internal::json_string(std::string("nul\0byte", 8)), R"("nul\u0000byte")");
  EXPECT_EQ(mm::internal::json_string("é → 🙂 \u07ff \uffff \U0010FFFF"),
            "\"é → 🙂 \u07ff \uffff \U0010FFFF\"");
}

TEST(JsonString, ReplacesEachByteThatIsNotUtf8) {
  for (const std::string& bad : {
           std::string("\xff"),              // never in UTF-8
           std::string("\xc3"),              // a lead byte at the end
           std::string("\xc3("),             // a lead byte without its continuation
           std::string("\x80"),              // a continuation without a lead
           std::string("\xc0\xaf"),          // overlong "/"
           std::string("\xe0\x80\xaf"),      // overlong "/" in three bytes
           std::string("\xed\xa0\x80"),      // a UTF-16 surrogate
           std::string("\xf4\x90\x80\x80"),  // above U+10FFFF
       }) {
    std::string expected = "\"";
    for (char c : bad) expected += c == '(' ? std::string("(") : std::string("\\ufffd");
    EXPECT_EQ(mm::internal::json_string(bad), expected + "\"") << ::testing::PrintToString(bad);
  }
  EXPECT_EQ(mm::internal::json_string("Latin-1 caf\xe9!"), R"("Latin-1 caf\ufffd!")");
}

TEST_P(CliRun, CheckReportsAnSqliteDirectoryThatIsNotWritable) {
  mm::testing::TemporaryDatabases scratch(std::vector<std::string>{});
  mm::test::UnwritableDirectory read_only(scratch.directory() / "read-only");
  if (!read_only.failure().empty()) GTEST_SKIP() << read_only.failure();
  mm::Config config = dbs_.config();
  config.databases["other"] = "sqlite://" + (read_only.path() / "other.db").string();
  mm::configure(config);
  Output r = run({"check"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "database other: cannot use " + (read_only.path() / "other.db").string() +
                       ": permission denied: cannot create files in the directory " +
                       read_only.path().string() + "\n1 problem(s) found\n");
}

TEST_P(CliRun, TableListsErrorsUnderneath) {
  run({"migrate_all"});
  Output r = run({"showmigrations"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("ERRORED app:0002_second on default: std::runtime_error: second"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("ERRORED app:0002_second on other:"), std::string::npos);
}

TEST_P(CliRun, AnUnreadableDatabaseIsReportedAndExitsOne) {
  mm::Config config = dbs_.config();
  config.databases["other"] = dbs_.unreachable_url();
  mm::configure(config);
  Output r = run({"showmigrations"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("UNKNOWN"), std::string::npos);
  EXPECT_NE(r.err.find("cannot read the records of other"), std::string::npos) << r.err;
  Output m = run({"migrate_all", "--database", "other"});
  EXPECT_EQ(m.code, 1);
  EXPECT_NE(m.out.find("FAILED   cannot read the records"), std::string::npos) << m.out;
}

TEST_P(CliRun, ApplicationCommandsRunWithTheConfiguration) {
  std::vector<std::string> seen;
  options_.commands.push_back(
      {"hello", "greets",
       [&](const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
         seen = args;
         out << mm::current_config().databases.size() << "\n";
         return 3;
       }});
  Output r = run({"hello", "a", "b"});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "2\n");
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST_P(CliRun, TheMigratorNeverShowsPasswords) {
  mm::Config config = dbs_.config();
  config.databases["vault"] = "postgresql://admin:s3cret@127.0.0.1:1/vault";
  mm::configure(config);
  Output r = run({"migrator"}, "4\n5\n");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("vault = postgresql://admin:***@127.0.0.1:1/vault"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos);
}

TEST_P(CliRun, UsageErrorsNameTheCommandAndItsUsage) {
  Output r = run({"run", "app:0001_first", "--database"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "manage run: --database needs a value\nusage: manage run KEY --database A\n");
  EXPECT_EQ(mm::api::get_record("app:0001_first", "default"), std::nullopt);
}

TEST_P(CliRun, TheConfigurationFileIsNamedWithOrWithoutAnEqualsSign) {
  mm::testing::TemporaryDatabases scratch(std::vector<std::string>{});
  const std::string path = (scratch.directory() / "manage.toml").string();
  {
    std::ofstream toml(path);
    toml << "[databases]\ndefault = \"" << dbs_.url("default") << "\"\n";
  }
  Output faked = run({"--config", path, "fake", "app:0001_first", "--database", "default"});
  EXPECT_EQ(faked.code, 0) << faked.err;
  EXPECT_EQ(faked.out, "FAKED app:0001_first on default\n");
  EXPECT_EQ(mm::current_config().databases.size(), 1u);  // the file's, not the test's

  Output shown = run({"showmigrations", "--config=" + path});
  EXPECT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("default"), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find("other"), std::string::npos) << shown.out;

  Output missing = run({"showmigrations", "--config"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err, "manage: --config needs a value\n");
}

TEST_P(CliRun, RunReportsAFailedMigrationWithItsErrorAndExitsOne) {
  ASSERT_EQ(run({"run", "app:0001_first", "--database", "default"}).out,
            "OK app:0001_first on default\n");
  Output r = run({"run", "app:0002_second", "--database", "default"});
  EXPECT_EQ(r.code, 1);
  const std::string expected =
      "FAILED app:0002_second on default: std::runtime_error: second \"failed\" \\ on purpose";
  EXPECT_EQ(r.out.substr(0, expected.size()), expected) << r.out;
  EXPECT_EQ(mm::api::get_record("app:0002_second", "default")->status(),
            mm::MigrationStatus::kErrored);
}

TEST_P(CliRun, ARunningRecordIsLeftAloneByMigrateAllAndFake) {
  ASSERT_TRUE(dbs_.open_store("default")->insert_if_absent(
      {.key = "app:0001_first",
       .attempt_uuid = "attempt-1",
       .initiated_at = *mm::parse_timestamp("2026-11-29T22:00:00.123456Z")}));
  Output migrated = run({"migrate_all", "--database", "default"});
  EXPECT_NE(mm::test::with_placeholders(migrated.out)
                .find("  RUNNING  app:0001_first (run by an unnamed process since <time>, last "
                      "seen <time>; not waited for)\n"),
            std::string::npos)
      << migrated.out;
  EXPECT_EQ(migrated.code, 0);  // a live run is no failure
  EXPECT_EQ(migrated.out.find("OK"), std::string::npos) << migrated.out;

  Output faked = run({"fake", "app:0001_first", "--database", "default"});
  EXPECT_EQ(faked.code, 1);
  EXPECT_EQ(faked.out, "");
  EXPECT_EQ(faked.err.rfind("manage: ", 0), 0u) << faked.err;
  EXPECT_NE(faked.err.find("app:0001_first"), std::string::npos) << faked.err;
  mm::MigrationRecord kept = *mm::api::get_record("app:0001_first", "default");
  EXPECT_EQ(kept.status(), mm::MigrationStatus::kRunning);
  EXPECT_EQ(kept.attempt_uuid, "attempt-1");
  EXPECT_FALSE(kept.was_faked);
}

TEST_P(CliRun, DeleteRefusesARunningRecordUnlessForced) {
  ASSERT_TRUE(dbs_.open_store("default")->insert_if_absent(
      {.key = "app:0001_first",
       .attempt_uuid = "attempt-1",
       .initiated_at = *mm::parse_timestamp("2026-11-29T22:00:00.123456Z")}));
  Output refused = run({"delete", "app:0001_first", "--database", "default"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(mm::test::with_placeholders(refused.err),
            "manage: the record of migration app:0001_first on default was kept: it is running: "
            "attempt attempt-1, started <time> by a process the record does not name, last seen "
            "<time> (<age> ago); wait for it to finish (a run not seen for the 30s lease shows "
            "STALLED, and may then be resumed)\n");
  EXPECT_TRUE(mm::api::migration_is_in_progress("app:0001_first", "default"));

  Output forced = run({"delete", "app:0001_first", "--database", "default", "--force"});
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(forced.out,
            "DELETED the record of app:0001_first on default (forced: it said RUNNING, attempt "
            "attempt-1 started 2026-11-29T22:00:00.123456Z; if that run still goes on, a fresh "
            "run redoes its work)\n");
  EXPECT_EQ(mm::api::get_record("app:0001_first", "default"), std::nullopt);
}

TEST_P(CliRun, PauseCancelAndTuneAnswerWithTheStatusAndRefuseWhatItDoesNotAllow) {
  Output not_run = run({"pause", "app:0001_first", "--database", "default"});
  EXPECT_EQ(not_run.code, 1);
  EXPECT_EQ(not_run.err,
            "manage: cannot pause migration app:0001_first on default: it is NOT_RUN; it has no "
            "record\n");
  ASSERT_TRUE(dbs_.open_store("default")->insert_if_absent(
      {.key = "app:0001_first", .attempt_uuid = "attempt-1", .initiated_at = mm::now_timestamp()}));
  Output tuned = run({"tune", "app:0001_first", "--database", "default", "--chunk-size", "200",
                      "--pause-ms", "15"});
  EXPECT_EQ(tuned.code, 0) << tuned.err;
  EXPECT_EQ(tuned.out,
            "TUNED app:0001_first on default (RUNNING; chunk size 200; pause 15 ms, from its next "
            "chunk)\n");
  EXPECT_EQ(mm::api::get_record("app:0001_first", "default")->tuning,
            (mm::RunTuning{.chunk_size = 200, .pause_ms = 15}));
  Output paused = run({"pause", "app:0001_first", "--database", "default"});
  EXPECT_EQ(paused.code, 0) << paused.err;
  EXPECT_EQ(paused.out,
            "PAUSING app:0001_first on default (its run stops after its current chunk)\n");
  Output shown = run({"showmigrations", "--database", "default"});
  EXPECT_NE(shown.out.find("PAUSING"), std::string::npos) << shown.out;
  Output cancelled = run({"cancel", "app:0001_first", "--database", "default"});
  EXPECT_EQ(cancelled.out,
            "CANCELLING app:0001_first on default (its run stops after its current chunk)\n");
  Output repaused = run({"pause", "app:0001_first", "--database", "default"});
  EXPECT_EQ(repaused.code, 1);
  EXPECT_NE(repaused.err.find("cannot pause migration app:0001_first on default: it is "
                              "CANCELLING; it was asked to cancel: attempt attempt-1"),
            std::string::npos)
      << repaused.err;
  // Bad values are usage errors that change nothing.
  Output zero = run({"tune", "app:0001_first", "--database", "default", "--chunk-size", "0"});
  EXPECT_EQ(zero.code, 2);
  EXPECT_NE(zero.err.find("--chunk-size needs a whole number of 1 or more, not \"0\""),
            std::string::npos)
      << zero.err;
  EXPECT_EQ(run({"tune", "app:0001_first", "--database", "default"}).code, 2);
  EXPECT_EQ(mm::api::get_record("app:0001_first", "default")->tuning,
            (mm::RunTuning{.chunk_size = 200, .pause_ms = 15}));
}

TEST_P(CliRun, FinishRunsAndHistoryListsWhatHappened) {
  Output finished = run({"finish", "app:0001_first", "--database", "default"});
  EXPECT_EQ(finished.code, 0) << finished.err;
  EXPECT_EQ(finished.out, "APPLIED app:0001_first on default\n");
  Output failed = run({"finish", "app:0002_second", "--database", "default", "--timeout", "5"});
  EXPECT_EQ(failed.code, 1);
  EXPECT_NE(failed.err.find("manage: migration app:0002_second on default is not applied: it "
                            "was run, and it ended ERRORED (std::runtime_error: second"),
            std::string::npos)
      << failed.err;
  for (const char* timeout : {"soon", "inf", "-1", "1e12"}) {
    SCOPED_TRACE(timeout);
    EXPECT_EQ(run({"finish", "app:0001_first", "--database", "default", "--timeout", timeout}).code,
              2);
  }
  Output history = run({"history", "app:0002_second", "--format", "json"});
  EXPECT_EQ(history.code, 0) << history.err;
  EXPECT_NE(history.out.find("\"action\": \"launch\""), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("\"action\": \"fail\""), std::string::npos) << history.out;
  // Launched from the command line: by the OS user, on this host.
  const std::vector<mm::MigrationEvent> trail =
      mm::api::migration_history(mm::MigrationKey("app:0001_first"), "default");
  ASSERT_FALSE(trail.empty());
  EXPECT_EQ(trail.front().action, "launch");
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  EXPECT_EQ(trail.front().actor, std::string(getpwuid(geteuid())->pw_name) + "@" + host);
  Output table = run({"history", "app:0001_first", "--database", "default"});
  EXPECT_NE(table.out.find("default    launch"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("default    finish"), std::string::npos) << table.out;
  EXPECT_EQ(run({"history", "app:0001_first", "--database", "other"}).out,
            "No history for app:0001_first\n");
}

// With the workers backend, `run` queues the migration and returns; `worker --once` runs it.
TEST_P(CliRun, RunQueuesForWorkersWhichRunIt) {
  mm::Config config = dbs_.config();
  config.default_backend = "workers";
  mm::configure(config);
  Output queued = run({"run", "app:0001_first", "--database", "default"});
  EXPECT_EQ(queued.code, 0) << queued.err;
  EXPECT_EQ(queued.out,
            "QUEUED app:0001_first on default for workers (`worker` processes run it)\n");
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM massmigration_chunk"), "1");
  Output worked = run(
      {"worker", "--once", "--name", "cli-worker", "--database", "default", "--database", "other"});
  EXPECT_EQ(worked.code, 0) << worked.err;
  EXPECT_EQ(worked.out,
            "worker cli-worker: claiming chunks on default, other until none is left\n"
            "worker: ran 1 chunks\n");
  EXPECT_EQ(run({"worker", "--once", "--database", "nowhere"}).code, 2);
  EXPECT_EQ(mm::api::get_record("app:0001_first", "default")->status(),
            mm::MigrationStatus::kApplied);
  // app:0002_second fails in its worker, three times, and resumed it is queued again.
  EXPECT_EQ(run({"run", "app:0002_second", "--database", "default"}).code, 0);
  EXPECT_EQ(run({"worker", "--once", "--database", "default"}).code, 0);
  EXPECT_EQ(mm::api::get_record("app:0002_second", "default")->status(),
            mm::MigrationStatus::kErrored);
  Output resumed = run({"resume", "app:0002_second", "--database", "default"});
  EXPECT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(resumed.out,
            "QUEUED app:0002_second on default for workers (`worker` processes run it)\n");
  EXPECT_EQ(mm::api::get_record("app:0002_second", "default")->status(),
            mm::MigrationStatus::kRunning);
}

// A worker takes chunks only from databases whose driver runs SQL: named, one that does not is
// bad configuration (retrying would never help); unnamed, it is passed over.
TEST_P(CliRun, AWorkerRefusesADatabaseWhoseDriverRunsNoSql) {
  mm::test::FaultyStore::register_driver();
  mm::Config config = dbs_.config();
  config.databases["records_only"] = "faulty:" + config.databases.at("other");
  mm::configure(config);
  Output refused = run({"worker", "--once", "--database", "default", "--database", "records_only"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_EQ(refused.out, "worker " + mm::this_process_owner() +
                             ": claiming chunks on default, records_only until none is left\n");
  EXPECT_EQ(refused.err,
            "manage: configuration error at databases.records_only: its driver runs no SQL, so it "
            "holds no chunks for workers\n");
  for (const char* threads : {"0", "257", "many"}) {
    Output usage = run({"worker", "--once", "--concurrency", threads});
    EXPECT_EQ(usage.code, 2);
    EXPECT_NE(usage.err.find("--concurrency needs a whole number from 1 to 256, not \"" +
                             std::string(threads) + "\""),
              std::string::npos)
        << usage.err;
  }
  Output every = run({"worker", "--once", "--concurrency", "3"});
  EXPECT_EQ(every.code, 0) << every.err;
  EXPECT_EQ(every.out, "worker " + mm::this_process_owner() +
                           ": claiming chunks on every database until none is left\n"
                           "worker: ran 0 chunks\n");
}

TEST_P(CliRun, AnInvalidRowIsUnknownThereAndMigrateAllSaysWhatToDo) {
  mm::test::create_unchecked_record_table(dbs_, "default");
  mm::test::insert_record_row(dbs_, "default", "app:0001_first",
                              {{"has_error", mm::test::sql_bool(GetParam(), true)}});
  const std::string problem =
      "record store for database default: the massmigration_record row with key "
      "\"app:0001_first\" is invalid: is_applied and has_error are both 1 (applied and failed "
      "at once)";
  Output shown = run({"showmigrations"});
  EXPECT_EQ(shown.code, 1);
  EXPECT_EQ(shown.out,
            "MIGRATION        default      other\n"
            "app:0001_first   UNKNOWN      NOT_RUN\n"
            "app:0002_second  NOT_RUN      NOT_RUN\n"
            "app:0003_third   NOT_RUN      NOT_RUN\n");
  EXPECT_EQ(shown.err, "manage: app:0001_first on default is UNKNOWN: " + problem + "\n");
  Output json =
      run({"showmigrations", "--format", "json", "--database", "default", "--app", "app"});
  EXPECT_EQ(json.code, 1);
  EXPECT_NE(json.out.find("\"databases\": {\"default\": \"UNKNOWN\"}"), std::string::npos)
      << json.out;

  Output migrate = run({"migrate_all", "--database", "default"});
  EXPECT_EQ(migrate.code, 1);
  EXPECT_EQ(migrate.out,
            "Database default:\n"
            "  UNKNOWN  app:0001_first: " +
                problem +
                " (not run; correct that row, or if no process runs it, remove it: delete "
                "app:0001_first --database default --force)\n"
                "  SKIPPED  app:0002_second: needs app:0001_first applied first\n"
                "  SKIPPED  app:0003_third: needs app:0002_second applied first\n"
                "\n"
                "default: FAILED - 1 failed, 2 skipped, 0 already applied\n");
  // The guard reads the same row the same way.
  mm::testing::ScopedEnforcement enforce;
  EXPECT_THROW(mm::MigrationGuard("app:0001_first", {.db_aliases = {"default"}}),
               mm::RequiredMigrationNotApplied);
}

TEST_P(CliRun, AForeignRowIsWarnedAboutOnceAndAffectsNothingElse) {
  mm::test::create_unchecked_record_table(dbs_, "default");
  mm::test::insert_record_row(dbs_, "default", "legacy-key");
  Output shown = run({"showmigrations", "--database", "default"});
  EXPECT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(shown.out,
            "MIGRATION        default\n"
            "app:0001_first   NOT_RUN\n"
            "app:0002_second  NOT_RUN\n"
            "app:0003_third   NOT_RUN\n");
  const std::string warning =
      "manage: warning: record store for database default: the massmigration_record row with "
      "key \"legacy-key\" is invalid: the key is not a migration key (";
  EXPECT_EQ(shown.err.rfind(warning, 0), 0u) << shown.err;
  EXPECT_EQ(shown.err.find(warning, 1), std::string::npos) << shown.err;  // once
  EXPECT_NE(shown.err.find("); no registered migration has that key; it is ignored\n"),
            std::string::npos)
      << shown.err;

  Output migrate = run({"migrate_all", "--database", "default"});
  EXPECT_EQ(migrate.code, 1);  // app:0002_second fails on purpose; the rest is as ever
  EXPECT_NE(migrate.out.find("  OK       app:0001_first"), std::string::npos) << migrate.out;
  EXPECT_NE(migrate.out.find("default: FAILED - 1 applied, 1 failed, 1 skipped"), std::string::npos)
      << migrate.out;
  EXPECT_EQ(migrate.err.rfind(warning, 0), 0u) << migrate.err;
}

INSTANTIATE_TEST_SUITE_P(Engines, CliRun, mm::test::kEngines, mm::test::engine_name);

}  // namespace
