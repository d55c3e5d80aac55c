// A PostgreSQL server restarted under pooled idle connections (pg_ctl restart -m immediate:
// every server process killed at once, as in a crash, then started again on the same port):
// guards, the record store and a mapper run each recover or fail with a clear error, and no
// record is left RUNNING. The test runs its own throwaway server so that restarting it
// disturbs no other test.
#include <gtest/gtest.h>

#include <functional>
#include <latch>
#include <pqxx/pqxx>
#include <thread>

#include "massmigration/massmigration.h"
#include "massmigration/postgres.h"
#include "massmigration/testing.h"
#include "support/postgres_cluster.h"

namespace mm = massmigration;

namespace {

constexpr char kNothing[] = "restart:0001_nothing";
constexpr char kLogged[] = "restart:0002_logged";
constexpr int kRows = 300;

class Nothing : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Nothing, "restart", "0001_nothing");

std::function<void()> g_before_row_120;  // runs once, inside the mapper's operation

// Logs every row of `work` (ids 1..300, 25 a chunk) into `done_rows`.
class Logged : public mm::MapperMigration {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "25"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "work"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    if (std::get<std::int64_t>(row.key()) == 120 && g_before_row_120) {
      std::exchange(g_before_row_120, nullptr)();
    }
    ctx.execute("INSERT INTO done_rows (id) VALUES ($1)", row.key());
  }
};
MASSMIGRATION_REGISTER(Logged, "restart", "0002_logged");

class Restart : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.start();
    pqxx::connection admin(cluster_.url());
    pqxx::nontransaction(admin).exec("CREATE DATABASE app");
    mm::Config config;
    config.databases["default"] = url();
    mm::configure(config);
  }
  void TearDown() override { cluster_.destroy(); }

  std::string url() const { return cluster_.url("app") + "?connect_timeout=5"; }
  std::string scalar(const std::string& sql) {
    pqxx::connection app(cluster_.url("app"));
    return pqxx::nontransaction(app).exec(sql).at(0).at(0).c_str();
  }

  // Record reads from several threads at once, which leave as many connections idle.
  static void read_concurrently(const std::function<void()>& read) {
    std::latch start(4);
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        read();
      });
    }
  }

  mm::test::PostgresCluster cluster_;
  mm::testing::ScopedEnforcement enforce_;
};

TEST_F(Restart, GuardsRecoverOnTheirFirstCheckAfterARestart) {
  mm::api::fake_migration(kNothing, "default");
  read_concurrently([] { mm::MigrationGuard guard(kNothing); });
  read_concurrently([] { mm::api::get_record(kNothing, "default"); });
  cluster_.restart_immediately();
  mm::reset_guard_cache();  // as a new request after the cache's answer expired would
  EXPECT_NO_THROW(mm::MigrationGuard guard(kNothing));
  EXPECT_TRUE(mm::migration_is_applied(kNothing, "default"));
}

TEST_F(Restart, RecordCallsRecoverOnTheirFirstUseAfterARestart) {
  std::unique_ptr<mm::RecordStore> store = mm::postgres::open_record_store("default", url());
  mm::api::fake_migration(kNothing, "default");
  read_concurrently([&] { store->list(); });
  read_concurrently([] { mm::api::get_record(kNothing, "default"); });

  cluster_.restart_immediately();
  EXPECT_TRUE(mm::api::get_record(kNothing, "default")->was_faked);
  cluster_.restart_immediately();
  ASSERT_EQ(store->list().records.size(), 1u);
  cluster_.restart_immediately();
  EXPECT_TRUE(mm::api::delete_record(kNothing, "default"));
  cluster_.restart_immediately();
  mm::api::fake_migration(kNothing, "default");
  EXPECT_EQ(store->get(mm::MigrationKey(kNothing))->status(), mm::MigrationStatus::kApplied);
}

TEST_F(Restart, AMapperRunTheRestartInterruptsIsRecordedErroredAndResumesEachRowOnce) {
  scalar(
      "CREATE TABLE work (id INTEGER PRIMARY KEY); CREATE TABLE done_rows (id INTEGER);"
      "INSERT INTO work (id) SELECT generate_series(1, 300); SELECT 1");
  g_before_row_120 = [this] { cluster_.restart_immediately(); };
  mm::api::initiate_migration(kLogged, "default");
  mm::MigrationRecord failed = *mm::api::get_record(kLogged, "default");
  EXPECT_EQ(failed.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(failed.last_error.rfind(
                "row id=120: massmigration::DatabaseError: database default: running \"INSERT "
                "INTO done_rows (id) VALUES ($1)\": the connection to the server was lost (did "
                "the server restart or crash?): ",
                0),
            0u)
      << failed.last_error;
  // Chunks 1..100 committed without waiting for the disk, so the crash may have lost the last
  // of them, each together with its checkpoint: the record and the table still agree.
  const int kept = failed.checkpoint ? std::stoi(*failed.checkpoint) : 0;
  EXPECT_LE(kept, 100);
  EXPECT_EQ(kept % 25, 0);
  EXPECT_EQ(failed.rows_done, kept);
  EXPECT_EQ(scalar("SELECT count(*) FROM done_rows"), std::to_string(kept));
  EXPECT_EQ(scalar("SELECT count(*) FROM done_rows WHERE id > " + std::to_string(kept)), "0");

  mm::api::resume_migration(kLogged, "default");
  mm::MigrationRecord done = *mm::api::get_record(kLogged, "default");
  EXPECT_EQ(done.status(), mm::MigrationStatus::kApplied) << done.last_error;
  EXPECT_EQ(done.rows_done, kRows);
  EXPECT_EQ(scalar("SELECT count(*) FROM done_rows"), std::to_string(kRows));
  EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM done_rows"), std::to_string(kRows));
}

}  // namespace
