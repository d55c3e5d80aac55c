// Run control on every engine, with real processes: pause and cancel take effect after the
// current chunk of a run in another process (or at once for a stalled one), tune changes its
// next chunks, SIGTERM and SIGINT to the command line record PAUSED, finish ends only when the
// migration is applied, and every action lands in the audit trail. Each ends with every row
// processed exactly once. Also the throttle() hook, the automatic chunk size, and how a run
// shares an SQLite file with other writers by default.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "massmigration/massmigration.h"
#include "support/await_status.h"
#include "support/engines.h"
#include "support/worker_process.h"

namespace mm = massmigration;
using mm::MigrationStatus;
using mm::test::Engine;
using mm::test::WorkerProcess;

namespace {

// map:0002_counted of support/resumable_mapper.cc: 25 rows a chunk over `counted`.
constexpr char kCounted[] = "map:0002_counted";

// Chunk sizes and throttle() calls of the mappers below, as they happened.
std::mutex g_mu;
std::vector<std::int64_t> g_chunk_sizes;
int g_throttled = 0;
std::chrono::milliseconds g_throttle{0};
std::promise<void>* g_first_throttle = nullptr;  // set once throttle() is first asked
std::chrono::milliseconds g_chunk_takes{0};
bool g_throttle_throws = false;

// Over `counted`, a chunk at a time: logs its size, takes g_chunk_takes, asks to wait
// g_throttle before the next.
class Throttled : public mm::MapperMigration {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "25"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "counted"}; }
  void batch_operation(const std::vector<mm::MapperRow>& rows, mm::OperationContext& ctx) override {
    ctx.execute("UPDATE counted SET times = times + 1 WHERE id >= $1 AND id <= $2",
                rows.front().key(), rows.back().key());
    std::lock_guard lock(g_mu);
    g_chunk_sizes.push_back(static_cast<std::int64_t>(rows.size()));
    // Longer than the target below: the chunk is slow, by a lower bound no load can shorten.
    if (g_chunk_takes > std::chrono::milliseconds::zero())
      std::this_thread::sleep_for(g_chunk_takes);
  }
  std::chrono::milliseconds throttle(const std::string& alias) override {
    EXPECT_EQ(alias, "default");
    std::lock_guard lock(g_mu);
    ++g_throttled;
    if (g_throttle_throws) throw std::runtime_error("replica lag unknown: no connection");
    if (g_first_throttle) {
      g_first_throttle->set_value();
      g_first_throttle = nullptr;
    }
    return g_throttle;
  }
};
MASSMIGRATION_REGISTER(Throttled, "ctl", "0001_throttled");

// The same, sized by its chunks' duration: a 1 s target, 10 rows to begin with, at most 40.
class Growing : public Throttled {
 public:
  mm::BackendParams backend_params() const override {
    return {{"chunk_size", "10"}, {"target_chunk_ms", "1000"}, {"max_chunk_size", "40"}};
  }
};
MASSMIGRATION_REGISTER(Growing, "ctl", "0002_growing");

// A 1 ms target, 100 rows to begin with, at least 50.
class Shrinking : public Throttled {
 public:
  mm::BackendParams backend_params() const override {
    return {{"chunk_size", "100"}, {"target_chunk_ms", "1"}, {"min_chunk_size", "50"}};
  }
};
MASSMIGRATION_REGISTER(Shrinking, "ctl", "0003_shrinking");

