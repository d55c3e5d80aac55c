// Workers of the workers backend that die, stop, hang, lose their server or their network, or
// race each other: real worker processes (mapper_worker "cli-1s", a one-second lease) stopped
// at kill points. Every test ends with each row of `counted` processed exactly once and the
// run's progress equal to the row count.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <functional>
#include <future>
#include <pqxx/pqxx>

#include "massmigration/massmigration.h"
#include "support/engines.h"
#include "support/postgres_cluster.h"
#include "support/tcp_proxy.h"
#include "support/worker_process.h"

namespace mm = massmigration;
using mm::MigrationStatus;
using mm::test::Engine;
using mm::test::WorkerProcess;

namespace {

constexpr char kCounted[] = "map:0002_counted";        // 200 rows: 9 chunks of 25, the last empty
constexpr char kSingly[] = "map:0004_counted_singly";  // one row a chunk
constexpr auto kLease = std::chrono::seconds(1);       // as mapper_worker's "cli-1s"

// The lines of `worker` up to and including the first that contains `text`, which it returns;
// fails the test when its output ends first.
std::string read_until(WorkerProcess& worker, const std::string& text) {
  while (std::optional<std::string> line = worker.next_line()) {
    if (line->find(text) != std::string::npos) return *line;
  }
  ADD_FAILURE() << "the worker ended without saying \"" << text << "\"; wait status "
                << worker.wait();
  return "";
}

// Its exit status, which must be 0, and its last line ("worker: ran N chunks ...").
std::string ended_well(WorkerProcess& worker) {
  const std::string last = read_until(worker, "worker: ran ");
  const int status = worker.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  return last;
}

// The chunks the workers committed, all of which must end well.
std::int64_t chunks_run_by(const std::vector<std::unique_ptr<WorkerProcess>>& workers) {
  std::int64_t committed = 0;
  for (const auto& w : workers) {
    const std::string last = ended_well(*w);
    if (!last.starts_with("worker: ran ")) return -1;
    committed += std::stoll(last.substr(12));
  }
  return committed;
}

class WorkerFailures : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    mm::Config config = dbs_.config();
    config.default_backend = "workers";
    config.run_lease = kLease;
    mm::configure(config);
    mm::test::create_counted(dbs_, 200);
  }
  // A worker process stopping at kill point `point` ("" for none), named `name`.
  std::unique_ptr<WorkerProcess> worker(const std::string& point, const std::string& name,
                                        std::vector<std::string> more = {}) {
    std::vector<std::string> args{dbs_.url("default"),
                                  point.empty() ? "cli-1s" : "cli-1s:" + point,
                                  "worker",
                                  "--once",
                                  "--name",
                                  name};
    args.insert(args.end(), more.begin(), more.end());
    return std::make_unique<WorkerProcess>(args);
  }
  // A worker of this process, run until no work is left; the chunks it committed.
  static std::int64_t finish_in_this_process(const std::string& name = "b") {
    std::future<std::int64_t> worker = std::async(
        std::launch::async, [name] { return mm::api::run_worker({.once = true, .name = name}); });
    if (worker.wait_for(std::chrono::minutes(2)) != std::future_status::ready) {
      ADD_FAILURE() << "the worker of the test did not end";
      mm::api::stop_local_runs();
    }
    return worker.get();
  }
  // A worker process "a" that stops at kill point `point`, killed there.
  void kill_worker_at(const std::string& point) {
    std::unique_ptr<WorkerProcess> a = worker(point, "a");
    EXPECT_EQ(read_until(*a, "stopped at"), "stopped at " + point);
    a->signal(SIGKILL);
    a->wait();
  }
  // Worker process "a", stopped (SIGSTOP) at kill point `point` of its third chunk while
  // another worker runs the other seven; continued, it commits nothing more.
  void stop_a_worker_while_another_finishes(const std::string& point) {
    mm::api::initiate_migration(kCounted, "default");
    std::unique_ptr<WorkerProcess> a = worker("hold:" + point, "a");
    EXPECT_EQ(read_until(*a, "held at"), "held at " + point);
    a->signal(SIGSTOP);
    EXPECT_EQ(finish_in_this_process(), 7);
    expect_applied_each_row_once();
    a->signal(SIGCONT);
    a->say("");
    EXPECT_EQ(ended_well(*a), "worker: ran 2 chunks");
    expect_applied_each_row_once();
  }
  // The worker that committed the chunk ending at key `upto`.
  std::string claimant_of(const std::string& upto) {
    return dbs_.scalar(
        "default", "SELECT claimed_by FROM massmigration_chunk WHERE upto_key = '" + upto + "'");
  }
  // Asked to pause or cancel (`stop`) while worker process "a" holds its third chunk's claim:
  // that chunk commits, and the worker exits, its run stopped after 75 rows.
  void stop_while_a_worker_holds_a_claim(const std::function<MigrationStatus()>& stop,
                                         MigrationStatus stopping, MigrationStatus stopped) {
    mm::api::initiate_migration(kCounted, "default");
    std::unique_ptr<WorkerProcess> a = worker("hold:claim-commit-after:3", "a");
    EXPECT_EQ(read_until(*a, "held at"), "held at claim-commit-after:3");
    EXPECT_EQ(stop(), stopping);
    a->say("");
    EXPECT_EQ(ended_well(*a), "worker: ran 3 chunks");
    const mm::MigrationRecord record = *mm::api::get_record(kCounted, "default");
    EXPECT_EQ(record.status(), stopped);
    EXPECT_EQ(record.rows_done, 75);
    EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"), "75");
    EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 0"), "125");
  }
  void expect_applied_each_row_once(const char* key = kCounted) {
    EXPECT_EQ(mm::api::get_record(key, "default")->status(), MigrationStatus::kApplied);
    EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, key), 200);
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
};

