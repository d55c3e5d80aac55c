#include <gtest/gtest.h>
#include <massmigration/massmigration.h>
#include <massmigration/testing.h>

namespace mm = massmigration;

TEST(Consumer, SeesTheSharedMigration) {
  ASSERT_NE(mm::find_migration({"shop", "0001_initial"}), nullptr);
  mm::testing::TemporaryDatabases dbs({"default"});
  mm::configure(dbs.config());
  mm::testing::ScopedEnforcement enforce;
  auto guarded = mm::requires_migration("shop:0001_initial")([] { return 7; });
  EXPECT_THROW(guarded(), mm::RequiredMigrationNotApplied);
  mm::testing::mark_applied("shop:0001_initial", "default");
  EXPECT_EQ(guarded(), 7);
}
