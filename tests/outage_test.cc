// A PostgreSQL server that goes away, hangs, and comes back, for real: guards fail closed
// within the record store's deadline while it is down or hung and work again, in the same
// process, once it is back. The test runs its own throwaway server so that stopping it
// disturbs no other test.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <latch>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/postgres_cluster.h"
#include "support/test_migrations.h"

namespace mm = massmigration;
using mm::test::kInitial;

namespace {

// Most tests set a short record-store deadline, so that a bound on how long a refusal takes
// means something; the slack is for a loaded machine, where a thread may wait seconds for a
// core. A hang exceeds any bound.
constexpr double kRecordTimeout = 2;
constexpr double kSlack = 4;
constexpr int kThreads = 8;

// Every process of the server stopped while it lives; continued when it ends, or at the latest
// after a minute, so that a call that hangs fails its test instead of hanging it.
class HungServer {
 public:
  explicit HungServer(mm::test::PostgresCluster& cluster) {
    cluster.stop_all_processes();
    failsafe_ = std::jthread([&cluster](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any never;
      std::unique_lock lock(mu);
      never.wait_for(lock, stop, std::chrono::minutes(1), [] { return false; });
      try {
        cluster.continue_all_processes();
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  // Joined, and so continued, before the next statement.
  void continue_now() {
    failsafe_.request_stop();
    failsafe_.join();
  }

 private:
  std::jthread failsafe_;
};

// Runs fn(0), ..., fn(kThreads - 1) in as many threads, released together.
void in_threads(const std::function<void(int)>& fn) {
  std::latch start(kThreads);
  std::vector<std::jthread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      fn(i);
    });
  }
}

class Outage : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.start();
    pqxx::connection admin(cluster_.url());
    pqxx::nontransaction(admin).exec("CREATE DATABASE app");
    pqxx::nontransaction(admin).exec("CREATE DATABASE shop");
    configure_with("?connect_timeout=3&record_timeout=2");
  }
  void TearDown() override { cluster_.destroy(); }

  // Both aliases' URLs end with `options`.
  void configure_with(const std::string& options) {
    mm::Config config;
    config.databases["default"] = cluster_.url("app") + options;
    config.databases["shop_db"] = cluster_.url("shop") + options;
    mm::configure(config);
  }

  struct Refusal {
    std::string cause = "<not refused>";
    std::vector<std::string> missing;
    double seconds = 0;
  };
  // The refusal of a guard, and how long it took.
  static Refusal refusal(const mm::GuardOptions& options = {}) {
    auto start = std::chrono::steady_clock::now();
    Refusal r;
    try {
      mm::MigrationGuard guard(kInitial, options);
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
  // The first database that cannot answer ends the check: the second is not asked.
  EXPECT_EQ(missing, (std::vector<std::string>{"default"}));
  EXPECT_NE(cause.find("record store for database default: reading the record of "
                       "shop:0001_initial: "),
            std::string::npos)
      << cause;
  EXPECT_TRUE(cause.ends_with(" (not asked: shop_db)")) << cause;
  // Refused within one database's deadline, not hanging.
  EXPECT_LT(seconds, kRecordTimeout + kSlack);
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
  // The lock timeout (1 s: half the deadline) ends the wait before the deadline does, so the
  // cause is named.
  EXPECT_NE(cause.find("lock timeout"), std::string::npos) << cause;
  EXPECT_LT(seconds, kRecordTimeout + kSlack);
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

// A hung server (every process stopped) answers nothing, though its kernel accepts
// connections and acknowledges queries. Every guarded call is refused within the default 5 s
// deadline, with 2 s to spare, naming it; no thread waits behind another's call; when the
// server continues, the next check succeeds in the same process.
TEST_F(Outage, AHungServerRefusesEveryGuardedCallWithinTheDeadlineAndRecoversWhenItContinues) {
  configure_with("");  // the default deadline
  mm::api::fake_migration(kInitial, "default");
  const mm::GuardOptions on_default{.db_aliases = {"default"}};
  EXPECT_NO_THROW(mm::MigrationGuard guard(kInitial, on_default));  // a connection left idle

  HungServer hung(cluster_);
  mm::reset_guard_cache();
  std::vector<Refusal> refusals(kThreads);
  in_threads([&](int i) { refusals[i] = refusal(on_default); });
  hung.continue_now();
  for (const Refusal& r : refusals) {
    EXPECT_EQ(r.missing, std::vector<std::string>{"default"});
    EXPECT_NE(r.cause.find("record store for database default: reading the record of "
                           "shop:0001_initial: the server did not answer within the 5 s deadline "
                           "(record_timeout in the URL)"),
              std::string::npos)
        << r.cause;
    EXPECT_LT(r.seconds, 7.0);
  }
  EXPECT_NO_THROW(mm::MigrationGuard guard(kInitial, on_default));  // no restart, no configure()
}

// Direct record-store calls share no flight: 8 at once on a hung server, more than the store
// has connections, each fail within their own deadline, naming it.
TEST_F(Outage, OnAHungServerNoRecordCallWaitsPastItsDeadlineBehindAnother) {
  mm::api::fake_migration(kInitial, "default");
  HungServer hung(cluster_);
  std::vector<std::string> errors(kThreads);
  std::vector<double> seconds(kThreads);
  in_threads([&](int i) {
    auto begin = std::chrono::steady_clock::now();
    try {
      mm::api::get_record(kInitial, "default");
      errors[i] = "<answered>";
    } catch (const mm::RecordStoreError& e) {
      errors[i] = e.what();
    }
    seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  });
  hung.continue_now();
  for (int i = 0; i < kThreads; ++i) {
    // Either its query went unanswered or no connection became free in time.
    EXPECT_NE(errors[i].find("within the 2 s deadline (record_timeout"), std::string::npos)
        << errors[i];
    EXPECT_LT(seconds[i], kRecordTimeout + kSlack);
  }
  EXPECT_TRUE(mm::api::get_record(kInitial, "default")->was_faked);
}

TEST_F(Outage, ABadRecordTimeoutIsRejectedByConfigureNamingIt) {
  for (const std::string bad : {"abc", "0", "-1", "5s", "", "inf", "1e9"}) {
    mm::Config config;
    config.databases["default"] = cluster_.url("app") + "?sslmode=disable&record_timeout=" + bad;
    config.databases["shop_db"] = cluster_.url("shop");
    try {
      mm::configure(config);
      ADD_FAILURE() << bad << " accepted";
    } catch (const mm::ConfigError& e) {
      EXPECT_EQ(e.entry(), "databases.default");
      EXPECT_EQ(e.detail(), "record_timeout=\"" + bad +
                                "\" in the URL is not a number of seconds from 0.001 to 86400 "
                                "(for example record_timeout=2.5)");
    }
  }
  mm::Config config;
  config.databases["default"] = cluster_.url("app") + "?record_timeout=2.5&connect_timeout=3";
  config.databases["shop_db"] = cluster_.url("shop") + "?record_timeout=3";
  EXPECT_NO_THROW(mm::configure(config));
  mm::api::initiate_migration(kInitial, "default");  // sessions get the URL without the option
  EXPECT_TRUE(mm::migration_is_applied(kInitial, "default"));
}

}  // namespace