class RunControl : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    mm::Config config = dbs_.config();
    config.default_backend = "inline";
    mm::configure(config);
    mm::test::create_counted(dbs_, 200);
    std::lock_guard lock(g_mu);
    g_chunk_sizes.clear();
    g_throttled = 0;
    g_throttle = std::chrono::milliseconds::zero();
    g_chunk_takes = std::chrono::milliseconds::zero();
    g_throttle_throws = false;
  }

  mm::MigrationRecord record(const mm::MigrationKey& key) {
    std::optional<mm::MigrationRecord> r = mm::api::get_record(key, "default");
    EXPECT_TRUE(r.has_value());
    return r.value_or(mm::MigrationRecord{.key = key});
  }
  std::int64_t counted_once() { return mm::test::expect_counted_once_as_recorded(dbs_, kCounted); }
  std::vector<std::string> actions(const mm::MigrationKey& key) {
    std::vector<std::string> out;
    for (const mm::MigrationEvent& e : mm::api::migration_history(key, "default")) {
      out.push_back(e.action);
    }
    return out;
  }
  // A worker running kCounted a chunk at a time, once it committed its first chunk.
  std::unique_ptr<WorkerProcess> stepping_worker() {
    auto worker = std::make_unique<WorkerProcess>(
        std::vector<std::string>{dbs_.url("default"), "step", kCounted});
    EXPECT_EQ(worker->first_line(), "chunk 25");
    return worker;
  }
  // A worker running kCounted with a 1 s lease (this process's too), which says "paused" and
  // idles after its second chunk until told to go on; its heartbeat goes on meanwhile.
  std::unique_ptr<WorkerProcess> worker_paused_after_two_chunks() {
    mm::Config config = mm::current_config();
    config.run_lease = std::chrono::seconds(1);
    mm::configure(config);
    auto worker = std::make_unique<WorkerProcess>(
        std::vector<std::string>{dbs_.url("default"), "pause-after-chunk:2", kCounted});
    return worker;
  }
  // Lets the worker go on, chunk after chunk, until it ends; its exit status.
  static int run_to_the_end(WorkerProcess& worker) {
    do {
      worker.say("go on");
    } while (!worker.read_line().empty());
    const int status = worker.wait();
    EXPECT_TRUE(WIFEXITED(status)) << status;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
};

TEST_P(RunControl, APauseTakesEffectAfterTheCurrentChunkAndFinishResumesIt) {
  std::unique_ptr<WorkerProcess> worker = stepping_worker();
  const std::string attempt = record(kCounted).attempt_uuid;
  EXPECT_EQ(mm::api::pause_migration(kCounted, "default"), MigrationStatus::kPausing);
  EXPECT_EQ(mm::api::migration_status(kCounted, "default"), MigrationStatus::kPausing);
  EXPECT_TRUE(mm::api::migration_is_in_progress(kCounted, "default"));
  // Asked again: nothing changes.
  EXPECT_EQ(mm::api::pause_migration(kCounted, "default"), MigrationStatus::kPausing);
  // Its chunk in flight commits, and the run stops there.
  worker->say("go on");
  EXPECT_EQ(worker->read_line(), "chunk 50");
  EXPECT_EQ(run_to_the_end(*worker), 0);
  mm::MigrationRecord paused = record(kCounted);
  EXPECT_EQ(paused.status(), MigrationStatus::kPaused);
  EXPECT_EQ(paused.attempt_uuid, attempt);
  EXPECT_EQ(counted_once(), 50);
  // Nothing runs it: it is not STALLED later, and deleting it needs --force.
  EXPECT_THROW(mm::api::delete_record(kCounted, "default"), mm::MigrationIsRunning);
  EXPECT_THROW(mm::api::fake_migration(kCounted, "default"), mm::MigrationAlreadyStarted);

  mm::api::finish_migration(kCounted, "default");
  mm::MigrationRecord done = record(kCounted);
  EXPECT_EQ(done.status(), MigrationStatus::kApplied);
  EXPECT_NE(done.attempt_uuid, attempt);
  EXPECT_EQ(counted_once(), 200);
  EXPECT_EQ(actions(kCounted),
            (std::vector<std::string>{"launch", "pause", "paused", "resume", "finish"}));
  // Applied: nothing to pause.
  try {
    mm::api::pause_migration(kCounted, "default");
    ADD_FAILURE() << "paused an applied migration";
  } catch (const mm::ActionNotAllowed& e) {
    EXPECT_EQ(e.status(), "APPLIED");
    EXPECT_EQ(std::string(e.what()),
              "cannot pause migration map:0002_counted on default: it is APPLIED; it is applied; "
              "delete its record to run it again");
  }
}