// Killed with its third chunk's rows written but not committed: they roll back, and the chunk
// is claimed again once its lease is over.
TEST_P(WorkerFailures, AWorkerKilledBeforeItsCommitLosesItsChunkToAnother) {
  mm::api::initiate_migration(kCounted, "default");
  kill_worker_at("chunk-commit-before:3");
  EXPECT_EQ(finish_in_this_process(), 7);
  expect_applied_each_row_once();
  EXPECT_EQ(claimant_of("75"), "b");
}

// Killed just after its third chunk committed: that chunk stays done, and is not run again.
TEST_P(WorkerFailures, AWorkerKilledAfterItsCommitKeepsItsChunk) {
  mm::api::initiate_migration(kCounted, "default");
  kill_worker_at("chunk-commit-after:3");
  EXPECT_EQ(finish_in_this_process(), 6);
  expect_applied_each_row_once();
  EXPECT_EQ(claimant_of("75"), "a");
}

// Stopped (SIGSTOP) with a chunk claimed, past its lease: another worker claims the chunk and
// runs the rest. Continued, the stale worker runs its chunk and commits nothing: its claim is
// gone.
TEST_P(WorkerFailures, AWorkerStoppedPastItsLeaseCommitsNothingWhenItWakes) {
  stop_a_worker_while_another_finishes("claim-commit-after:3");
  EXPECT_EQ(claimant_of("75"), "b");
}

// SIGTERM: the worker commits the chunk it is in, claims no other (gives back the one it
// claimed with that commit) and exits 0; the run goes on with the other workers.
TEST_P(WorkerFailures, SigtermStopsAWorkerAfterItsChunk) {
  mm::api::initiate_migration(kCounted, "default");
  std::unique_ptr<WorkerProcess> a = worker("hold:chunk-commit-before:3", "a");
  EXPECT_EQ(read_until(*a, "held at"), "held at chunk-commit-before:3");
  a->signal(SIGTERM);
  EXPECT_EQ(read_until(*a, ": terminated: "),  // the worker's loop has been told
            "mapper_worker: terminated: the worker commits the chunk it is in and stops; its "
            "runs go on with the other workers (a second signal stops at once)");
  a->say("");
  EXPECT_EQ(ended_well(*a), "worker: ran 3 chunks (stopped as asked)");
  // It gave back the chunk it claimed with its last commit: nobody waits out that lease.
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT count(*) FROM massmigration_chunk WHERE claim IS NOT NULL AND "
                        "NOT done"),
            "0");
  const mm::MigrationRecord running = *mm::api::get_record(kCounted, "default");
  EXPECT_EQ(running.status(), MigrationStatus::kRunning);
  EXPECT_EQ(running.rows_done, 75);
  EXPECT_EQ(finish_in_this_process(), 6);
  expect_applied_each_row_once();
}

