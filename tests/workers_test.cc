// The workers backend: runs queued in their database as chunks, claimed and run by worker
// threads and processes, each chunk taking effect once.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <future>
#include <stdexcept>
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

// Counts rows as map:0002_counted does, but fails on row g_poisoned_row while it is set.
std::atomic<std::int64_t> g_poisoned_row{-1};
class Poisoned : public mm::MapperMigration {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "25"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "counted"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    if (std::get<std::int64_t>(row.key()) == g_poisoned_row) {
      throw std::runtime_error("poisoned");
    }
    ctx.execute("UPDATE counted SET times = times + 1 WHERE id = $1", row.key());
  }
};
MASSMIGRATION_REGISTER(Poisoned, "work", "0001_poisoned");
constexpr char kPoisoned[] = "work:0001_poisoned";

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
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT coalesce(after_key, '-') || '..' || "
                        "coalesce(upto_key, '-') FROM massmigration_chunk ORDER BY id"),
            "-..25");
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT coalesce(after_key, '-') || '..' || "
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
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT count(*) FROM massmigration_chunk WHERE "
                        "claimed_by = 'worker-1' AND " +
                            std::string(GetParam() == Engine::kSqlite ? "done = 1" : "done")),
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

TEST_P(Workers, AChunkThatFailsThreeTimesErrorsTheRunWhichResumesAfterTheFix) {
  g_poisoned_row = 30;  // in the second chunk
  mm::api::initiate_migration(kPoisoned, "default");
  mm::api::run_worker({.once = true});
  std::optional<mm::MigrationRecord> errored = mm::api::get_record(kPoisoned, "default");
  ASSERT_TRUE(errored.has_value());
  EXPECT_EQ(errored->status(), MigrationStatus::kErrored);
  EXPECT_EQ(errored->last_error, "row id=30: std::runtime_error: poisoned");
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT failures FROM massmigration_chunk WHERE upto_key = "
                        "'50'"),
            "3");
  // Every other chunk ran; none of the second chunk's rows did.
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"), "175");
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times > 1"), "0");
  g_poisoned_row = -1;
  mm::api::resume_migration(kPoisoned, "default");
  mm::api::run_worker({.once = true});
  EXPECT_EQ(mm::api::get_record(kPoisoned, "default")->status(), MigrationStatus::kApplied);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kPoisoned), 200);
}

INSTANTIATE_TEST_SUITE_P(Engines, Workers, mm::test::kEngines, mm::test::engine_name);

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) mm::test::set_worker_path(argv[1]);
  return RUN_ALL_TESTS();
}