TEST_P(RunControl, ACancelTakesEffectAfterTheCurrentChunkForGood) {
  std::unique_ptr<WorkerProcess> worker = stepping_worker();
  EXPECT_EQ(mm::api::cancel_migration(kCounted, "default"), MigrationStatus::kCancelling);
  // A pause cannot undo a cancel.
  EXPECT_THROW(mm::api::pause_migration(kCounted, "default"), mm::ActionNotAllowed);
  EXPECT_EQ(run_to_the_end(*worker), 0);
  EXPECT_EQ(record(kCounted).status(), MigrationStatus::kCancelled);
  EXPECT_EQ(counted_once(), 50);
  EXPECT_THROW(mm::api::resume_migration(kCounted, "default"), mm::ActionNotAllowed);
  try {
    mm::api::finish_migration(kCounted, "default");
    ADD_FAILURE() << "finished a cancelled run";
  } catch (const mm::ActionNotAllowed& e) {
    EXPECT_EQ(e.action(), "finish");
    EXPECT_EQ(e.status(), "CANCELLED");
  }
  EXPECT_EQ(counted_once(), 50);
  EXPECT_TRUE(mm::api::delete_record(kCounted, "default"));
  EXPECT_EQ(actions(kCounted),
            (std::vector<std::string>{"launch", "cancel", "cancelled", "delete"}));
}

TEST_P(RunControl, TuneChangesTheChunkSizeFromTheNextChunkAndAResumedRunKeepsIt) {
  std::unique_ptr<WorkerProcess> worker = stepping_worker();
  EXPECT_EQ(mm::api::tune_migration(kCounted, "default", {.chunk_size = 10, .pause_ms = 0}),
            MigrationStatus::kRunning);
  EXPECT_EQ(record(kCounted).tuning, (mm::RunTuning{.chunk_size = 10, .pause_ms = 0}));
  // The chunk in flight was read with 25 rows; it reads the tuning as it commits.
  worker->say("go on");
  EXPECT_EQ(worker->read_line(), "chunk 50");
  worker->say("go on");
  EXPECT_EQ(worker->read_line(), "chunk 60");
  worker->say("go on");
  EXPECT_EQ(worker->read_line(), "chunk 70");
  mm::api::pause_migration(kCounted, "default");
  EXPECT_EQ(run_to_the_end(*worker), 0);
  EXPECT_EQ(counted_once(), 80);
  // Only a pause is kept when a chunk size is not given.
  mm::api::tune_migration(kCounted, "default", {.pause_ms = 1});
  EXPECT_EQ(record(kCounted).tuning, (mm::RunTuning{.chunk_size = 10, .pause_ms = 1}));
  EXPECT_THROW(mm::api::tune_migration(kCounted, "default", {.chunk_size = 0}),
               std::invalid_argument);
  mm::api::resume_migration(kCounted, "default");
  EXPECT_EQ(record(kCounted).tuning, (mm::RunTuning{.chunk_size = 10, .pause_ms = 1}));
  EXPECT_EQ(counted_once(), 200);
}

TEST_P(RunControl, AStalledRunIsPausedAtOnceAndCommitsNothingWhenItWakes) {
  std::unique_ptr<WorkerProcess> worker = worker_paused_after_two_chunks();
  ASSERT_EQ(worker->first_line(), "paused");
  worker->signal(SIGSTOP);
  ASSERT_TRUE(mm::test::await_status(kCounted, "default", {MigrationStatus::kStalled}));
  // Nobody could stop after a chunk: paused now.
  EXPECT_EQ(mm::api::pause_migration(kCounted, "default"), MigrationStatus::kPaused);
  worker->signal(SIGCONT);
  worker->say("go on");
  const int status = worker->wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // Its next chunk found its run stopped and rolled back.
  EXPECT_EQ(record(kCounted).status(), MigrationStatus::kPaused);
  EXPECT_EQ(counted_once(), 50);
  mm::api::resume_migration(kCounted, "default");
  EXPECT_EQ(record(kCounted).status(), MigrationStatus::kApplied);
  EXPECT_EQ(counted_once(), 200);
}