// Paused while a worker process holds its third chunk's claim: the worker runs that chunk,
// whose commit records PAUSED, claims no other and exits. Resumed, two other processes finish
// the run.
TEST_P(WorkerFailures, PausingStopsWorkerProcessesAfterTheirChunkAndOthersFinishTheResumedRun) {
  stop_while_a_worker_holds_a_claim([] { return mm::api::pause_migration(kCounted, "default"); },
                                    MigrationStatus::kPausing, MigrationStatus::kPaused);
  mm::api::resume_migration(kCounted, "default");
  std::vector<std::unique_ptr<WorkerProcess>> others;
  for (const char* name : {"b", "c"}) others.push_back(worker("", name));
  EXPECT_EQ(chunks_run_by(others), 6);
  expect_applied_each_row_once();
}

// Cancelled the same way: the chunk in flight commits, the run ends CANCELLED with its rows
// counted once, and a worker started afterwards finds nothing to do.
TEST_P(WorkerFailures, CancellingStopsWorkerProcessesAfterTheirChunk) {
  stop_while_a_worker_holds_a_claim([] { return mm::api::cancel_migration(kCounted, "default"); },
                                    MigrationStatus::kCancelling, MigrationStatus::kCancelled);
  EXPECT_EQ(ended_well(*worker("", "b")), "worker: ran 0 chunks");
  EXPECT_EQ(mm::api::get_record(kCounted, "default")->status(), MigrationStatus::kCancelled);
  EXPECT_EQ(mm::api::migration_history(kCounted, "default").back().action, "cancelled");
}

// Four processes of four threads each, standing for four machines, race for 201 one-row
// chunks: every chunk is committed once, and one of them applies the run.
TEST_P(WorkerFailures, SixteenWorkersRacingForChunksCommitEachOnce) {
  mm::api::initiate_migration(kSingly, "default");
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (const char* name : {"machine-1", "machine-2", "machine-3", "machine-4"}) {
    workers.push_back(worker("", name, {"--concurrency", "4"}));
  }
  EXPECT_EQ(chunks_run_by(workers), 201);
  expect_applied_each_row_once(kSingly);
  // Each chunk names the machine that committed it (how many each got is up to the race).
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT count(*) FROM massmigration_chunk WHERE claimed_by NOT IN "
                        "('machine-1', 'machine-2', 'machine-3', 'machine-4')"),
            "0");
}

INSTANTIATE_TEST_SUITE_P(Engines, WorkerFailures, mm::test::kEngines, mm::test::engine_name);

// PostgreSQL only: a worker stopped inside its chunk's transaction holds its rows' locks, which
// SQLite's one writer never leaves to another worker anyway.
class WorkerFailuresInTransaction : public WorkerFailures {};

// The server ends the stopped worker's session once it has been idle in its transaction for a
// lease, so that its locks go; continued, its commit fails and it goes on with nothing left.
TEST_P(WorkerFailuresInTransaction, AWorkerStoppedInsideItsTransactionDoesNotBlockTheOthers) {
  stop_a_worker_while_another_finishes("chunk-commit-before:3");
  EXPECT_EQ(claimant_of("75"), "b");
}

INSTANTIATE_TEST_SUITE_P(Engines, WorkerFailuresInTransaction, ::testing::Values(Engine::kPostgres),
                         mm::test::engine_name);

