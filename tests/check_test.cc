#include "massmigration/check.h"

#include <gtest/gtest.h>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/test_migrations.h"
#include "support/unwritable_directory.h"

namespace mm = massmigration;

namespace {

std::vector<std::string> problems_about(const std::string& where_part) {
  std::vector<std::string> found;
  for (const mm::CheckProblem& p : mm::check()) {
    if (p.where.find(where_part) != std::string::npos) found.push_back(p.message);
  }
  return found;
}

TEST(Check, AValidSetupHasNoProblems) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config());
  EXPECT_EQ(mm::check(), std::vector<mm::CheckProblem>{});
}

// check() opens no database, but what shows from outside it does: a file that could never be
// created or written.
class CheckSqliteDirectory : public ::testing::Test {
 protected:
  std::vector<mm::CheckProblem> check_with_shop_db_at(const std::filesystem::path& file) {
    mm::Config config = dbs_.config();
    config.databases["shop_db"] = "sqlite://" + file.string();
    mm::configure(config);
    return mm::check();
  }
  mm::testing::TemporaryDatabases dbs_{{"default", "shop_db"}};
};

TEST_F(CheckSqliteDirectory, ThatDoesNotExistIsReportedNamingAliasAndPath) {
  const std::filesystem::path file = dbs_.directory() / "missing" / "shop.db";
  EXPECT_EQ(check_with_shop_db_at(file),
            (std::vector<mm::CheckProblem>{
                {"database shop_db", "cannot use " + file.string() + ": the directory " +
                                         file.parent_path().string() + " does not exist"}}));
}

TEST_F(CheckSqliteDirectory, ThatIsNotWritableIsReportedAsPermissionDenied) {
  mm::test::UnwritableDirectory read_only(dbs_.directory() / "read-only");
  if (!read_only.failure().empty()) GTEST_SKIP() << read_only.failure();
  const std::filesystem::path file = read_only.path() / "shop.db";
  EXPECT_EQ(check_with_shop_db_at(file),
            (std::vector<mm::CheckProblem>{
                {"database shop_db", "cannot use " + file.string() +
                                         ": permission denied: cannot create files in the "
                                         "directory " +
                                         read_only.path().string()}}));
}

TEST_F(CheckSqliteDirectory, ThatIsARegularFileIsReported) {
  const std::filesystem::path not_a_directory = dbs_.path("default");
  const std::filesystem::path file = not_a_directory / "shop.db";
  EXPECT_EQ(check_with_shop_db_at(file),
            (std::vector<mm::CheckProblem>{
                {"database shop_db", "cannot use " + file.string() + ": " +
                                         not_a_directory.string() + " is not a directory"}}));
}

TEST(Check, ReportsEveryMisconfiguredGuardBeforeAnyCall) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config({{"shop", "shop_db"}}));
  auto typo = mm::requires_migration("shop:0001_intial", {.name = "typo_guard"})([] {});
  auto malformed = mm::requires_migration("shop-0001", {.name = "malformed_guard"})([] {});
  auto wrong_alias = mm::requires_migration(
      mm::test::kInitial, {.db_aliases = {"default"}, .name = "alias_guard"})([] {});
  auto fine = mm::requires_migration(mm::test::kInitial, {.name = "fine_guard"})([] {});

  std::vector<std::string> typo_problems = problems_about("typo_guard");
  ASSERT_EQ(typo_problems.size(), 1u);
  EXPECT_NE(typo_problems[0].find("unknown migration shop:0001_intial"), std::string::npos);
  std::vector<std::string> malformed_problems = problems_about("malformed_guard");
  ASSERT_EQ(malformed_problems.size(), 1u);
  EXPECT_NE(malformed_problems[0].find("invalid migration key \"shop-0001\""), std::string::npos);
  std::vector<std::string> alias_problems = problems_about("alias_guard");
  ASSERT_EQ(alias_problems.size(), 1u);
  EXPECT_NE(alias_problems[0].find("requires database default"), std::string::npos);
  EXPECT_TRUE(problems_about("fine_guard").empty());
  EXPECT_EQ(mm::check().size(), 3u);
}

TEST(Check, QueriesAreNotGuards) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config());
  EXPECT_THROW(mm::migration_is_applied("shop:0001_intial"), mm::UnknownMigration);
  EXPECT_THROW(mm::migration_is_applied("not a key"), mm::InvalidMigrationKey);
  EXPECT_FALSE(mm::migration_is_applied(mm::test::kInitial, "default"));
  EXPECT_EQ(mm::check(), std::vector<mm::CheckProblem>{});
}

TEST(Check, ForgetsGuardsThatNoLongerExist) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config());
  {
    auto typo = mm::requires_migration("shop:0001_intial", {.name = "gone_guard"})([] {});
    EXPECT_EQ(problems_about("gone_guard").size(), 1u);
  }
  EXPECT_TRUE(problems_about("gone_guard").empty());
}

TEST(Check, ReportsRoutingForAnAppWithoutMigrations) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  mm::configure(dbs.config({{"sohp", "shop_db"}}));
  std::vector<std::string> typo = problems_about("routing sohp");
  ASSERT_EQ(typo.size(), 1u);
  EXPECT_NE(typo[0].find("no registered migrations"), std::string::npos);
}

TEST(Check, ReportsMigrationsThatMayRunNowhere) {
  mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
  // accounts migrations are allowed on default only; routing accounts elsewhere strands them.
  mm::configure(dbs.config({{"accounts", "shop_db"}}));
  std::vector<std::string> stranded = problems_about("migration accounts:0001_reindex");
  ASSERT_EQ(stranded.size(), 1u);
  EXPECT_NE(stranded[0].find("may run on no configured database"), std::string::npos);
}

}  // namespace