TEST_P(RunControl, SigtermOrSigintToTheCommandLineRecordsPausedAfterTheCurrentChunk) {
  for (int signal : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(signal);
    WorkerProcess worker(
        {dbs_.url("default"), "step-cli", "run", kCounted, "--database", "default"});
    EXPECT_EQ(worker.first_line(), "chunk 25");
    const std::string attempt = record(kCounted).attempt_uuid;
    worker.signal(signal);
    // Said once the stop is requested, before the run's next chunk.
    EXPECT_EQ(worker.read_line(),
              std::string("mapper_worker: ") + (signal == SIGINT ? "interrupted" : "terminated") +
                  ": runs stop after their current chunk and are recorded PAUSED (a second "
                  "signal stops at once)");
    worker.say("go on");
    const std::string rest = worker.read_rest();
    EXPECT_NE(rest.find("PAUSED map:0002_counted on default after 25 rows (resume "
                        "map:0002_counted --database default continues it)"),
              std::string::npos)
        << rest;
    const int status = worker.wait();
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 1);
    mm::MigrationRecord paused = record(kCounted);
    EXPECT_EQ(paused.status(), MigrationStatus::kPaused);
    EXPECT_EQ(paused.attempt_uuid, attempt);
    EXPECT_EQ(counted_once(), 25);
    const std::vector<mm::MigrationEvent> history = mm::api::migration_history(kCounted, "default");
    // This attempt's part of the trail: launched, then paused by its own process.
    ASSERT_GE(history.size(), 2u);
    const mm::MigrationEvent& launched = history[history.size() - 2];
    const mm::MigrationEvent& stopped = history.back();
    EXPECT_EQ(launched.action, "launch");
    EXPECT_EQ(launched.attempt_uuid, attempt);
    EXPECT_EQ(stopped.action, "paused");
    EXPECT_EQ(stopped.attempt_uuid, attempt);
    EXPECT_EQ(stopped.detail, "this process was asked to stop, at 25 rows");
    EXPECT_EQ(stopped.actor, paused.owner);
    // Whoever resumes it, it ends with every row once.
    mm::api::finish_migration(kCounted, "default");
    EXPECT_EQ(counted_once(), 200);
    mm::api::delete_record(kCounted, "default");
    dbs_.execute("default", "UPDATE counted SET times = 0");
  }
}

TEST_P(RunControl, AfterSigtermMigrateAllLaunchesNothingMore) {
  mm::api::fake_migration("map:0001_resumable", "default");  // needs tables of its own
  WorkerProcess worker(
      {dbs_.url("default"), "step-cli", "migrate_all", "--app", "map", "--database", "default"});
  EXPECT_EQ(worker.first_line(), "Database default:");
  EXPECT_EQ(worker.read_line(), "chunk 25");  // map:0002_counted, first in order
  worker.signal(SIGTERM);
  EXPECT_EQ(worker.read_line(),
            "mapper_worker: terminated: runs stop after their current chunk and are recorded "
            "PAUSED (a second signal stops at once)");
  worker.say("go on");
  const std::string rest = worker.read_rest();
  EXPECT_NE(rest.find("  PAUSED   map:0002_counted after 25 rows"), std::string::npos) << rest;
  EXPECT_NE(rest.find("  STOPPED  map:0003_counted_parallel: not run, as this command was asked "
                      "to stop\n"),
            std::string::npos)
      << rest;
  const int status = worker.wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 1);  // a deploy step stopped halfway does not pass
  EXPECT_EQ(record(kCounted).status(), MigrationStatus::kPaused);
  EXPECT_EQ(mm::api::get_record("map:0003_counted_parallel", "default"), std::nullopt);
  EXPECT_EQ(counted_once(), 25);
}

