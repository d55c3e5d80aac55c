// The workers backend: runs queued in their database as chunks, claimed and run by worker
// threads and processes, each chunk taking effect once.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <future>
#include <set>
#include <stdexcept>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "massmigration/massmigration.h"
#include "support/engines.h"
#include "support/worker_process.h"

namespace mm = massmigration;
using mm::MigrationStatus;
using mm::test::Engine;
using mm::test::WorkerProcess;

namespace {

constexpr char kCounted[] = "map:0002_counted";  // support/resumable_mapper.cc, 25-row chunks

// A chunk in flight: the migration says when it is in (g_entered) and waits for g_release.
std::promise<void> g_entered;
std::shared_future<void> g_release;

// Counts rows as map:0002_counted does, but fails on row g_poisoned_row while it is set, and
// holds its chunk on row g_gated_row, once.
std::atomic<std::int64_t> g_poisoned_row{-1};
std::atomic<std::int64_t> g_gated_row{-1};
class Poisoned : public mm::MapperMigration {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "25"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "counted"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    const std::int64_t id = std::get<std::int64_t>(row.key());
    if (id == g_poisoned_row) throw std::runtime_error("poisoned");
    if (id == g_gated_row && g_gated_row.exchange(-1) == id) {
      g_entered.set_value();
      g_release.wait();
    }
    ctx.execute("UPDATE counted SET times = times + 1 WHERE id = $1", row.key());
  }
};
MASSMIGRATION_REGISTER(Poisoned, "work", "0001_poisoned");
constexpr char kPoisoned[] = "work:0001_poisoned";

// A simple migration that holds its one chunk.
// On PostgreSQL it waits inside the server, for an advisory lock the test holds: a session idle
// in its transaction for a lease would be ended by the server.
std::atomic<bool> g_hold_in_server{false};
class Holding : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override {
    g_entered.set_value();
    if (g_hold_in_server) {
      ctx.query("SELECT pg_advisory_xact_lock(4242)");
    } else {
      g_release.wait();
    }
    ctx.execute("UPDATE counted SET times = times + 1");
  }
};
MASSMIGRATION_REGISTER(Holding, "work", "0002_holding");
constexpr char kHolding[] = "work:0002_holding";

