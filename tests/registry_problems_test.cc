// Registration mistakes cannot throw from static initialisation; configure() and check()
// must report them, naming where each registration was written.
#include <gtest/gtest.h>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"

namespace mm = massmigration;

namespace {

class First : public mm::SimpleMigration {
  void operation(mm::OperationContext&) override {}
};
class Second : public mm::SimpleMigration {
  void operation(mm::OperationContext&) override {}
};
class Cyclic : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"loop", "0002_b"}}; }
  void operation(mm::OperationContext&) override {}
};
class CyclicBack : public mm::SimpleMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override {
    return {{"loop", "0001_a"}, {"loop", "0009_missing"}};
  }
  void operation(mm::OperationContext&) override {}
};

const int kFirstLine = __LINE__ + 1;
MASSMIGRATION_REGISTER(First, "dup", "0001_same");
const int kSecondLine = __LINE__ + 1;
MASSMIGRATION_REGISTER(Second, "dup", "0001_same");
MASSMIGRATION_REGISTER(First, "Bad", "1_x");
MASSMIGRATION_REGISTER(Cyclic, "loop", "0001_a");
MASSMIGRATION_REGISTER(CyclicBack, "loop", "0002_b");

std::string site(int line) { return "registry_problems_test.cc:" + std::to_string(line); }

TEST(RegistryProblems, ConfigureNamesBothSitesOfADuplicate) {
  mm::testing::TemporaryDatabases dbs;
  try {
    mm::configure(dbs.config());
    FAIL();
  } catch (const mm::ConfigError& e) {
    std::string what = e.what();
    EXPECT_EQ(e.entry(), "migration registry");
    EXPECT_NE(what.find("dup:0001_same is registered twice"), std::string::npos) << what;
    EXPECT_NE(what.find(site(kFirstLine)), std::string::npos) << what;
    EXPECT_NE(what.find(site(kSecondLine)), std::string::npos) << what;
    EXPECT_NE(what.find("app label \"Bad\""), std::string::npos) << what;
  }
}

TEST(Configuration, PostgresUrlWithoutTheAdapterSaysWhatToLink) {
  mm::Config config;
  config.databases["shop_db"] = "postgresql://shop@127.0.0.1:5432/shop";
  try {
    mm::configure(config);
    FAIL();
  } catch (const mm::ConfigError& e) {
    EXPECT_EQ(e.entry(), "databases.shop_db");
    EXPECT_NE(
        std::string(e.what()).find("PostgreSQL URLs need the massmigration::postgres adapter"),
        std::string::npos)
        << e.what();
  }
}

TEST(RegistryProblems, FirstRegistrationWins) {
  EXPECT_NE(dynamic_cast<const First*>(&mm::get_migration("dup:0001_same")), nullptr);
  EXPECT_EQ(mm::registered_keys(),
            (std::vector<std::string>{"dup:0001_same", "loop:0001_a", "loop:0002_b"}));
}

TEST(RegistryProblems, CheckListsEveryProblem) {
  std::vector<std::string> messages;
  for (const mm::CheckProblem& p : mm::check()) messages.push_back(p.where + ": " + p.message);
  auto has = [&](const std::string& text) {
    return std::any_of(messages.begin(), messages.end(),
                       [&](const std::string& m) { return m.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("is registered twice")) << ::testing::PrintToString(messages);
  EXPECT_TRUE(has("app label \"Bad\""));
  EXPECT_TRUE(has("dependency cycle: loop:0001_a -> loop:0002_b -> loop:0001_a"))
      << ::testing::PrintToString(messages);
  EXPECT_TRUE(has("depends on loop:0009_missing, which is not a registered migration"));
  EXPECT_TRUE(has("configure() has not been called"));
}

}  // namespace