TEST_P(RunControl, ConcurrentFinishesRunItOnceAndAllReturnApplied) {
  // Deploy steps of several hosts at once: one runs it, the others wait for that run.
  std::vector<std::future<void>> finishes;
  for (int i = 0; i < 4; ++i) {
    finishes.push_back(
        std::async(std::launch::async, [] { mm::api::finish_migration(kCounted, "default"); }));
  }
  for (std::future<void>& finish : finishes) EXPECT_NO_THROW(finish.get());
  EXPECT_EQ(record(kCounted).status(), MigrationStatus::kApplied);
  EXPECT_EQ(counted_once(), 200);
  const std::vector<std::string> trail = actions(kCounted);
  EXPECT_EQ(std::count(trail.begin(), trail.end(), "launch"), 1);
  EXPECT_EQ(std::count(trail.begin(), trail.end(), "resume"), 0);
}

TEST_P(RunControl, FinishWaitsForALiveRunElsewhereUpToItsTimeout) {
  std::unique_ptr<WorkerProcess> worker = stepping_worker();
  const std::string attempt = record(kCounted).attempt_uuid;
  try {
    mm::api::finish_migration(kCounted, "default", {.timeout = std::chrono::milliseconds(0)});
    ADD_FAILURE() << "finish did not wait";
  } catch (const mm::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("is still RUNNING after 0 s (--timeout): it is running: "
                                         "attempt " +
                                         attempt),
              std::string::npos)
        << e.what();
  }
  std::promise<void> waiting;
  std::future<void> finished = std::async(std::launch::async, [&] {
    bool first = true;
    mm::api::finish_migration(kCounted, "default", {.on_wait = [&](const mm::MigrationRecord& r) {
                                EXPECT_EQ(r.attempt_uuid, attempt);
                                if (first) waiting.set_value();
                                first = false;
                              }});
  });
  waiting.get_future().wait();
  EXPECT_EQ(run_to_the_end(*worker), 0);
  finished.get();
  // The worker's own attempt finished it; finish ran nothing itself.
  EXPECT_EQ(record(kCounted).attempt_uuid, attempt);
  EXPECT_EQ(counted_once(), 200);
  EXPECT_EQ(actions(kCounted), (std::vector<std::string>{"launch", "finish"}));
}

TEST_P(RunControl, FinishRunsWhatWasNotRunAndReturnsAtOnceWhenApplied) {
  mm::api::finish_migration(kCounted, "default");
  EXPECT_EQ(record(kCounted).status(), MigrationStatus::kApplied);
  EXPECT_EQ(counted_once(), 200);
  mm::api::finish_migration(kCounted, "default");
  EXPECT_EQ(actions(kCounted), (std::vector<std::string>{"launch", "finish"}));
}

TEST_P(RunControl, ThrottleIsAskedAfterEveryChunkAndAPauseEndsALongWaitWithinALease) {
  mm::api::initiate_migration("ctl:0001_throttled", "default");
  EXPECT_EQ(g_throttled, 8);  // 200 rows, 25 a chunk
  mm::api::delete_record("ctl:0001_throttled", "default");
  dbs_.execute("default", "UPDATE counted SET times = 0");

  mm::Config config = mm::current_config();
  config.run_lease = std::chrono::milliseconds(300);
  mm::configure(config);
  g_throttle = std::chrono::hours(1);
  std::promise<void> throttled;
  g_first_throttle = &throttled;
  std::future<void> run = std::async(
      std::launch::async, [] { mm::api::initiate_migration("ctl:0001_throttled", "default"); });
  throttled.get_future().wait();
  mm::api::pause_migration("ctl:0001_throttled", "default");
  run.get();  // well before the hour
  mm::MigrationRecord paused = record("ctl:0001_throttled");
  EXPECT_EQ(paused.status(), MigrationStatus::kPaused);
  EXPECT_EQ(paused.rows_done, 25);
  // The trail outlives the deleted record.
  EXPECT_EQ(actions("ctl:0001_throttled"),
            (std::vector<std::string>{"launch", "finish", "delete", "launch", "pause", "paused"}));
}