class Workers : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    mm::Config config = dbs_.config();
    config.default_backend = "workers";
    mm::configure(config);
    mm::test::create_counted(dbs_, 200);
  }
  void TearDown() override {
    mm::set_progress_listener({});
    g_hold_in_server = false;
    g_poisoned_row = -1;
    g_gated_row = -1;
  }
  // The next chunk to reach g_gated_row (or kHolding's) stops there until the returned
  // promise is set.
  std::promise<void> hold_chunk(std::int64_t row = -1) {
    g_entered = {};
    std::promise<void> release;
    g_release = release.get_future().share();
    g_gated_row = row;
    return release;
  }
  // Whether the held chunk was reached within a minute.
  static bool entered() {
    return g_entered.get_future().wait_for(std::chrono::minutes(1)) == std::future_status::ready;
  }
  // A worker of this process that ends when no work is left (--once).
  static std::future<std::int64_t> start_worker(std::string name = "worker-1") {
    return std::async(std::launch::async, [name = std::move(name)] {
      return mm::api::run_worker({.once = true, .name = name});
    });
  }
  // The chunks it ran; a worker still running after a minute fails the test and is stopped.
  static std::int64_t chunks_run(std::future<std::int64_t>& worker) {
    if (worker.wait_for(std::chrono::minutes(1)) != std::future_status::ready) {
      ADD_FAILURE() << "the worker did not end";
      mm::api::stop_local_runs();
    }
    return worker.get();
  }
  // The worker that commits the `n`th chunk of this process stops after its commit until the
  // returned promise is set.
  std::promise<void> hold_after_chunk(int n) {
    std::promise<void> release = hold_chunk();
    mm::set_progress_listener([n, seen = 0](const mm::MigrationProgress& p) mutable {
      if (p.finished || ++seen != n) return;
      g_entered.set_value();
      g_release.wait();
    });
    return release;
  }
  mm::MigrationRecord record(const char* key = kCounted) {
    std::optional<mm::MigrationRecord> r = mm::api::get_record(key, "default");
    EXPECT_TRUE(r.has_value());
    return r.value_or(mm::MigrationRecord{.key = mm::MigrationKey(key)});
  }
  std::unique_ptr<mm::RunSession> begin() {
    const std::string url = dbs_.url("default");
    return mm::find_database_driver(mm::url_scheme(url))
        ->begin_session({.alias = "default", .url = url, .base_directory = "/"});
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

// A filtered selection is split by its own rows, and counted as the split found them: its
// full chunks' rows and the last one's.
TEST_P(Workers, AFilteredSelectionIsSplitAndCountedByItsRows) {
  constexpr char kEveryThird[] = "map:0009_counted_every_third";
  mm::api::initiate_migration(kEveryThird, "default");
  EXPECT_EQ(record(kEveryThird).rows_total, 66);
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT coalesce(after_key, '-') || '..' || coalesce(upto_key, '-') FROM "
                        "massmigration_chunk ORDER BY id DESC"),
            "150..-");  // the 50th row divisible by three
  EXPECT_EQ(chunks("count(*)"), "3");
  EXPECT_EQ(mm::api::run_worker({.once = true}), 3);
  const mm::MigrationRecord applied = record(kEveryThird);
  EXPECT_EQ(applied.status(), MigrationStatus::kApplied);
  EXPECT_EQ(applied.rows_done, 66);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1 AND id % 3 = 0"),
            "66");
  EXPECT_EQ(dbs_.scalar("default", "SELECT sum(times) FROM counted"), "66");
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
  // Resumed while still poisoned: the chunk has its three tries afresh in the new attempt.
  mm::api::resume_migration(kPoisoned, "default");
  mm::api::run_worker({.once = true});
  EXPECT_EQ(mm::api::get_record(kPoisoned, "default")->status(), MigrationStatus::kErrored);
  EXPECT_EQ(dbs_.scalar("default",
                        "SELECT failures FROM massmigration_chunk WHERE upto_key = "
                        "'50'"),
            "3");
  g_poisoned_row = -1;
  mm::api::resume_migration(kPoisoned, "default");
  mm::api::run_worker({.once = true});
  EXPECT_EQ(mm::api::get_record(kPoisoned, "default")->status(), MigrationStatus::kApplied);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kPoisoned), 200);
}

