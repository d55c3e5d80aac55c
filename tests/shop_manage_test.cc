// The shop example's management program, run as a user runs it: a spawned process in a fresh
// directory, judged by exit status, output and what its SQLite files hold afterwards.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <csignal>
#include <fstream>
#include <regex>

#include "massmigration/testing.h"
#include "support/engines.h"
#include "support/process.h"
#include "support/varying_text.h"
#include "support/worker_process.h"

namespace mm = massmigration;
using mm::test::ProcessResult;

namespace {

std::filesystem::path g_manage;   // argv[1]
std::filesystem::path g_example;  // argv[2]: examples/shop

class ShopManage : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(g_manage.empty()) << "run through ctest, which passes shop-manage's path";
    std::filesystem::copy_file(g_example / "massmigration.toml", dir() / "massmigration.toml");
    std::filesystem::create_directory(dir() / "data");
  }
  const std::filesystem::path& dir() const { return scratch_.directory(); }
  ProcessResult manage(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                       const std::string& input = "") {
    args.insert(args.begin(), g_manage.string());
    return mm::test::run_process(args, dir(), env, input);
  }
  // The first column of the first row of `sql` on data/<file>, or "<no file>".
  std::string scalar(const std::string& file, const std::string& sql) {
    std::filesystem::path path = dir() / "data" / file;
    if (!std::filesystem::exists(path)) return "<no file>";
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    std::string out = "<error>";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      out = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)
                ? reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))
                : "";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }
  std::string status(const std::string& file, const std::string& key) {
    return scalar(file,
                  "SELECT CASE WHEN is_applied THEN 'APPLIED' WHEN has_error THEN "
                  "'ERRORED' ELSE 'RUNNING' END FROM massmigration_record WHERE key = '" +
                      key + "'");
  }
  std::vector<std::string> data_files() {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir() / "data")) {
      files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  mm::testing::TemporaryDatabases scratch_{{}};
};