TEST_P(RunControl, AThrottleThatThrowsFailsTheRunAfterItsCommittedChunk) {
  g_throttle_throws = true;
  mm::api::initiate_migration("ctl:0001_throttled", "default");
  const mm::MigrationRecord failed = record("ctl:0001_throttled");
  EXPECT_EQ(failed.status(), MigrationStatus::kErrored);
  EXPECT_EQ(failed.last_error, "std::runtime_error: replica lag unknown: no connection");
  EXPECT_EQ(failed.rows_done, 25);
  g_throttle_throws = false;
  mm::api::resume_migration("ctl:0001_throttled", "default");
  EXPECT_EQ(record("ctl:0001_throttled").status(), MigrationStatus::kApplied);
  EXPECT_EQ(dbs_.scalar("default", "SELECT count(*) FROM counted WHERE times = 1"), "200");
}

TEST_P(RunControl, AStalledRunThatWasBeingCancelledIsCancelledNotResumed) {
  std::unique_ptr<WorkerProcess> worker = worker_paused_after_two_chunks();
  ASSERT_EQ(worker->first_line(), "paused");
  EXPECT_EQ(mm::api::cancel_migration(kCounted, "default"), MigrationStatus::kCancelling);
  worker->signal(SIGSTOP);
  ASSERT_TRUE(mm::test::await_status(kCounted, "default", {MigrationStatus::kStalled}));
  EXPECT_THROW(mm::api::pause_migration(kCounted, "default"), mm::ActionNotAllowed);
  EXPECT_THROW(mm::api::resume_migration(kCounted, "default"), mm::ActionNotAllowed);
  EXPECT_EQ(record(kCounted).status(), MigrationStatus::kCancelled);
  worker->signal(SIGCONT);
  worker->say("go on");
  worker->wait();
  // It woke to find its run stopped: its chunk rolled back.
  EXPECT_EQ(record(kCounted).status(), MigrationStatus::kCancelled);
  EXPECT_EQ(counted_once(), 50);
}

TEST_P(RunControl, TheChunkSizeFollowsTheTargetDurationByAtMostATwentiethEitherWay) {
  // Chunks far quicker than the target grow by x1.2 each, up to the maximum.
  mm::api::initiate_migration("ctl:0002_growing", "default");
  EXPECT_EQ(g_chunk_sizes, (std::vector<std::int64_t>{10, 12, 14, 17, 20, 24, 29, 35, 39}));
  // Chunks slower than the target shrink by /1.2 each, down to the minimum.
  g_chunk_sizes.clear();
  g_chunk_takes = std::chrono::milliseconds(5);
  dbs_.execute("default", "UPDATE counted SET times = 0");
  mm::api::initiate_migration("ctl:0003_shrinking", "default");
  EXPECT_EQ(g_chunk_sizes, (std::vector<std::int64_t>{100, 83, 17}));
}

INSTANTIATE_TEST_SUITE_P(Engines, RunControl, mm::test::kEngines, mm::test::engine_name);

// PostgreSQL: a process stopped (SIGSTOP) while it writes a record holds no lock on it, so its
// run stays under control: each record write is one statement and a transaction of its own,
// which the server finishes without the client. Had a write spanned three round trips (BEGIN,
// the statement, COMMIT), one of thirty stops of a process writing heartbeats without pause
// would nearly surely land between the statement and its commit. (A SQLite process stopped
// inside a write keeps the file's lock: no server finishes the write for it.)
class PostgresRunControl : public RunControl {};