// A chunk whose work outlasts the lease stays its worker's. On PostgreSQL its claim and its
// run's heartbeat are extended while it works, and another worker cannot claim it; on SQLite
// it holds the database's one write lock from its start, so that no other claim can be made.
TEST_P(Workers, AChunkSlowerThanTheLeaseStaysWithItsWorker) {
  mm::Config config = dbs_.config();
  config.default_backend = "workers";
  config.run_lease = std::chrono::milliseconds(300);
  mm::configure(config);
  std::promise<void> release = hold_chunk();
  std::unique_ptr<mm::RunSession> lock_holder;
  if (GetParam() == Engine::kPostgres) {
    lock_holder = dbs_.open_session("default");
    lock_holder->query("SELECT pg_advisory_xact_lock(4242)", {});
    g_hold_in_server = true;
  }
  mm::api::initiate_migration(kHolding, "default");
  std::future<std::int64_t> worker = std::async(
      std::launch::async, [] { return mm::api::run_worker({.once = true, .name = "slow"}); });
  // Whatever fails below, the worker is let go before the test ends.
  absl::Cleanup let_go = [&] {
    lock_holder.reset();  // rolls back, and the lock goes with the transaction
    release.set_value();
  };
  ASSERT_TRUE(entered());
  if (GetParam() == Engine::kPostgres) {
    // Each extension comes a third of the lease after the one before: after four, the
    // claim's first lease is over.
    std::set<std::string> leases;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (leases.size() < 5 && std::chrono::steady_clock::now() < give_up) {
      leases.insert(chunks("lease_until"));
    }
    EXPECT_GE(leases.size(), 5u) << "the claim was not extended while its chunk ran";
    std::unique_ptr<mm::RunSession> session = begin();
    EXPECT_FALSE(session->claim_chunk("thief", "stolen", config.run_lease).has_value());
    session->commit();
    EXPECT_EQ(mm::api::get_record(kHolding, "default")->shown_status(config.run_lease),
              MigrationStatus::kRunning);
  } else {
    const std::string url = dbs_.url("default") + "?busy_timeout_ms=50";
    try {
      mm::find_database_driver("sqlite")
          ->begin_session({.alias = "default", .url = url, .base_directory = "/"})
          ->claim_chunk("thief", "stolen", config.run_lease);
      ADD_FAILURE() << "a claim was made while a chunk ran";
    } catch (const mm::DatabaseError& e) {
      EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos) << e.what();
    }
  }
  std::move(let_go).Invoke();
  EXPECT_EQ(worker.get(), 1);
  EXPECT_EQ(mm::api::get_record(kHolding, "default")->status(), MigrationStatus::kApplied);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"), "200");
  EXPECT_EQ(chunks("claimed_by"), "slow");
}

// Pause and cancel take effect when the chunks in flight commit: those commit, no other chunk
// is claimed, and a resumed run goes on from there. PostgreSQL only: on SQLite a chunk holds
// the database's one write lock from its start, so that nothing can pause a run while a chunk
// of it is in flight (see the tests between chunks below).
class WorkersInFlight : public Workers {};

TEST_P(WorkersInFlight, PausingARunStopsItAfterItsChunkInFlightAndResumingFinishesIt) {
  std::promise<void> release = hold_chunk(60);  // in the third chunk
  mm::api::initiate_migration(kPoisoned, "default");
  std::future<std::int64_t> worker = start_worker();
  ASSERT_TRUE(entered());
  EXPECT_EQ(mm::api::pause_migration(kPoisoned, "default"), MigrationStatus::kPausing);
  release.set_value();
  EXPECT_EQ(chunks_run(worker), 3);
  const mm::MigrationRecord paused = record(kPoisoned);
  EXPECT_EQ(paused.status(), MigrationStatus::kPaused);
  EXPECT_EQ(paused.rows_done, 75);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"), "75");
  EXPECT_EQ(mm::api::migration_history(kPoisoned, "default").back().action, "paused");

  mm::api::resume_migration(kPoisoned, "default");
  worker = start_worker();
  EXPECT_EQ(chunks_run(worker), 6);
  EXPECT_EQ(record(kPoisoned).status(), MigrationStatus::kApplied);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kPoisoned), 200);
}

TEST_P(WorkersInFlight, CancellingARunStopsItAfterItsChunkInFlight) {
  std::promise<void> release = hold_chunk(60);
  mm::api::initiate_migration(kPoisoned, "default");
  std::future<std::int64_t> worker = start_worker();
  ASSERT_TRUE(entered());
  EXPECT_EQ(mm::api::cancel_migration(kPoisoned, "default"), MigrationStatus::kCancelling);
  release.set_value();
  EXPECT_EQ(chunks_run(worker), 3);
  const mm::MigrationRecord cancelled = record(kPoisoned);
  EXPECT_EQ(cancelled.status(), MigrationStatus::kCancelled);
  EXPECT_EQ(cancelled.rows_done, 75);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"), "75");
  EXPECT_THROW(mm::api::resume_migration(kPoisoned, "default"), mm::ActionNotAllowed);
}