// A server of its own, restarted, and reached through a proxy that cuts the network.
class WorkerOutages : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.start();
    pqxx::connection admin(cluster_.url());
    pqxx::nontransaction(admin).exec("CREATE DATABASE app");
    execute(
        "CREATE TABLE counted (id INTEGER PRIMARY KEY, times INTEGER NOT NULL DEFAULT 0);"
        "INSERT INTO counted (id) SELECT generate_series(1, 200)");
    mm::Config config;
    config.databases["default"] = url();
    config.default_backend = "workers";
    config.run_lease = kLease;
    mm::configure(config);
  }
  void TearDown() override { cluster_.destroy(); }
  std::string url() const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(proxy_.port()) + "/app";
  }
  void execute(const std::string& sql) {
    pqxx::connection app(cluster_.url("app"));
    pqxx::nontransaction(app).exec(sql);
  }
  std::string scalar(const std::string& sql) {
    pqxx::connection app(cluster_.url("app"));
    return pqxx::nontransaction(app).exec(sql).at(0).at(0).c_str();
  }
  std::unique_ptr<WorkerProcess> worker(const std::string& point) {
    return std::make_unique<WorkerProcess>(
        std::vector<std::string>{url(), "cli-1s:" + point, "worker", "--once", "--name", "a"});
  }
  void expect_applied_each_row_once() {
    EXPECT_EQ(mm::api::get_record(kCounted, "default")->status(), MigrationStatus::kApplied);
    EXPECT_EQ(scalar("SELECT count(*) FROM counted WHERE times = 1"), "200");
    EXPECT_EQ(scalar("SELECT count(*) FROM counted WHERE times <> 1"), "0");
    EXPECT_EQ(mm::api::get_record(kCounted, "default")->rows_done, 200);
  }

  mm::test::PostgresCluster cluster_;
  mm::test::TcpProxy proxy_{cluster_.port()};
};

// pg_ctl restart -m immediate while a worker is inside a chunk: the chunk is lost with its
// transaction; the worker reconnects, claims it again once its lease is over, and finishes.
// Chunks commit without waiting for the disk, so the crash may also lose the chunks committed
// just before, each with its done mark and progress: those run again, each row still once.
TEST_F(WorkerOutages, AWorkerReconnectsAfterTheServerRestartsAndFinishes) {
  mm::api::initiate_migration(kCounted, "default");
  std::unique_ptr<WorkerProcess> a = worker("hold:chunk-commit-before:3");
  EXPECT_EQ(read_until(*a, "held at"), "held at chunk-commit-before:3");
  cluster_.restart_immediately();
  a->say("");
  const std::string last = ended_well(*a);
  ASSERT_EQ(last.rfind("worker: ran ", 0), 0u) << last;
  EXPECT_GE(std::stoi(last.substr(12)), 9) << last;
  EXPECT_LE(std::stoi(last.substr(12)), 11) << last;
  expect_applied_each_row_once();
  // Losing the connection is not the chunk's failure: three such would have errored the run.
  EXPECT_EQ(scalar("SELECT max(failures) FROM massmigration_chunk"), "0");
}

// The network between the worker and the server is cut inside a chunk: its commit fails, it
// tries again until the network is back, and finishes.
TEST_F(WorkerOutages, AWorkerCutOffFromTheServerGoesOnOnceTheNetworkIsBack) {
  mm::api::initiate_migration(kCounted, "default");
  std::unique_ptr<WorkerProcess> a = worker("hold:chunk-commit-before:3");
  EXPECT_EQ(read_until(*a, "held at"), "held at chunk-commit-before:3");
  proxy_.cut();
  a->say("");
  const std::string failed = read_until(*a, "massmigration warning: worker a: database default");
  EXPECT_NE(failed.find("failed; trying again"), std::string::npos) << failed;
  proxy_.restore();
  EXPECT_EQ(ended_well(*a), "worker: ran 9 chunks");
  expect_applied_each_row_once();
  // Losing the connection is not the chunk's failure: three such would have errored the run.
  EXPECT_EQ(scalar("SELECT max(failures) FROM massmigration_chunk"), "0");
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) mm::test::set_worker_path(argv[1]);
  return RUN_ALL_TESTS();
}
