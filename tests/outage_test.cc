// A PostgreSQL server that goes away and comes back, for real: guards fail closed quickly
// while it is down and work again, in the same process, once it is back. The test runs its
// own throwaway server so that stopping it disturbs no other test.
#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/postgres_cluster.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::kInitial;

namespace {

class Outage : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.start();
    pqxx::connection admin(cluster_.url());
    pqxx::nontransaction(admin).exec("CREATE DATABASE app");
    pqxx::nontransaction(admin).exec("CREATE DATABASE shop");
    mm::Config config;
    config.databases["default"] = cluster_.url("app") + "?connect_timeout=3";
    config.databases["shop_db"] = cluster_.url("shop") + "?connect_timeout=3";
    mm::configure(config);
  }
  void TearDown() override { cluster_.destroy(); }

  struct Refusal {
    std::string cause = "<not refused>";
    std::vector<std::string> missing;
    double seconds = 0;
  };
  // The refusal of a guard, and how long it took.
  Refusal refusal() {
    auto start = std::chrono::steady_clock::now();
    Refusal r;
    try {
      mm::MigrationGuard guard(kInitial);
    } catch (const mm::RequiredMigrationNotApplied& e) {
      r.cause = e.cause();
      r.missing = e.missing_aliases();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  mm::test::PostgresCluster cluster_;
  mm::testing::ScopedEnforcement enforce_;
};

TEST_F(Outage, GuardsFailClosedWhileTheServerIsDownAndRecoverWhenItIsBack) {
  mm::api::fake_migration(kInitial, "default");
  mm::api::fake_migration(kInitial, "shop_db");
  EXPECT_NO_THROW(mm::MigrationGuard guard(kInitial));

  cluster_.stop();
  mm::reset_guard_cache();  // forget the positive answer, as a new process would not have it
  auto [cause, missing, seconds] = refusal();
  EXPECT_EQ(missing, (std::vector<std::string>{"default", "shop_db"}));
  EXPECT_NE(cause.find("record store for database default: reading the record of "
                       "shop:0001_initial: "),
            std::string::npos)
      << cause;
  EXPECT_NE(cause.find("record store for database shop_db"), std::string::npos) << cause;
  // Refused within the connect timeout (3 s per database), not hanging.
  EXPECT_LT(seconds, 2 * 3 + 2.0);
  EXPECT_THROW(mm::migration_is_applied(kInitial, "default"), mm::RecordStoreError);
  EXPECT_THROW(mm::api::fake_migration("shop:0002_backfill_slugs", "shop_db"),
               mm::RecordStoreError);

  cluster_.start();                                     // same port, same data
  EXPECT_NO_THROW(mm::MigrationGuard guard(kInitial));  // reconnected, no restart, no configure()
  EXPECT_TRUE(mm::migration_is_applied(kInitial, "shop_db"));
  EXPECT_TRUE(mm::api::get_record(kInitial, "default")->was_faked);
}

// The throwaway cluster trusts local connections, so the password is parsed but not checked.
TEST_F(Outage, UrlsCarryUserPasswordAndLibpqOptions) {
  pqxx::connection admin(cluster_.url());
  pqxx::nontransaction(admin).exec("CREATE ROLE shop LOGIN PASSWORD 'se cret'");
  pqxx::nontransaction(admin).exec("GRANT ALL ON DATABASE shop TO shop");
  pqxx::nontransaction(admin).exec("ALTER DATABASE shop OWNER TO shop");
  mm::Config config;
  config.databases["default"] = cluster_.url("app");
  config.databases["shop_db"] =
      "postgresql://shop:se%20cret@127.0.0.1:" + std::to_string(cluster_.port()) +
      "/shop?sslmode=disable&connect_timeout=3&application_name=mm-test";
  mm::configure(config);
  mm::api::fake_migration(kInitial, "shop_db");
  pqxx::connection shop(cluster_.url("shop"));
  EXPECT_EQ(pqxx::nontransaction(shop)
                .exec("SELECT tableowner FROM pg_tables WHERE tablename = 'massmigration_record'")
                .at(0)
                .at(0)
                .as<std::string>(),
            "shop");  // created through the URL's user
  EXPECT_TRUE(mm::migration_is_applied(kInitial, "shop_db"));
}

TEST_F(Outage, ALockedRecordTableFailsClosedWithinTheLockTimeout) {
  mm::api::fake_migration(kInitial, "default");
  mm::api::fake_migration(kInitial, "shop_db");
  mm::reset_guard_cache();
  pqxx::connection holder(cluster_.url("app"));
  pqxx::work lock(holder);
  lock.exec("LOCK TABLE massmigration_record IN ACCESS EXCLUSIVE MODE");
  auto [cause, missing, seconds] = refusal();
  EXPECT_EQ(missing, std::vector<std::string>{"default"});  // shop_db answered
  EXPECT_NE(cause.find("lock timeout"), std::string::npos) << cause;
  EXPECT_LT(seconds, 5 + 3.0);  // 5 s lock timeout, not forever
  lock.abort();
  EXPECT_NO_THROW(mm::MigrationGuard guard(kInitial));
}

TEST_F(Outage, ALaunchDuringAnOutageLeavesNoRecordAndWorksAfterwards) {
  // A first migration leaves an idle connection behind, which the restart breaks.
  mm::api::initiate_migration(kInitial, "shop_db");
  cluster_.stop();
  EXPECT_THROW(mm::api::initiate_migration(kInitial, "default"), mm::RecordStoreError);
  cluster_.start();
  EXPECT_EQ(mm::api::get_record(kInitial, "default"), std::nullopt);
  mm::api::initiate_migration(kInitial, "default");
  EXPECT_EQ(mm::api::get_record(kInitial, "default")->status(), mm::MigrationStatus::kApplied);
}

}  // namespace