TEST_P(PostgresRunControl, AProcessStoppedWhileWritingItsHeartbeatBlocksNoControl) {
  std::unique_ptr<mm::RecordStore> store = dbs_.open_store("default");
  const mm::MigrationRecord running{
      .key = kCounted, .attempt_uuid = mm::new_attempt_uuid(), .initiated_at = mm::now_timestamp()};
  ASSERT_TRUE(store->insert_if_absent(running));
  WorkerProcess beating(
      {dbs_.url("default"), "heartbeats", std::string(kCounted), running.attempt_uuid});
  ASSERT_EQ(beating.first_line(), "beating");
  for (int stop = 0; stop < 30; ++stop) {
    beating.signal(SIGSTOP);
    // Behind a lock the stopped process held, these would give up after the lock timeout.
    ASSERT_TRUE(store->control_run(kCounted, running.attempt_uuid, MigrationStatus::kRunning,
                                   MigrationStatus::kPausing, {}))
        << stop;
    ASSERT_TRUE(store->control_run(kCounted, running.attempt_uuid, MigrationStatus::kPausing,
                                   MigrationStatus::kRunning, {}))
        << stop;
    beating.signal(SIGCONT);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, PostgresRunControl, ::testing::Values(Engine::kPostgres),
                         mm::test::engine_name);

// SQLite has one writer at a time: by default a run leaves the file free for other writers.
class SqliteSharing : public ::testing::Test {
 protected:
  void SetUp() override {
    mm::Config config = dbs_.config();
    config.pause_between_chunks.reset();  // the default
    mm::configure(config);
    mm::test::create_counted(dbs_, 40000);
  }
  mm::test::TestDatabases dbs_{Engine::kSqlite, {"default"}};
};

TEST_F(SqliteSharing, ARunLeavesTheFileFreeForAGapAfterEverySliceAndAWriterAlwaysGetsIn) {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> commits;  // of each chunk, from the run's own thread
  const mm::ProgressListener previous =
      mm::set_progress_listener([&](const mm::MigrationProgress& p) {
        if (!p.finished) commits.push_back(Clock::now());
      });
  // Meanwhile, the application writes through its own connection, as another process would,
  // with SQLite's own busy handler.
  std::atomic<bool> done{false};
  std::vector<int> failures;
  std::thread writer([&] {
    sqlite3* db = nullptr;
    const std::string path = dbs_.url("default").substr(std::string("sqlite://").size());
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS app_log (id INTEGER PRIMARY KEY)", nullptr,
                 nullptr, nullptr);
    while (!done) {
      const int rc =
          sqlite3_exec(db, "INSERT INTO app_log DEFAULT VALUES", nullptr, nullptr, nullptr);
      if (rc != SQLITE_OK) failures.push_back(rc);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    sqlite3_close(db);
  });
  mm::api::initiate_migration(kCounted, "default", {.backend = "inline"});
  done = true;
  writer.join();
  mm::set_progress_listener(previous);
  EXPECT_EQ(mm::test::expect_counted_once_as_recorded(dbs_, kCounted), 40000);
  EXPECT_TRUE(failures.empty()) << failures.size() << " writes failed";
  // Gaps of at least 15 ms after slices of 30 ms of chunks (a slice may end with a chunk that
  // began before its 30 ms were up).
  // 25 rows a chunk, fewer should one take longer than a slice (a loaded machine).
  ASSERT_GE(commits.size(), 1600u);
  Clock::duration gaps{}, longest_chunk{};
  int gap_count = 0;
  for (size_t i = 1; i < commits.size(); ++i) {
    const Clock::duration between = commits[i] - commits[i - 1];
    if (between >= std::chrono::milliseconds(15)) {
      ++gap_count;
      gaps += between;
    } else {
      longest_chunk = std::max(longest_chunk, between);
    }
  }
  const Clock::duration working = commits.back() - commits.front() - gaps;
  EXPECT_GE(gap_count, working / (std::chrono::milliseconds(30) + longest_chunk) - 1)
      << "working " << std::chrono::duration_cast<std::chrono::milliseconds>(working).count()
      << " ms, longest chunk "
      << std::chrono::duration_cast<std::chrono::microseconds>(longest_chunk).count() << " us";
  EXPECT_GE(gap_count, 1);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) mm::test::set_worker_path(argv[1]);
  return RUN_ALL_TESTS();
}