// A worker claims its next chunk in the transaction that commits the one before. When that
// claim fails (a trigger refuses the first such claim here), the chunk rolls back with it but
// is not counted as failed: it is given back, and the worker tries again as after any failure
// of its database.
TEST_P(WorkersInFlight, AFailedClaimOfTheNextChunkIsNoFailureOfTheChunkBefore) {
  begin().reset();  // the chunk table, for the trigger
  dbs_.execute("default", R"sql(
CREATE SEQUENCE claims_ahead;
CREATE FUNCTION refuse_first_claim_ahead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A claim in a transaction that has marked a chunk done: a claim ahead.
  IF NEW.claim IS NOT NULL AND NEW.claim IS DISTINCT FROM OLD.claim THEN
    IF EXISTS (SELECT 1 FROM massmigration_chunk
               WHERE done AND xmin::text = txid_current()::text) THEN
      IF nextval('claims_ahead') = 1 THEN
        RAISE EXCEPTION 'claim ahead refused';
      END IF;
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_first_claim_ahead BEFORE UPDATE ON massmigration_chunk
  FOR EACH ROW EXECUTE FUNCTION refuse_first_claim_ahead();
)sql");
  mm::api::initiate_migration(kCounted, "default");
  EXPECT_EQ(mm::api::run_worker({.once = true}), 9);
  EXPECT_EQ(record().status(), MigrationStatus::kApplied);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kCounted), 200);
  EXPECT_EQ(chunks("sum(failures)"), "0");
  EXPECT_EQ(chunks("count(*) FILTER (WHERE last_error <> '')"), "0");
  EXPECT_GT(std::stoll(dbs_.scalar("default", "SELECT last_value FROM claims_ahead")), 1);
}

// Between two chunks of a live worker, which claimed its next chunk with the commit of the one
// before, a pause holds back every other claim: that chunk runs, and its commit stops the run.
// Resumed, the run goes on from there.
TEST_P(Workers, PausingBetweenChunksStopsTheRunAfterTheChunkClaimed) {
  std::promise<void> release = hold_after_chunk(2);
  mm::api::initiate_migration(kCounted, "default");
  std::future<std::int64_t> worker = start_worker("worker-1");
  ASSERT_TRUE(entered());
  EXPECT_EQ(chunks("count(*) FILTER (WHERE NOT done AND claim IS NOT NULL)"), "1");
  EXPECT_EQ(mm::api::pause_migration(kCounted, "default"), MigrationStatus::kPausing);
  release.set_value();
  EXPECT_EQ(chunks_run(worker), 3);
  EXPECT_EQ(record().status(), MigrationStatus::kPaused);
  EXPECT_EQ(record().rows_done, 75);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"), "75");
  mm::api::resume_migration(kCounted, "default");
  worker = start_worker();
  EXPECT_EQ(chunks_run(worker), 6);
  EXPECT_EQ(record().status(), MigrationStatus::kApplied);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kCounted), 200);
}

TEST_P(Workers, CancellingBetweenChunksStopsTheRunAfterTheChunkClaimed) {
  std::promise<void> release = hold_after_chunk(2);
  mm::api::initiate_migration(kCounted, "default");
  std::future<std::int64_t> worker = start_worker();
  ASSERT_TRUE(entered());
  EXPECT_EQ(mm::api::cancel_migration(kCounted, "default"), MigrationStatus::kCancelling);
  release.set_value();
  EXPECT_EQ(chunks_run(worker), 3);
  EXPECT_EQ(record().status(), MigrationStatus::kCancelled);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"), "75");
}

