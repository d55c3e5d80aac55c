// The workers backend: runs queued in their database as chunks, claimed and run by worker
// threads and processes, each chunk taking effect once.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <future>
#include <thread>

#include "massmigration/massmigration.h"
#include "support/engines.h"
#include "support/worker_process.h"

namespace mm = massmigration;
using mm::MigrationStatus;
using mm::test::Engine;
using mm::test::WorkerProcess;

namespace {

constexpr char kCounted[] = "map:0002_counted";  // support/resumable_mapper.cc, 25-row chunks

class Workers : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    mm::Config config = dbs_.config();
    config.default_backend = "workers";
    mm::configure(config);
    mm::test::create_counted(dbs_, 200);
  }
  mm::MigrationRecord record() {
    std::optional<mm::MigrationRecord> r = mm::api::get_record(kCounted, "default");
    EXPECT_TRUE(r.has_value());
    return r.value_or(mm::MigrationRecord{.key = mm::MigrationKey(kCounted)});
  }
  std::string chunks(const std::string& what) {
    return dbs_.scalar("default", "SELECT " + what + " FROM massmigration_chunk");
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
};

TEST_P(Workers, LaunchingQueuesTheRecordWithItsChunksAndRunsNothing) {
  const std::string attempt = mm::api::initiate_migration(kCounted, "default");
  const mm::MigrationRecord queued = record();
  EXPECT_EQ(queued.status(), MigrationStatus::kRunning);
  EXPECT_EQ(queued.attempt_uuid, attempt);
  EXPECT_EQ(queued.rows_total, 200);
  EXPECT_EQ(queued.rows_done, 0);
  // 200 rows in chunks of 25: eight ending at every 25th key, and one open after the last.
  EXPECT_EQ(chunks("count(*)"), "9");
  EXPECT_EQ(dbs_.scalar("default", "SELECT coalesce(after_key, '-') || '..' || "
                                   "coalesce(upto_key, '-') FROM massmigration_chunk ORDER BY id"),
            "-..25");
  EXPECT_EQ(dbs_.scalar("default", "SELECT coalesce(after_key, '-') || '..' || "
                                   "coalesce(upto_key, '-') FROM massmigration_chunk ORDER BY id "
                                   "DESC"),
            "200..-");
  EXPECT_EQ(dbs_.scalar("default", "SELECT sum(times) FROM counted"), "0");
  // A second launch loses, as with any backend.
  EXPECT_THROW(mm::api::initiate_migration(kCounted, "default"), mm::MigrationAlreadyStarted);
}

TEST_P(Workers, AWorkerRunsEveryChunkOnceAndTheLastOneAppliesTheRun) {
  mm::api::initiate_migration(kCounted, "default");
  EXPECT_EQ(mm::api::run_worker({.once = true, .name = "worker-1"}), 9);
  const mm::MigrationRecord applied = record();
  EXPECT_EQ(applied.status(), MigrationStatus::kApplied);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kCounted), 200);
  EXPECT_EQ(chunks("count(*)"), "9");
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM massmigration_chunk WHERE "
                                   "claimed_by = 'worker-1' AND " +
                                       std::string(GetParam() == Engine::kSqlite ? "done = 1"
                                                                                 : "done")),
            "9");
  // Nothing left: another worker finds nothing and returns.
  EXPECT_EQ(mm::api::run_worker({.once = true}), 0);
}

TEST_P(Workers, FourWorkerProcessesShareTheChunksAndEachRowCountsOnce) {
  mm::api::initiate_migration(kCounted, "default");
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (int i = 0; i < 4; ++i) {
    workers.push_back(std::make_unique<WorkerProcess>(
        std::vector<std::string>{dbs_.url("default"), "cli", "worker", "--once"}));
  }
  std::int64_t ran = 0;
  for (auto& worker : workers) {
    EXPECT_EQ(worker->first_line().rfind("worker host ", 0), 0u) << worker->first_line();
    const std::string line = worker->read_line();
    ASSERT_EQ(line.rfind("worker: ran ", 0), 0u) << line << worker->read_rest();
    ran += std::stoll(line.substr(12));
    const int status = worker->wait();
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  EXPECT_EQ(ran, 9);
  EXPECT_EQ(record().status(), MigrationStatus::kApplied);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kCounted), 200);
}

INSTANTIATE_TEST_SUITE_P(Engines, Workers, mm::test::kEngines, mm::test::engine_name);

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) mm::test::set_worker_path(argv[1]);
  return RUN_ALL_TESTS();
}
