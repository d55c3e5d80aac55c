#include "massmigration/key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "massmigration/errors.h"

namespace mm = massmigration;

namespace {

TEST(MigrationKey, ParsesTheStringSpelling) {
  mm::MigrationKey key("shop:0002_backfill_slugs");
  EXPECT_EQ(key.app_label(), "shop");
  EXPECT_EQ(key.migration_id(), "0002_backfill_slugs");
  EXPECT_EQ(key.number(), 2);
  EXPECT_EQ(key.str(), "shop:0002_backfill_slugs");
}

TEST(MigrationKey, PairSpellingEqualsStringSpelling) {
  mm::MigrationKey pair{"shop", "0002_backfill_slugs"};
  EXPECT_EQ(pair, mm::MigrationKey("shop:0002_backfill_slugs"));
  EXPECT_EQ(mm::MigrationKey(std::pair<std::string, std::string>("a_1", "99999_x9")).str(),
            "a_1:99999_x9");
}

TEST(MigrationKey, OrdersByAppThenNumberThenId) {
  std::vector<mm::MigrationKey> keys = {"shop:10_b", "blog:0002_a", "shop:2_z", "shop:0002_a",
                                        "blog:0001_z"};
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> order;
  for (const auto& k : keys) order.push_back(k.str());
  EXPECT_EQ(order, (std::vector<std::string>{"blog:0001_z", "blog:0002_a", "shop:0002_a",
                                             "shop:2_z", "shop:10_b"}));
}

class MalformedKey : public ::testing::TestWithParam<const char*> {};

TEST_P(MalformedKey, IsRejectedNamingTheText) {
  const std::string text = GetParam();
  try {
    mm::MigrationKey key(text);
    FAIL() << "accepted \"" << text << "\" as " << key.str();
  } catch (const mm::InvalidMigrationKey& e) {
    EXPECT_EQ(e.text(), text);
    EXPECT_NE(std::string(e.what()).find("\"" + text + "\""), std::string::npos) << e.what();
    EXPECT_FALSE(e.reason().empty());
  }
  std::string why;
  EXPECT_FALSE(mm::MigrationKey::try_parse(text, &why).has_value());
  EXPECT_FALSE(why.empty());
}

INSTANTIATE_TEST_SUITE_P(
    TwentyFourWaysToGetItWrong, MalformedKey,
    ::testing::Values("", ":", "shop", "shop:", ":0001_initial", "Shop:0001_initial",
                      "1shop:0001_initial", "_shop:0001_initial", "sh-op:0001_initial",
                      "shop :0001_initial", "shop:initial", "shop:0001", "shop:0001_",
                      "shop:0001-initial", "shop:0001_Initial", "shop:000001_initial",
                      "shop:_0001_initial", "shop:0001_init ial", "shop:0001_initial:extra",
                      "shop::0001_initial", "shop:0001_initiäl", "shop:a001_initial",
                      "shop:0001_initial\n", "shop:0001_init.al"));

TEST(MigrationKey, UnderscoresOnlyNameIsAccepted) {
  // "__" after the number is [a-z0-9_]+; the pattern allows it, so must we.
  EXPECT_EQ(mm::MigrationKey("shop:0001__").migration_id(), "0001__");
}

TEST(MigrationKey, MalformedPairNamesBothParts) {
  try {
    mm::MigrationKey key("Shop", "0001_initial");
    FAIL();
  } catch (const mm::InvalidMigrationKey& e) {
    EXPECT_EQ(e.text(), "{\"Shop\", \"0001_initial\"}");
    EXPECT_NE(std::string(e.what()).find("app label \"Shop\""), std::string::npos) << e.what();
  }
}

TEST(UncheckedKey, KeepsTheTextWithoutChecking) {
  mm::UncheckedKey bad("not a key");
  EXPECT_EQ(bad.text(), "not a key");
  EXPECT_THROW(bad.parse(), mm::InvalidMigrationKey);
  EXPECT_EQ(mm::UncheckedKey("shop", "0001_initial").parse(),
            mm::MigrationKey("shop:0001_initial"));
}

}  // namespace