// A run asked to stop while no worker holds a chunk of it has no commit coming that would
// stop it: the next worker that finds nothing to claim stops it.
TEST_P(Workers, ARunAskedToStopWithNoChunkInFlightIsStoppedByTheNextIdleWorker) {
  mm::api::initiate_migration(kCounted, "default");
  ASSERT_EQ(mm::api::pause_migration(kCounted, "default"), MigrationStatus::kPausing);
  std::future<std::int64_t> worker = start_worker("idle-worker");
  EXPECT_EQ(chunks_run(worker), 0);
  EXPECT_EQ(record().status(), MigrationStatus::kPaused);
  const mm::MigrationEvent stopped = mm::api::migration_history(kCounted, "default").back();
  EXPECT_EQ(stopped.action, "paused");
  EXPECT_EQ(stopped.actor, "idle-worker");
  EXPECT_EQ(stopped.detail, "no worker held a chunk of it, at 0 rows");

  mm::api::resume_migration(kCounted, "default");
  ASSERT_EQ(mm::api::cancel_migration(kCounted, "default"), MigrationStatus::kCancelling);
  worker = start_worker();
  EXPECT_EQ(chunks_run(worker), 0);
  EXPECT_EQ(record().status(), MigrationStatus::kCancelled);
  EXPECT_EQ(dbs_.scalar("default", "SELECT sum(times) FROM counted"), "0");
}

// A run paused by the commit of its last open chunk has no chunk left for workers: resumed, it
// is applied at once.
TEST_P(Workers, ResumingAQueuedRunWhoseChunksAreAllDoneAppliesIt) {
  mm::api::initiate_migration(kCounted, "default");
  ASSERT_EQ(mm::api::pause_migration(kCounted, "default"), MigrationStatus::kPausing);
  mm::api::run_worker({.once = true});
  ASSERT_EQ(record().status(), MigrationStatus::kPaused);
  dbs_.execute("default", "UPDATE massmigration_chunk SET done = TRUE");  // as if they had run
  mm::api::resume_migration(kCounted, "default");
  EXPECT_EQ(record().status(), MigrationStatus::kApplied);
  const mm::MigrationEvent finish = mm::api::migration_history(kCounted, "default").back();
  EXPECT_EQ(finish.action, "finish");
  EXPECT_EQ(finish.detail, "0 rows (every chunk was done)");
}

// A run started in a process has no chunks: workers cannot take it over.
TEST_P(Workers, ARunStartedInAProcessIsNotResumedByWorkers) {
  g_poisoned_row = 30;
  mm::api::initiate_migration(kPoisoned, "default", {.backend = "inline"});
  ASSERT_EQ(record(kPoisoned).status(), MigrationStatus::kErrored);
  try {
    mm::api::resume_migration(kPoisoned, "default");
    ADD_FAILURE() << "resumed for workers";
  } catch (const mm::BackendError& e) {
    EXPECT_NE(std::string(e.what()).find("this run was started in a process, not queued for "
                                         "workers; resume it on another backend"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(record(kPoisoned).status(), MigrationStatus::kErrored);
  // On a backend that runs it in a process, it goes on from its checkpoint.
  g_poisoned_row = -1;
  mm::api::resume_migration(kPoisoned, "default", {.backend = "inline"});
  EXPECT_EQ(record(kPoisoned).status(), MigrationStatus::kApplied);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kPoisoned), 200);
}

// Deleting a run's record takes its chunks with it, so that a fresh run has only its own.
TEST_P(Workers, DeletingARecordDeletesItsChunks) {
  mm::api::initiate_migration(kCounted, "default");
  ASSERT_EQ(chunks("count(*)"), "9");
  mm::api::cancel_migration(kCounted, "default");
  mm::api::run_worker({.once = true});
  ASSERT_EQ(record().status(), MigrationStatus::kCancelled);
  mm::api::delete_record(kCounted, "default");
  EXPECT_EQ(chunks("count(*)"), "0");
}

INSTANTIATE_TEST_SUITE_P(Engines, Workers, mm::test::kEngines, mm::test::engine_name);
INSTANTIATE_TEST_SUITE_P(Engines, WorkersInFlight, ::testing::Values(Engine::kPostgres),
                         mm::test::engine_name);

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) mm::test::set_worker_path(argv[1]);
  return RUN_ALL_TESTS();
}