TEST_F(ShopManage, GuardsRefuseThenMigrateAllAppliesEverythingThenTheyAllow) {
  ProcessResult before = manage({"products"});
  EXPECT_EQ(before.exit_code, 1);
  EXPECT_NE(before.err.find("refused: required migration shop:0002_backfill_slugs is not "
                            "applied on shop_db"),
            std::string::npos)
      << before.err;
  ProcessResult http_before = manage({"http-demo"});
  EXPECT_EQ(http_before.exit_code, 1);
  EXPECT_NE(http_before.out.find("GET /products -> 503"), std::string::npos);

  ProcessResult migrate = manage({"migrate_all"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.out << migrate.err;
  EXPECT_NE(migrate.out.find("blog_db: OK - 2 applied, 0 already applied"), std::string::npos)
      << migrate.out;
  EXPECT_NE(migrate.out.find("default: OK - 1 applied, 0 already applied"), std::string::npos);
  EXPECT_NE(migrate.out.find("shop_db: OK - 5 applied, 0 already applied"), std::string::npos);
  // Not a terminal: plain progress lines, the last at the end of the run.
  EXPECT_NE(migrate.out.find("  progress shop:0005_order_tax on shop_db: 100000/100000 rows "
                             "(100%)"),
            std::string::npos)
      << migrate.out;
  EXPECT_EQ(migrate.out.find('\r'), std::string::npos);
  // Dependency order within a database.
  EXPECT_LT(migrate.out.find("shop:0001_create_products"),
            migrate.out.find("shop:0002_backfill_slugs"));

  EXPECT_EQ(scalar("shop.db", "SELECT group_concat(slug, ',') FROM product"),
            "blue-mug,red-pen,tea-pot");
  EXPECT_EQ(scalar("blog.db", "SELECT title FROM post WHERE id = 2"), "Mass Migrations In C++");
  EXPECT_EQ(scalar("default.db", "SELECT email FROM account"), "ada@example.com");
  EXPECT_EQ(status("shop.db", "shop:0003_check_prices"), "APPLIED");
  // Routing kept each app's records and tables in its own database.
  EXPECT_EQ(scalar("default.db", "SELECT count(*) FROM massmigration_record"), "1");
  EXPECT_EQ(scalar("default.db", "SELECT count(*) FROM sqlite_master WHERE name = 'product'"), "0");

  ProcessResult after = manage({"products"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "blue-mug: 12.00\nred-pen: 2.50\ntea-pot: 34.00\n");
  EXPECT_EQ(manage({"http-demo"}).exit_code, 0);

  ProcessResult again = manage({"migrate_all"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("shop_db: OK - 5 already applied"), std::string::npos) << again.out;
  EXPECT_EQ(scalar("shop.db", "SELECT count(*) FROM orders WHERE tax_cents = total_cents / 5"),
            "100000");
}

TEST_F(ShopManage, AFailingMigrationExitsOneRollsBackAndLeavesTheOthers) {
  ProcessResult failed = manage({"migrate_all"}, {{"SHOP_FAIL_PRICE_CHECK", "1"}});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.out.find("FAILED   shop:0003_check_prices: std::runtime_error: price check "
                            "failed on purpose"),
            std::string::npos)
      << failed.out;
  EXPECT_NE(failed.out.find("shop_db: FAILED - 4 applied, 1 failed"), std::string::npos)
      << failed.out;
  EXPECT_NE(failed.out.find("blog_db: OK"), std::string::npos);
  EXPECT_EQ(status("shop.db", "shop:0003_check_prices"), "ERRORED");
  EXPECT_EQ(scalar("shop.db",
                   "SELECT last_error FROM massmigration_record WHERE key = "
                   "'shop:0003_check_prices'"),
            "std::runtime_error: price check failed on purpose (SHOP_FAIL_PRICE_CHECK=1)");
  // Its ALTER TABLE was rolled back with it.
  EXPECT_EQ(scalar("shop.db",
                   "SELECT count(*) FROM pragma_table_info('product') WHERE name = "
                   "'needs_price'"),
            "0");

  ProcessResult still = manage({"migrate_all"});
  EXPECT_EQ(still.exit_code, 1);
  EXPECT_NE(still.out.find("(to run it again: resume shop:0003_check_prices --database shop_db)"),
            std::string::npos)
      << still.out;
  ProcessResult deleted = manage({"delete", "shop:0003_check_prices", "--database", "shop_db"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  ProcessResult rerun = manage({"run", "shop:0003_check_prices", "--database", "shop_db"});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_EQ(rerun.out, "OK shop:0003_check_prices on shop_db\n");
  EXPECT_EQ(status("shop.db", "shop:0003_check_prices"), "APPLIED");
}

TEST_F(ShopManage, DryRunPrintsThePlanAndChangesNothing) {
  ProcessResult plan = manage({"migrate_all", "--dry-run"});
  EXPECT_EQ(plan.exit_code, 0);
  EXPECT_NE(plan.out.find("WOULD RUN  shop:0002_backfill_slugs"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("shop_db: OK - 5 to apply"), std::string::npos);
  EXPECT_TRUE(data_files().empty()) << ::testing::PrintToString(data_files());
}

TEST_F(ShopManage, FakeRecordsWithoutRunning) {
  ProcessResult faked = manage({"migrate_all", "--fake", "--app", "shop"});
  EXPECT_EQ(faked.exit_code, 0) << faked.out << faked.err;
  EXPECT_NE(faked.out.find("FAKED    shop:0001_create_products"), std::string::npos);
  EXPECT_EQ(scalar("shop.db", "SELECT sum(was_faked) FROM massmigration_record"), "5");
  EXPECT_EQ(scalar("shop.db", "SELECT count(*) FROM sqlite_master WHERE name = 'product'"), "0");
  EXPECT_EQ(scalar("blog.db", "SELECT 1"), "<no file>");  // --app shop touched nothing else
}

TEST_F(ShopManage, DatabaseFilterRunsOneDatabase) {
  ProcessResult one = manage({"migrate_all", "--database", "blog_db"});
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_EQ(one.out.find("Database shop_db"), std::string::npos);
  EXPECT_EQ(status("blog.db", "blog:0002_title_case"), "APPLIED");
  EXPECT_EQ(scalar("shop.db", "SELECT 1"), "<no file>");
}

TEST_F(ShopManage, ShowmigrationsAsTableAndJson) {
  manage({"run", "blog:0001_create_posts", "--database", "blog_db"});
  ProcessResult table = manage({"showmigrations", "--database", "blog_db", "--app", "blog"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out,
            "MIGRATION               blog_db\n"
            "blog:0001_create_posts  APPLIED\n"
            "blog:0002_title_case    NOT_RUN\n");
  ProcessResult json = manage({"showmigrations", "--format", "json", "--app", "accounts"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_EQ(json.out,
            "[\n  {\"key\": \"accounts:0001_create_users\", \"app\": \"accounts\", \"name\": "
            "\"0001_create_users\", \"databases\": {\"blog_db\": \"NOT_ALLOWED\", \"default\": "
            "\"NOT_RUN\", \"shop_db\": \"NOT_ALLOWED\"}}\n]\n");
}

TEST_F(ShopManage, RunFakeAndDeleteOneMigration) {
  EXPECT_EQ(manage({"fake", "accounts:0001_create_users", "--database", "default"}).out,
            "FAKED accounts:0001_create_users on default\n");
  EXPECT_EQ(manage({"fake", "accounts:0001_create_users", "--database", "default"}).out,
            "ALREADY APPLIED accounts:0001_create_users on default (record kept)\n");
  EXPECT_EQ(scalar("default.db", "SELECT was_faked FROM massmigration_record"), "1");
  ProcessResult refused = manage({"run", "accounts:0001_create_users", "--database", "default"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("already started on default"), std::string::npos) << refused.err;
  EXPECT_EQ(manage({"delete", "accounts:0001_create_users", "--database", "default"}).out,
            "DELETED the record of accounts:0001_create_users on default\n");
  ProcessResult run = manage({"run", "accounts:0001_create_users", "--database", "default"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(scalar("default.db", "SELECT email FROM account"), "ada@example.com");
  ProcessResult not_allowed = manage({"run", "shop:0001_create_products", "--database", "default"});
  EXPECT_EQ(not_allowed.exit_code, 1);
  EXPECT_NE(not_allowed.err.find("cannot run on database default (it may run on: shop_db)"),
            std::string::npos)
      << not_allowed.err;
  ProcessResult dependency = manage({"run", "shop:0002_backfill_slugs", "--database", "shop_db"});
  EXPECT_EQ(dependency.exit_code, 1);
  EXPECT_NE(dependency.err.find("depends on shop:0001_create_products"), std::string::npos);
}

TEST_F(ShopManage, DeleteRefusesARunningRecordAndForceDeletesIt) {
  ASSERT_EQ(manage({"fake", "accounts:0001_create_users", "--database", "default"}).exit_code, 0);
  // As a launch in another process leaves it while its run goes on.
  sqlite3* db = nullptr;
  sqlite3_open((dir() / "data/default.db").c_str(), &db);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE massmigration_record SET is_applied = 0, applied_at = NULL, "
                         "was_faked = 0, attempt_uuid = 'attempt-1', "
                         "initiated_at = '2026-11-29T22:00:00.123456Z', owner = 'host a pid 1', "
                         "heartbeat_at = strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ProcessResult refused = manage({"delete", "accounts:0001_create_users", "--database", "default"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(mm::test::with_placeholders(refused.err),
            "shop-manage: the record of migration accounts:0001_create_users on default was kept: "
            "it is running: attempt attempt-1, started <time> by <owner>, last seen <time> (<age> "
            "ago); wait for it to finish (a run not seen for the 30s lease shows STALLED, and "
            "may then be resumed)\n");
  EXPECT_EQ(status("default.db", "accounts:0001_create_users"), "RUNNING");
  // The loser of a start is told the same, never to delete.
  ProcessResult loser = manage({"run", "accounts:0001_create_users", "--database", "default"});
  EXPECT_EQ(loser.exit_code, 1);
  EXPECT_EQ(loser.err.find("delete"), std::string::npos) << loser.err;
  EXPECT_NE(loser.err.find("wait for it to finish (a run not seen for the 30s lease shows "
                           "STALLED, and may then be resumed)"),
            std::string::npos)
      << loser.err;

  ProcessResult forced =
      manage({"delete", "accounts:0001_create_users", "--database", "default", "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(forced.out,
            "DELETED the record of accounts:0001_create_users on default (forced: it said "
            "RUNNING, attempt attempt-1 started 2026-11-29T22:00:00.123456Z; if that run still "
            "goes on, a fresh run redoes its work)\n");
  EXPECT_EQ(scalar("default.db", "SELECT count(*) FROM massmigration_record"), "0");
}

TEST_F(ShopManage, BadInputSaysWhatIsWrongExitsTwoAndChangesNothing) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"migrate"}, "unknown command \"migrate\""},
           {{"migrate_all", "--databse", "shop_db"}, "unknown option --databse"},
           {{"migrate_all", "--database", "nope"}, "unknown database \"nope\""},
           {{"migrate_all", "--app", "shopp"}, "app \"shopp\" has no registered migrations"},
           {{"showmigrations", "--format", "xml"}, "unknown format \"xml\""},
           {{"run", "shop:2-bad", "--database", "shop_db"}, "invalid migration key \"shop:2-bad\""},
           {{"run", "shop:0009_nope", "--database", "shop_db"}, "unknown migration shop:0009_nope"},
           {{"run", "shop:0001_create_products"}, "missing --database"},
           {{"fake", "--database", "shop_db"}, "missing KEY"},
           {{"makemassmigration", "shop", "Bad-Name"}, "bad migration name \"Bad-Name\""},
           {{"makemassmigration", "Shop", "x"}, "app label \"Shop\""},
           {{"makemassmigration", "shop", "x", "--template", "fancy"}, "unknown template"},
           {{"--config", "missing.toml", "showmigrations"}, "missing.toml: cannot read the file"},
       }) {
    ProcessResult r = manage(c.args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(c.args) << r.out << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << ::testing::PrintToString(c.args) << "\n"
                                                         << r.err;
  }
  EXPECT_TRUE(data_files().empty());
  EXPECT_FALSE(std::filesystem::exists(dir() / "shop"));
}

TEST_F(ShopManage, NoConfigurationIsAClearError) {
  std::filesystem::remove(dir() / "massmigration.toml");
  ProcessResult r = manage({"showmigrations"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no configuration: pass --config FILE"), std::string::npos) << r.err;
  std::filesystem::copy_file(g_example / "massmigration.toml", dir() / "elsewhere.toml");
  EXPECT_EQ(manage({"--config", "elsewhere.toml", "showmigrations"}).exit_code, 0);
  EXPECT_EQ(manage({"showmigrations"}, {{"MASSMIGRATION_CONFIG", "elsewhere.toml"}}).exit_code, 0);
}

TEST_F(ShopManage, EveryCommandHasHelp) {
  ProcessResult top = manage({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* command : {"showmigrations", "migrate_all", "migrator", "run", "fake", "delete",
                              "makemassmigration", "check", "products", "http-demo"}) {
    EXPECT_NE(top.out.find(command), std::string::npos) << command;
  }
  for (const char* command : {"showmigrations", "migrate_all", "migrator", "run", "fake", "resume",
                              "delete", "makemassmigration", "check"}) {
    ProcessResult help = manage({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find(std::string("usage: shop-manage [--config FILE] ") + command),
              std::string::npos)
        << help.out;
  }
  EXPECT_EQ(manage({}).exit_code, 2);
}

TEST_F(ShopManage, MigratorFollowsScriptedChoices) {
  ProcessResult r = manage({"migrator"}, {}, "4\n3\n9\n2\nblog_db\n1\n5\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1) Migrate all databases"), std::string::npos);
  EXPECT_NE(r.out.find("blog -> blog_db"), std::string::npos);  // 4: configuration
  EXPECT_TRUE(std::regex_search(r.out, std::regex("blog:0001_create_posts +NOT_RUN")))  // 3
      << r.out;
  EXPECT_NE(r.out.find("Please choose 1-5."), std::string::npos);  // 9
  size_t one_db = r.out.find("Database blog_db:");                 // 2, blog_db
  size_t all = r.out.find("Database shop_db:");                    // 1
  ASSERT_NE(one_db, std::string::npos);
  ASSERT_NE(all, std::string::npos);
  EXPECT_LT(one_db, all);
  EXPECT_EQ(status("shop.db", "shop:0003_check_prices"), "APPLIED");
}

TEST_F(ShopManage, MigratorAutoRunsWithoutPrompts) {
  ProcessResult r = manage({"migrator", "--auto", "--app", "blog"}, {}, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("Choose"), std::string::npos);
  EXPECT_EQ(status("blog.db", "blog:0002_title_case"), "APPLIED");
  ProcessResult failing = manage({"migrator", "--auto"}, {{"SHOP_FAIL_PRICE_CHECK", "1"}}, "");
  EXPECT_EQ(failing.exit_code, 1);
}

TEST_F(ShopManage, CheckFindsNoProblemsInTheExample) {
  ProcessResult r = manage({"check"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "No problems found (8 migrations, 3 databases)\n");
}

TEST_F(ShopManage, CheckReportsADataDirectoryThatDoesNotExist) {
  std::filesystem::remove(dir() / "data");
  ProcessResult r = manage({"check"});
  EXPECT_EQ(r.exit_code, 1);
  const std::string data = (dir() / "data").string();
  auto line = [&](const std::string& alias, const std::string& file) {
    return "database " + alias + ": cannot use " + data + "/" + file + ": the directory " + data +
           " does not exist\n";
  };
  EXPECT_EQ(r.out, line("blog_db", "blog.db") + line("default", "default.db") +
                       line("shop_db", "shop.db") + "3 problem(s) found\n");
}

TEST_F(ShopManage, MapperProgressShowsInShowmigrations) {
  ProcessResult migrate = manage({"migrate_all", "--app", "shop"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.out;
  ProcessResult table = manage({"showmigrations", "--app", "shop", "--database", "shop_db"});
  EXPECT_NE(table.out.find("PROGRESS shop:0005_order_tax on shop_db: 100000/100000 rows (100%) "
                           "APPLIED"),
            std::string::npos)
      << table.out;
  ProcessResult json = manage({"showmigrations", "--format", "json", "--database", "shop_db"});
  EXPECT_NE(json.out.find("{\"key\": \"shop:0005_order_tax\", \"app\": \"shop\", \"name\": "
                          "\"0005_order_tax\", \"databases\": {\"shop_db\": \"APPLIED\"}, "
                          "\"progress\": {\"shop_db\": {\"done\": 100000, \"total\": 100000}}, "
                          "\"details\": {\"shop_db\": {\"attempt_uuid\": "),
            std::string::npos)
      << json.out;
  // Only mappers carry progress.
  EXPECT_EQ(json.out.find("0004_seed_orders\", \"databases\": {\"shop_db\": \"APPLIED\"}, "
                          "\"progress\""),
            std::string::npos);

  // A live run a quarter through, whose attempt did 25 000 rows in the 10 s to its last
  // heartbeat: the 75 000 rows left take 30 s more at that rate.
  sqlite3* db = nullptr;
  sqlite3_open((dir() / "data/shop.db").c_str(), &db);
  ASSERT_EQ(sqlite3_exec(
                db,
                "UPDATE massmigration_record SET is_applied = 0, applied_at = NULL, "
                "rows_done = 25000, rows_done_at_start = 0, "
                "attempt_started_at = strftime('%Y-%m-%dT%H:%M:%f', 'now', "
                "'-10 seconds') || '000Z', heartbeat_at = strftime('%Y-%m-%dT%H:%M:%f', 'now') || "
                "'000Z' WHERE key = 'shop:0005_order_tax'",
                nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  table = manage({"showmigrations", "--app", "shop", "--database", "shop_db"});
  EXPECT_NE(table.out.find("PROGRESS shop:0005_order_tax on shop_db: 25000/100000 rows (25%) "
                           "RUNNING, ETA 30s\n"),
            std::string::npos)
      << table.out;
  json = manage({"showmigrations", "--format", "json", "--database", "shop_db"});
  EXPECT_NE(json.out.find("\"last_error\": \"\", \"eta_seconds\": 30}"), std::string::npos)
      << json.out;
  // Finished runs have none.
  EXPECT_NE(json.out.find("\"last_error\": \"\", \"eta_seconds\": null}"), std::string::npos)
      << json.out;
}

TEST_F(ShopManage, OnATerminalProgressIsABarRedrawnInPlace) {
  // script(1) gives shop-manage a pseudo-terminal for its output.
  ProcessResult r = mm::test::run_process(
      {"/usr/bin/script", "-qec", g_manage.string() + " migrate_all --app shop", "/dev/null"},
      dir());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\r  shop:0005_order_tax on shop_db ["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("########################] 100000/100000 rows (100%)"), std::string::npos)
      << r.out;
}

TEST_F(ShopManage, AnInterruptedMapperResumesFromTheCommandLine) {
  ProcessResult first = manage({"migrate_all", "--app", "shop"});
  ASSERT_EQ(first.exit_code, 0);
  // As if its process had died halfway: RUNNING, 40 000 rows done, checkpoint at 40 000, last
  // seen long ago.
  sqlite3* db = nullptr;
  sqlite3_open((dir() / "data/shop.db").c_str(), &db);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE orders SET tax_cents = NULL WHERE id > 40000;"
                         "UPDATE massmigration_record SET is_applied = 0, applied_at = NULL, "
                         "rows_done = 40000, checkpoint = '40000', "
                         "heartbeat_at = '2026-01-01T00:00:00.000000Z' "
                         "WHERE key = 'shop:0005_order_tax'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ProcessResult shown = manage({"showmigrations", "--app", "shop", "--database", "shop_db"});
  EXPECT_NE(shown.out.find("shop:0005_order_tax        STALLED"), std::string::npos) << shown.out;
  ProcessResult migrated = manage({"migrate_all", "--app", "shop", "--database", "shop_db"});
  EXPECT_EQ(migrated.exit_code, 1);  // a deploy does not pass over a dead run
  EXPECT_NE(migrated.out.find("  STALLED  shop:0005_order_tax (run by"), std::string::npos)
      << migrated.out;
  EXPECT_NE(migrated.out.find("longer ago than the lease: its process died or hangs; resume "
                              "shop:0005_order_tax --database shop_db)"),
            std::string::npos)
      << migrated.out;
  ProcessResult refused = manage({"run", "shop:0005_order_tax", "--database", "shop_db"});
  EXPECT_EQ(refused.exit_code, 1);
  ProcessResult resumed = manage({"resume", "shop:0005_order_tax", "--database", "shop_db"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("progress shop:0005_order_tax on shop_db: 100000/100000 rows"),
            std::string::npos)
      << resumed.out;
  EXPECT_NE(resumed.out.find("OK shop:0005_order_tax on shop_db"), std::string::npos);
  EXPECT_EQ(scalar("shop.db", "SELECT count(*) FROM orders WHERE tax_cents IS NULL"), "0");
  EXPECT_EQ(scalar("shop.db",
                   "SELECT rows_done FROM massmigration_record WHERE key = "
                   "'shop:0005_order_tax'"),
            "100000");
  // The resumed attempt's rate, and so its ETA, counts from where it took over.
  EXPECT_EQ(scalar("shop.db",
                   "SELECT rows_done_at_start FROM massmigration_record WHERE key = "
                   "'shop:0005_order_tax'"),
            "40000");
}

TEST_F(ShopManage, SqliteAndPostgresTogether) {
  mm::test::TestDatabases pg(mm::test::Engine::kPostgres, {"shop_db"});
  std::ofstream(dir() / "massmigration.toml", std::ios::trunc)
      << "[databases]\ndefault = \"sqlite:data/default.db\"\nblog_db = \"sqlite:data/blog.db\"\n"
      << "shop_db = \"" << pg.url("shop_db") << "\"\n[routing]\nblog = \"blog_db\"\n"
      << "shop = \"shop_db\"\n";
  EXPECT_EQ(manage({"products"}).exit_code, 1);
  ProcessResult migrate = manage({"migrate_all"});
  EXPECT_EQ(migrate.exit_code, 0) << migrate.out << migrate.err;
  EXPECT_NE(migrate.out.find("shop_db: OK - 5 applied"), std::string::npos) << migrate.out;
  EXPECT_EQ(pg.scalar("shop_db", "SELECT count(*) FROM orders WHERE tax_cents IS NULL"), "0");
  EXPECT_NE(migrate.out.find("blog_db: OK - 2 applied"), std::string::npos) << migrate.out;
  EXPECT_EQ(pg.scalar("shop_db", "SELECT slug FROM product WHERE id = 1"), "blue-mug");
  EXPECT_EQ(pg.scalar("shop_db", "SELECT count(*) FROM massmigration_record WHERE is_applied"),
            "5");
  EXPECT_EQ(status("blog.db", "blog:0002_title_case"), "APPLIED");
  ProcessResult shown = manage({"showmigrations", "--format", "json", "--app", "shop"});
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_NE(shown.out.find("\"shop_db\": \"APPLIED\""), std::string::npos) << shown.out;
  ProcessResult products = manage({"products"});
  EXPECT_EQ(products.exit_code, 0) << products.err;
  EXPECT_EQ(products.out, "blue-mug: 12.00\nred-pen: 2.50\ntea-pot: 34.00\n");
}

TEST_F(ShopManage, MakemassmigrationWritesTheNextNumberedFile) {
  ProcessResult made = manage({"makemassmigration", "shop", "add_stock"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(made.out,
            "Created shop/massmigrations/0006_add_stock.cc (shop:0006_add_stock, after "
            "shop:0005_order_tax)\n");
  std::ifstream file(dir() / "shop/massmigrations/0006_add_stock.cc");
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_NE(text.str().find("return {{\"shop\", \"0005_order_tax\"}};"), std::string::npos);
  EXPECT_NE(text.str().find("MASSMIGRATION_REGISTER(AddStock, \"shop\", \"0006_add_stock\");"),
            std::string::npos)
      << text.str();
  ProcessResult next = manage({"makemassmigration", "shop", "reprice", "--template", "custom"});
  EXPECT_EQ(next.exit_code, 0);
  EXPECT_NE(next.out.find("0007_reprice.cc"), std::string::npos) << next.out;
  ProcessResult duplicate = manage({"makemassmigration", "shop", "add_stock"});
  EXPECT_EQ(duplicate.exit_code, 2);
  EXPECT_NE(duplicate.err.find("already has a migration named add_stock (0006_add_stock)"),
            std::string::npos)
      << duplicate.err;
  ProcessResult fresh_app =
      manage({"makemassmigration", "billing", "initial", "--template", "mapper"});
  EXPECT_EQ(fresh_app.out,
            "Created billing/massmigrations/0001_initial.cc (billing:0001_initial)\n");
}

TEST_F(ShopManage, MakemassmigrationRefusesNamesItWouldMisreadBeforeWritingAnything) {
  const std::string too_long(247, 'x');
  struct Case {
    std::string name, message;
  };
  for (const Case& c : std::vector<Case>{
           {"0003_name",
            "bad migration name \"0003_name\": the number is assigned automatically, so a name "
            "starts with a letter (write \"name\")"},
           {"3d_models",
            "bad migration name \"3d_models\": the number is assigned automatically, so a name "
            "starts with a letter (write \"add_stock\")"},
           {too_long,
            "bad migration name: 247 characters are too many for a file name; use at most 246"},
       }) {
    ProcessResult r = manage({"makemassmigration", "shop", c.name});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "shop-manage makemassmigration: " + c.message);
  }
  EXPECT_FALSE(std::filesystem::exists(dir() / "shop"));
  // The longest name allowed is a file the file system takes.
  ProcessResult longest = manage({"makemassmigration", "shop", std::string(246, 'x')});
  EXPECT_EQ(longest.exit_code, 0) << longest.err;
  EXPECT_TRUE(std::filesystem::exists(dir() / "shop/massmigrations" /
                                      ("0006_" + std::string(246, 'x') + ".cc")));
}

#ifdef MASSMIGRATION_TEST_CONSOLE
// `serve`: the console on its own, with the [console] user whose hash console-password made,
// on a port the system chose, until SIGTERM.
TEST_F(ShopManage, ServeRunsTheConsoleForTheConfiguredUserUntilSigterm) {
  ProcessResult hashed = manage({"console-password"}, {}, "s3cret\n");
  ASSERT_EQ(hashed.exit_code, 0) << hashed.err;
  const std::string hash = hashed.out.substr(0, hashed.out.find('\n'));
  std::ofstream(dir() / "massmigration.toml", std::ios::app)
      << "\n[console]\nusername = \"admin\"\npassword_hash = \"" << hash << "\"\n";
  mm::test::WorkerProcess serve(
      {"--config", (dir() / "massmigration.toml").string(), "serve", "--listen", "127.0.0.1:0"},
      g_manage);
  std::smatch match;
  const std::string first = serve.first_line();
  ASSERT_TRUE(std::regex_search(
      first, match,
      std::regex(
          R"(^massmigration console on http://127\.0\.0\.1:(\d+)/massmigrations/ \(user admin)")))
      << first;
  httplib::Client client("127.0.0.1", std::stoi(match[1].str()));
  EXPECT_EQ(client.Get("/massmigrations/")->status, 303);
  httplib::Result login =
      client.Post("/massmigrations/login", {{"Origin", "http://127.0.0.1:" + match[1].str()}},
                  httplib::Params{{"username", "admin"}, {"password", "s3cret"}});
  ASSERT_EQ(login->status, 303);
  const std::string cookie = login->get_header_value("Set-Cookie");
  httplib::Result index =
      client.Get("/massmigrations/", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_EQ(index->status, 200);
  EXPECT_NE(index->body.find("shop:0005_order_tax"), std::string::npos);
  // A body larger than any form is refused before it is read into memory.
  EXPECT_EQ(client
                .Post("/massmigrations/login", std::string(100 * 1024, 'x'),
                      "application/x-www-form-urlencoded")
                ->status,
            413);
  serve.signal(SIGTERM);
  const int status = serve.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(ShopManage, ServeWithoutAConsoleUserSaysWhatToAdd) {
  ProcessResult refused = manage({"serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("serve needs a [console] section with username and password_hash"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(manage({"serve", "--listen", "localhost"}).exit_code, 2);
  // A hash cut short when pasted would fail every login without saying why: refused at start.
  std::ofstream(dir() / "massmigration.toml", std::ios::app)
      << "\n[console]\nusername = \"admin\"\npassword_hash = \"$argon2id$v=19$m=19456\"\n";
  ProcessResult cut = manage({"serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_NE(cut.err.find("not a whole argon2id hash"), std::string::npos) << cut.err;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 2) {
    g_manage = std::filesystem::absolute(argv[1]);
    g_example = std::filesystem::absolute(argv[2]);
  }
  return RUN_ALL_TESTS();
}
