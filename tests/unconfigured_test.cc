// A program that never calls configure(): guards fail closed, check() says why.
#include <gtest/gtest.h>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/test_migrations.h"

namespace mm = massmigration;

namespace {

TEST(Unconfigured, GuardsRefuseNamingTheCause) {
  mm::testing::ScopedEnforcement enforce;
  try {
    mm::MigrationGuard guard(mm::test::kInitial);
    FAIL();
  } catch (const mm::RequiredMigrationNotApplied& e) {
    EXPECT_NE(e.cause().find("not configured"), std::string::npos) << e.cause();
  }
}

TEST(Unconfigured, CheckReportsIt) {
  std::vector<mm::CheckProblem> problems = mm::check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where, "configuration");
}

TEST(Unconfigured, ApisSayHowToFixIt) {
  EXPECT_THROW(mm::current_config(), mm::MigrationError);
  try {
    mm::api::get_record(mm::test::kInitial, "default");
    FAIL();
  } catch (const mm::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("call massmigration::configure()"), std::string::npos);
  }
}

}  // namespace
