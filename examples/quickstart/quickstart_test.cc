#include <gtest/gtest.h>
#include <massmigration/massmigration.h>
#include <massmigration/testing.h>  // turns test mode on for this program

namespace mm = massmigration;

class Refund : public mm::SimpleMigration {
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Refund, "shop", "0002_refund_totals");

int refund(int cents) { return cents; }
auto guarded_refund = mm::requires_migration("shop:0002_refund_totals")(refund);

TEST(Refund, RunsInTestsWithoutTheMigration) {
  EXPECT_EQ(guarded_refund(250), 250);  // skip_in_tests: no database needed
}

TEST(Refund, IsRefusedUntilTheMigrationIsApplied) {
  mm::testing::TemporaryDatabases dbs({"default"});
  mm::configure(dbs.config());
  mm::testing::ScopedEnforcement enforce;  // this test is about the guard itself
  EXPECT_THROW(guarded_refund(250), mm::RequiredMigrationNotApplied);
  mm::testing::mark_applied("shop:0002_refund_totals", "default");
  EXPECT_EQ(guarded_refund(250), 250);
}
