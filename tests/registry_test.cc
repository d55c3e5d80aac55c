#include "massmigration/registry.h"

#include <gtest/gtest.h>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/test_migrations.h"

namespace mm = massmigration;

namespace {

TEST(Registry, ListsEveryMigrationOrderedByAppThenNumber) {
  std::vector<std::string> keys;
  for (const mm::Migration* m : mm::get_all_migrations()) keys.push_back(m->key().str());
  EXPECT_EQ(keys, (std::vector<std::string>{"accounts:0001_reindex", "accounts:0002_export",
                                            "blog:0001_titles", "shop:0001_initial",
                                            "shop:0002_backfill_slugs"}));
  EXPECT_EQ(mm::registered_keys(), keys);
}

TEST(Registry, KeepsDeclarations) {
  const mm::Migration& backfill = mm::get_migration(mm::test::kBackfill);
  EXPECT_EQ(backfill.type(), mm::MigrationType::kSimple);
  EXPECT_EQ(backfill.description(), "Fill product.slug from name.");
  EXPECT_EQ(backfill.dependencies(), std::vector<mm::MigrationKey>{mm::test::kInitial});
  EXPECT_EQ(backfill.allowed_db_aliases(), (std::vector<std::string>{"default", "shop_db"}));
  EXPECT_EQ(mm::get_migration(mm::test::kReindex).type(), mm::MigrationType::kMapper);
  const auto& custom =
      dynamic_cast<const mm::CustomMigration&>(mm::get_migration(mm::test::kExport));
  EXPECT_EQ(custom.backend_method(), "export_accounts");
  EXPECT_EQ(mm::get_migration(mm::test::kInitial).allowed_db_aliases(), std::nullopt);
}

TEST(Registry, NamesEachMigrationType) {
  EXPECT_EQ(mm::to_string(mm::get_migration(mm::test::kBackfill).type()), "simple");
  EXPECT_EQ(mm::to_string(mm::get_migration(mm::test::kReindex).type()), "mapper");
  EXPECT_EQ(mm::to_string(mm::get_migration(mm::test::kExport).type()), "custom");
}

TEST(Registry, OneInstancePerMigration) {
  EXPECT_EQ(&mm::get_migration(mm::test::kInitial), mm::find_migration(mm::test::kInitial));
}

TEST(Registry, UnknownKeyListsTheRegisteredKeys) {
  EXPECT_EQ(mm::find_migration("shop:0003_missing"), nullptr);
  try {
    mm::get_migration("shop:0003_missing");
    FAIL();
  } catch (const mm::UnknownMigration& e) {
    EXPECT_EQ(e.key(), "shop:0003_missing");
    EXPECT_EQ(e.known_keys(), mm::registered_keys());
    EXPECT_NE(std::string(e.what()).find("registered: accounts:0001_reindex, "), std::string::npos)
        << e.what();
  }
}

}  // namespace
