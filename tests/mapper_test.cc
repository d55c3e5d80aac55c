// Mapper migrations on every engine: chunks in key order, checkpoint and progress committed
// with each chunk, a failing row named and its chunk rolled back, resume without processing a
// committed chunk twice (also after SIGKILL mid-chunk, around a chunk's commit, while splitting
// into ranges, around the final commit, and in a parallel run), stale attempts that stop without
// writing, and parallel key ranges whose union is exact.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <sstream>

#include "massmigration/massmigration.h"
#include "massmigration/testing.h"
#include "support/await_status.h"
#include "support/engines.h"
#include "support/worker_process.h"

namespace mm = massmigration;
using mm::test::Engine;

namespace {

std::atomic<std::int64_t> g_fail_at{-1};

// Seeds `thing` with ids 1..1000 (text names), and `seen` to log every row visit.
class Setup : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override {
    ctx.execute(
        "CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT NOT NULL, doubled INTEGER);"
        "CREATE TABLE seen (id INTEGER NOT NULL);"
        "CREATE TABLE tagged (code TEXT PRIMARY KEY, tag TEXT);");
    ctx.execute(
        "INSERT INTO thing (id, name) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
        "FROM seq WHERE n < 1000) SELECT n, 'thing ' || n FROM seq");
    ctx.execute(
        "INSERT INTO tagged (code) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
        "FROM seq WHERE n < 230) SELECT 'code-' || n FROM seq");
  }
};
MASSMIGRATION_REGISTER(Setup, "map", "0001_setup");

// Per row, every id not divisible by 7, 50 rows a chunk.
class Double : public mm::MapperMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"map", "0001_setup"}}; }
  mm::BackendParams backend_params() const override { return {{"chunk_size", "50"}}; }
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "thing", .columns = {"name"}, .filter = "id % 7 <> $1", .filter_params = {0}};
  }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    const std::int64_t id = std::get<std::int64_t>(row.key());
    if (row.get<std::string>("name") != "thing " + std::to_string(id)) {
      throw std::logic_error("wrong row");
    }
    ctx.execute("INSERT INTO seen (id) VALUES ($1)", id);
    if (id == g_fail_at) throw std::runtime_error("cannot double " + std::to_string(id));
    ctx.execute("UPDATE thing SET doubled = $1 WHERE id = $2", id * 2, id);
  }
};
MASSMIGRATION_REGISTER(Double, "map", "0002_double");

// A chunk at a time, set-based.
class DoubleInBatches : public mm::MapperMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"map", "0001_setup"}}; }
  mm::BackendParams backend_params() const override { return {{"chunk_size", "300"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "thing"}; }
  void batch_operation(const std::vector<mm::MapperRow>& rows, mm::OperationContext& ctx) override {
    ctx.execute("UPDATE thing SET doubled = id * 2 WHERE id >= $1 AND id <= $2", rows.front().key(),
                rows.back().key());
    ctx.execute("INSERT INTO seen (id) VALUES ($1)", static_cast<std::int64_t>(rows.size()));
  }
};
MASSMIGRATION_REGISTER(DoubleInBatches, "map", "0003_batches");

class TagText : public mm::MapperMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"map", "0001_setup"}}; }
  mm::BackendParams backend_params() const override { return {{"chunk_size", "40"}}; }
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "tagged", .primary_key = "code"};
  }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    ctx.execute("UPDATE tagged SET tag = 'tag ' || code WHERE code = $1", row.key());
  }
};
MASSMIGRATION_REGISTER(TagText, "map", "0004_tag_text");

// Four key ranges at once where the engine allows it.
class Parallel : public mm::MapperMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"map", "0001_setup"}}; }
  mm::BackendParams backend_params() const override {
    return {{"chunk_size", "37"}, {"workers", "4"}};
  }
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "thing", .filter = "id % 3 <> 0"};
  }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    ctx.execute("INSERT INTO seen (id) VALUES ($1)", row.key());
    if (std::get<std::int64_t>(row.key()) == g_fail_at) throw std::runtime_error("parallel stop");
  }
};
MASSMIGRATION_REGISTER(Parallel, "map", "0005_parallel");

// A misspelt column: both engines must fail, not read the name as a string.
class Misspelt : public mm::MapperMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"map", "0001_setup"}}; }
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "thing", .columns = {"nmae"}};
  }
  void operation(const mm::MapperRow&, mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Misspelt, "map", "0006_misspelt");

// What the engine says of commit durability, inside a chunk and inside a simple migration.
std::string g_chunk_sync, g_simple_sync;
std::string sync_setting(mm::OperationContext& ctx) {
  const bool sqlite = ctx.native_handle().type() == typeid(sqlite3*);
  return mm::sql_value_text(
      ctx.query(sqlite ? "PRAGMA synchronous" : "SHOW synchronous_commit")[0][0]);
}
class ChunkSync : public mm::MapperMigration {
 public:
  std::vector<mm::MigrationKey> dependencies() const override { return {{"map", "0001_setup"}}; }
  mm::MapperQuery query(const std::string&) const override {
    return {.table = "thing", .filter = "id = $1", .filter_params = {1}};
  }
  void operation(const mm::MapperRow&, mm::OperationContext& ctx) override {
    g_chunk_sync = sync_setting(ctx);
  }
};
MASSMIGRATION_REGISTER(ChunkSync, "map", "0007_chunk_sync");
class SimpleSync : public mm::SimpleMigration {
 public:
  void operation(mm::OperationContext& ctx) override { g_simple_sync = sync_setting(ctx); }
};
MASSMIGRATION_REGISTER(SimpleSync, "map", "0008_simple_sync");

constexpr char kDouble[] = "map:0002_double";
constexpr std::int64_t kSelected = 1000 - 1000 / 7;  // ids not divisible by 7

class Mapper : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    g_fail_at = -1;
    mm::configure(dbs_.config());
    mm::api::initiate_migration("map:0001_setup", "default");
    previous_ = mm::set_progress_listener([this](const mm::MigrationProgress& p) {
      std::lock_guard lock(mu_);
      progress_.push_back(p);
      if (on_progress_) on_progress_(p);
    });
  }
  void TearDown() override { mm::set_progress_listener(previous_); }
  mm::MigrationRecord record(const char* key) { return *mm::api::get_record(key, "default"); }
  std::string scalar(const std::string& sql) { return dbs_.scalar("default", sql); }
  // map:0005_parallel applied, every selected id (not divisible by 3) seen exactly once.
  void expect_parallel_selection_done_once(const mm::MigrationRecord& r) {
    const std::int64_t selected = 1000 - 1000 / 3;
    EXPECT_EQ(r.status(), mm::MigrationStatus::kApplied) << r.last_error;
    EXPECT_EQ(r.rows_done, selected);
    EXPECT_EQ(scalar("SELECT count(*) FROM seen"), std::to_string(selected));
    EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM seen"), std::to_string(selected));
  }

  // What a database server that crashed leaves when chunk commits did not wait for the disk:
  // map:0002_double's chunks after id `kept` gone, with their checkpoint and progress.
  void lose_double_chunks_after(std::int64_t kept, std::int64_t rows_done) {
    const std::string id = std::to_string(kept);
    dbs_.execute("default", "DELETE FROM seen WHERE id > " + id +
                                "; UPDATE thing SET doubled = NULL WHERE id > " + id +
                                "; UPDATE massmigration_record SET checkpoint = '" + id +
                                "', rows_done = " + std::to_string(rows_done) +
                                " WHERE key = 'map:0002_double'");
  }
  // A killed run's record says RUNNING until its lease has passed. With a short lease, waits
  // until it shows STALLED, and may be resumed (or ERRORED, which may be resumed at once).
  void await_resumable(const char* key) {
    mm::Config config = mm::current_config();
    config.run_lease = std::chrono::milliseconds(300);
    mm::configure(config);
    ASSERT_TRUE(mm::test::await_resumable(key, "default"))
        << mm::to_string(mm::api::migration_status(key, "default"));
  }

  // Resumes map:0002_double, which must then finish with every selected row seen once.
  void expect_double_resumes_to_every_row_once() {
    on_progress_ = nullptr;
    await_resumable(kDouble);
    mm::api::resume_migration(kDouble, "default");
    mm::MigrationRecord done = record(kDouble);
    EXPECT_EQ(done.status(), mm::MigrationStatus::kApplied) << done.last_error;
    EXPECT_EQ(done.rows_done, kSelected);
    EXPECT_EQ(scalar("SELECT count(*) FROM seen"), std::to_string(kSelected));
    EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM seen"), std::to_string(kSelected));
  }

  // Runs mapper_worker with `args` until it prints "stopped at ..." (or "stopping"), then
  // SIGKILLs it there.
  void kill_worker_when_it_stops(const std::vector<std::string>& args) {
    mm::test::WorkerProcess worker(args);
    worker.signal(SIGKILL);
    const int status = worker.wait();
    ASSERT_TRUE(WIFSIGNALED(status))
        << "mapper_worker ended by itself; it said: " << worker.first_line();
    ASSERT_TRUE(worker.first_line() == "stopping" || worker.first_line().starts_with("stopped at "))
        << worker.first_line();
  }

  // Table `counted` of map:0002_counted, ids 1..rows, each processed 0 times yet.
  void create_counted(int rows) { mm::test::create_counted(dbs_, rows); }
  std::int64_t expect_counted_once_as_recorded(const char* key) {
    return mm::test::expect_counted_once_as_recorded(dbs_, key);
  }
  // Resumes `key`, which must then be applied with every one of `rows` rows processed once.
  void expect_resumes_counting_every_row_once(const char* key, int rows) {
    await_resumable(key);
    mm::api::resume_migration(key, "default");
    mm::MigrationRecord done = record(key);
    EXPECT_EQ(done.status(), mm::MigrationStatus::kApplied) << done.last_error;
    EXPECT_EQ(done.rows_done, rows);
    EXPECT_EQ(scalar("SELECT count(*) FROM counted WHERE times = 1"), std::to_string(rows));
    EXPECT_EQ(scalar("SELECT count(*) FROM counted WHERE times <> 1"), "0");
  }

  mm::test::TestDatabases dbs_{GetParam(), {"default"}};
  mm::ProgressListener previous_;
  std::mutex mu_;
  std::vector<mm::MigrationProgress> progress_;
  std::function<void(const mm::MigrationProgress&)> on_progress_;
};

TEST_P(Mapper, ProcessesEverySelectedRowOnceInKeyOrderAndRecordsProgress) {
  mm::api::initiate_migration(kDouble, "default");
  mm::MigrationRecord r = record(kDouble);
  EXPECT_EQ(r.status(), mm::MigrationStatus::kApplied) << r.last_error;
  EXPECT_EQ(r.rows_total, kSelected);
  EXPECT_EQ(r.rows_done, kSelected);
  EXPECT_EQ(r.checkpoint, "1000");
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), std::to_string(kSelected));
  EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM seen"), std::to_string(kSelected));
  EXPECT_EQ(scalar("SELECT count(*) FROM thing WHERE doubled = id * 2"), std::to_string(kSelected));
  EXPECT_EQ(scalar("SELECT count(*) FROM thing WHERE id % 7 = 0 AND doubled IS NOT NULL"), "0");
  // One report per 50-row chunk, then the end.
  std::lock_guard lock(mu_);
  ASSERT_EQ(progress_.size(), static_cast<size_t>((kSelected + 49) / 50 + 1));
  for (size_t i = 0; i + 1 < progress_.size(); ++i) {
    EXPECT_EQ(progress_[i].rows_done, std::min<std::int64_t>(50 * (i + 1), kSelected));
    EXPECT_EQ(progress_[i].rows_total, kSelected);
    EXPECT_FALSE(progress_[i].finished);
  }
  EXPECT_TRUE(progress_.back().finished);
  EXPECT_EQ(progress_.back().rows_done, kSelected);
}

TEST_P(Mapper, BatchOperationsGetWholeChunks) {
  mm::api::initiate_migration("map:0003_batches", "default");
  EXPECT_EQ(record("map:0003_batches").status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(scalar("SELECT count(*) FROM thing WHERE doubled = id * 2"), "1000");
  // Chunk sizes, in order: 300, 300, 300, 100.
  EXPECT_EQ(scalar("SELECT count(*) FROM seen WHERE id = 300"), "3");
  EXPECT_EQ(scalar("SELECT count(*) FROM seen WHERE id = 100"), "1");
}

TEST_P(Mapper, TextKeysWork) {
  mm::api::initiate_migration("map:0004_tag_text", "default");
  mm::MigrationRecord r = record("map:0004_tag_text");
  EXPECT_EQ(r.status(), mm::MigrationStatus::kApplied) << r.last_error;
  EXPECT_EQ(r.rows_done, 230);
  EXPECT_EQ(r.checkpoint, "code-99");  // the largest key in text order
  EXPECT_EQ(scalar("SELECT count(*) FROM tagged WHERE tag = 'tag ' || code"), "230");
}

TEST_P(Mapper, AFailingRowRollsBackItsChunkNamesTheRowAndResumes) {
  g_fail_at = 321;
  mm::api::initiate_migration(kDouble, "default");
  mm::MigrationRecord failed = record(kDouble);
  EXPECT_EQ(failed.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(failed.last_error, "row id=321: std::runtime_error: cannot double 321");
  // Chunks of 50 selected ids (multiples of 7 skipped): the 250th is 291, so five chunks
  // committed up to 291 and the sixth, 292..349, failed at 321.
  EXPECT_EQ(failed.checkpoint, "291");
  EXPECT_EQ(failed.rows_done, 250);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), "250");  // the failed chunk left nothing
  EXPECT_EQ(scalar("SELECT max(id) FROM thing WHERE doubled IS NOT NULL"), "291");

  g_fail_at = -1;
  std::string resumed = mm::api::initiate_migration(kDouble, "default");  // resumes
  mm::MigrationRecord done = record(kDouble);
  EXPECT_EQ(done.attempt_uuid, resumed);
  EXPECT_NE(done.attempt_uuid, failed.attempt_uuid);
  EXPECT_EQ(done.status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(done.rows_done, kSelected);
  EXPECT_EQ(done.last_error, "");
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), std::to_string(kSelected));
  EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM seen"), std::to_string(kSelected));
}

TEST_P(Mapper, ADeletedAttemptStopsWithoutWriting) {
  int chunks = 0;
  on_progress_ = [&](const mm::MigrationProgress& p) {
    if (!p.finished && ++chunks == 2) mm::api::delete_record(kDouble, "default", {.force = true});
  };
  mm::api::initiate_migration(kDouble, "default");
  EXPECT_EQ(mm::api::get_record(kDouble, "default"), std::nullopt);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), "100");  // two chunks, then it stopped
}

TEST_P(Mapper, AnAttemptDeletedElsewhereStopsAtItsNextCommit) {
  mm::Config config = dbs_.config();
  config.record_cache_ttl = std::chrono::hours(1);  // the cache cannot notice: the commit must
  mm::configure(config);
  int chunks = 0;
  on_progress_ = [&](const mm::MigrationProgress& p) {
    if (!p.finished && ++chunks == 2) {
      EXPECT_TRUE(dbs_.open_store("default")->remove(kDouble));
    }
  };
  mm::api::initiate_migration(kDouble, "default");
  EXPECT_EQ(mm::api::get_record(kDouble, "default"), std::nullopt);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), "100");  // the third chunk rolled back
}

TEST_P(Mapper, ALostChunkStopsTheRunInsteadOfBeingSkipped) {
  // The second chunk (ids 59..116) lost with its checkpoint while this process carries on:
  // the third chunk must not commit past the hole.
  int chunks = 0;
  on_progress_ = [&](const mm::MigrationProgress& p) {
    if (!p.finished && ++chunks == 2) lose_double_chunks_after(58, 50);
  };
  mm::api::initiate_migration(kDouble, "default");
  mm::MigrationRecord failed = record(kDouble);
  EXPECT_EQ(failed.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(failed.last_error,
            "the record's checkpoint is 58, not 116 where this chunk began: chunks committed "
            "earlier were lost (did the database restart?); resume to redo them");
  EXPECT_EQ(failed.checkpoint, "58");
  EXPECT_EQ(failed.rows_done, 50);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), "50");  // the third chunk rolled back
  expect_double_resumes_to_every_row_once();
}

TEST_P(Mapper, ALostLastChunkKeepsTheRunFromBeingApplied) {
  // The last chunk (ids 992..1000) lost the same way, before the run is marked APPLIED.
  on_progress_ = [&](const mm::MigrationProgress& p) {
    if (!p.finished && p.rows_done == kSelected) lose_double_chunks_after(991, 850);
  };
  mm::api::initiate_migration(kDouble, "default");
  mm::MigrationRecord failed = record(kDouble);
  EXPECT_EQ(failed.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(failed.last_error,
            "the record counts 850 rows done, not 858: chunks committed earlier were lost (did "
            "the database restart?); resume to redo them");
  expect_double_resumes_to_every_row_once();
}

TEST_P(Mapper, ResumesAfterTheProcessIsKilledMidChunkProcessingEachRowOnce) {
  dbs_.execute("default",
               "CREATE TABLE work (id INTEGER PRIMARY KEY); CREATE TABLE done_rows (id INTEGER);"
               "INSERT INTO work (id) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
               "FROM seq WHERE n < 200) SELECT n FROM seq");
  // Stops inside the chunk of ids 101..125.
  kill_worker_when_it_stops({dbs_.url("default"), "113"});

  mm::MigrationRecord interrupted = record("map:0001_resumable");
  EXPECT_EQ(interrupted.status(), mm::MigrationStatus::kRunning);
  EXPECT_EQ(interrupted.checkpoint, "100");
  EXPECT_EQ(scalar("SELECT count(*) FROM done_rows"), "100");
  await_resumable("map:0001_resumable");
  mm::api::resume_migration("map:0001_resumable", "default");
  mm::MigrationRecord done = record("map:0001_resumable");
  EXPECT_EQ(done.status(), mm::MigrationStatus::kApplied) << done.last_error;
  EXPECT_EQ(done.rows_done, 200);
  EXPECT_EQ(scalar("SELECT count(*) FROM done_rows"), "200");
  EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM done_rows"), "200");
}

// Killed around the commit of the third 25-row chunk: ids 51..75 are in it.
struct CommitKill {
  const char* point;
  std::string checkpoint;  // what the record holds after the kill
};

TEST_P(Mapper, KilledAroundAChunkCommitItResumesProcessingEachRowOnce) {
  constexpr char kCounted[] = "map:0002_counted";
  std::vector<CommitKill> kills = {{"chunk-commit-before:3", "50"}, {"chunk-commit-after:3", "75"}};
  // Inside COMMIT itself the client can hold the database (SQLite's commit hook) only on
  // SQLite; a PostgreSQL client killed there has sent COMMIT or not, as before or after.
  if (GetParam() == Engine::kSqlite) kills.push_back({"chunk-commit-inside:3", "50"});
  for (const CommitKill& kill : kills) {
    SCOPED_TRACE(kill.point);
    create_counted(200);
    kill_worker_when_it_stops({dbs_.url("default"), kill.point, kCounted});
    mm::MigrationRecord interrupted = record(kCounted);
    EXPECT_EQ(interrupted.status(), mm::MigrationStatus::kRunning);
    EXPECT_EQ(interrupted.checkpoint, kill.checkpoint);
    EXPECT_EQ(std::to_string(expect_counted_once_as_recorded(kCounted)), kill.checkpoint);
    expect_resumes_counting_every_row_once(kCounted, 200);
    mm::api::delete_record(kCounted, "default");
    dbs_.execute("default", "DROP TABLE counted");
  }
}

TEST_P(Mapper, KilledAroundTheFinalCommitItEndsAppliedProcessingEachRowOnce) {
  constexpr char kCounted[] = "map:0002_counted";
  create_counted(200);
  // Every chunk committed, the APPLIED write not made: resuming only marks it applied.
  kill_worker_when_it_stops({dbs_.url("default"), "finish-before", kCounted});
  EXPECT_EQ(record(kCounted).status(), mm::MigrationStatus::kRunning);
  EXPECT_EQ(record(kCounted).checkpoint, "200");
  EXPECT_EQ(expect_counted_once_as_recorded(kCounted), 200);
  expect_resumes_counting_every_row_once(kCounted, 200);

  mm::api::delete_record(kCounted, "default");
  dbs_.execute("default", "UPDATE counted SET times = 0");
  // The APPLIED write made: nothing is left to do.
  kill_worker_when_it_stops({dbs_.url("default"), "finish-after", kCounted});
  EXPECT_EQ(record(kCounted).status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(expect_counted_once_as_recorded(kCounted), 200);
  EXPECT_THROW(mm::api::resume_migration(kCounted, "default"), mm::MigrationAlreadyStarted);
}

// A run whose process stops (SIGSTOP) past its lease shows STALLED and is resumed elsewhere;
// when the stopped process continues, its attempt has been replaced, and it commits nothing.
TEST_P(Mapper, AStoppedRunIsResumedElsewhereAndCommitsNothingWhenItContinues) {
  constexpr char kCounted[] = "map:0002_counted";
  create_counted(200);
  mm::Config config = mm::current_config();
  config.run_lease = std::chrono::seconds(1);  // as the worker's
  mm::configure(config);
  mm::test::WorkerProcess worker({dbs_.url("default"), "pause-after-chunk:2", kCounted});
  ASSERT_EQ(worker.first_line(), "paused");
  // Alive, if idle between chunks: its heartbeat goes on, and resuming is refused.
  const mm::Timestamp seen = *record(kCounted).heartbeat_at;
  ASSERT_TRUE(mm::test::await_heartbeat_after(kCounted, "default", seen));
  EXPECT_EQ(mm::api::migration_status(kCounted, "default"), mm::MigrationStatus::kRunning);
  EXPECT_THROW(mm::api::resume_migration(kCounted, "default"), mm::MigrationAlreadyStarted);

  worker.signal(SIGSTOP);
  ASSERT_TRUE(mm::test::await_status(kCounted, "default", {mm::MigrationStatus::kStalled}));
  const std::string attempt = mm::api::resume_migration(kCounted, "default");
  EXPECT_EQ(record(kCounted).status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(expect_counted_once_as_recorded(kCounted), 200);

  worker.signal(SIGCONT);
  worker.say("go on");
  const int status = worker.wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // Its next chunk found its attempt replaced: every row is still processed exactly once.
  mm::MigrationRecord done = record(kCounted);
  EXPECT_EQ(done.status(), mm::MigrationStatus::kApplied);
  EXPECT_EQ(done.attempt_uuid, attempt);
  EXPECT_EQ(done.owner, mm::this_process_owner());
  EXPECT_EQ(expect_counted_once_as_recorded(kCounted), 200);
}

// map:0003_counted_parallel over ids 1..400: four ranges of 100, four 25-row chunks each.
constexpr char kCountedParallel[] = "map:0003_counted_parallel";

// Key ranges run in parallel only where sessions commit in parallel: PostgreSQL, not SQLite.
class ParallelMapper : public Mapper {};

TEST_P(ParallelMapper, KilledWhileSplittingIntoRangesItResumesProcessingEachRowOnce) {
  create_counted(400);
  kill_worker_when_it_stops({dbs_.url("default"), "split-commit-before", kCountedParallel});
  mm::MigrationRecord unsplit = record(kCountedParallel);
  EXPECT_EQ(unsplit.status(), mm::MigrationStatus::kRunning);
  EXPECT_EQ(unsplit.checkpoint, std::nullopt);
  EXPECT_EQ(unsplit.rows_total, 400);
  EXPECT_EQ(expect_counted_once_as_recorded(kCountedParallel), 0);
  expect_resumes_counting_every_row_once(kCountedParallel, 400);

  mm::api::delete_record(kCountedParallel, "default");
  dbs_.execute("default", "UPDATE counted SET times = 0");
  kill_worker_when_it_stops({dbs_.url("default"), "split-commit-after", kCountedParallel});
  mm::MigrationRecord split = record(kCountedParallel);
  EXPECT_EQ(split.status(), mm::MigrationStatus::kRunning);
  EXPECT_EQ(split.checkpoint, "ranges:0,100,0;100,200,100;200,300,200;300,400,300");
  EXPECT_EQ(expect_counted_once_as_recorded(kCountedParallel), 0);
  expect_resumes_counting_every_row_once(kCountedParallel, 400);
}

TEST_P(ParallelMapper, KilledAroundAParallelChunkCommitItResumesProcessingEachRowOnce) {
  for (const char* point : {"chunk-commit-before:6", "chunk-commit-after:6"}) {
    SCOPED_TRACE(point);
    create_counted(400);
    // Four workers committing; at the sixth chunk commit every worker stops where it is.
    kill_worker_when_it_stops({dbs_.url("default"), point, kCountedParallel});
    mm::MigrationRecord interrupted = record(kCountedParallel);
    EXPECT_EQ(interrupted.status(), mm::MigrationStatus::kRunning);
    ASSERT_TRUE(interrupted.checkpoint && interrupted.checkpoint->starts_with("ranges:"));
    const std::int64_t done = expect_counted_once_as_recorded(kCountedParallel);
    EXPECT_GE(done, std::string_view(point).ends_with("before:6") ? 5 * 25 : 6 * 25);
    EXPECT_LT(done, 400);
    // Each range's checkpoint is where its processed rows end.
    std::istringstream ranges(interrupted.checkpoint->substr(7));
    for (std::string after, upto, last; std::getline(ranges, after, ',') &&
                                        std::getline(ranges, upto, ',') &&
                                        std::getline(ranges, last, ';');) {
      EXPECT_EQ(scalar("SELECT count(*) FROM counted WHERE id > " + after + " AND id <= " + upto +
                       " AND (times = 1) <> (id <= " + last + ")"),
                "0")
          << after << "," << upto << "," << last;
    }
    expect_resumes_counting_every_row_once(kCountedParallel, 400);
    mm::api::delete_record(kCountedParallel, "default");
    dbs_.execute("default", "DROP TABLE counted");
  }
}

TEST_P(Mapper, ParallelRangesCoverTheSelectionExactlyOnce) {
  mm::api::initiate_migration("map:0005_parallel", "default");
  mm::MigrationRecord r = record("map:0005_parallel");
  expect_parallel_selection_done_once(r);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen WHERE id % 3 = 0"), "0");
  if (GetParam() == Engine::kPostgres) {
    // Four ranges, each run to its end: "ranges:after,upto,last;..." with last == upto.
    ASSERT_TRUE(r.checkpoint && r.checkpoint->starts_with("ranges:")) << *r.checkpoint;
    EXPECT_EQ(std::count(r.checkpoint->begin(), r.checkpoint->end(), ';'), 3);
  } else {
    EXPECT_EQ(r.checkpoint, "1000");  // SQLite: one writer, so one range
  }
}

TEST_P(Mapper, AFailedParallelRunResumesEachRangeFromItsOwnCheckpoint) {
  g_fail_at = 500;  // in the second of four ranges
  mm::api::initiate_migration("map:0005_parallel", "default");
  mm::MigrationRecord failed = record("map:0005_parallel");
  ASSERT_EQ(failed.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(failed.last_error, "row id=500: std::runtime_error: parallel stop");
  const std::string committed = scalar("SELECT count(*) FROM seen");
  EXPECT_EQ(std::to_string(failed.rows_done), committed);  // progress counts committed rows only
  g_fail_at = -1;
  mm::api::initiate_migration("map:0005_parallel", "default");  // resumes
  expect_parallel_selection_done_once(record("map:0005_parallel"));
}

TEST_P(Mapper, OnTheThreadsBackendParallelRangesAlsoCoverTheSelectionExactlyOnce) {
  mm::Config config = dbs_.config();
  config.default_backend = "threads";
  mm::configure(config);
  mm::api::initiate_migration("map:0005_parallel", "default");  // returns at once
  auto* pool = dynamic_cast<mm::ThreadPoolBackend*>(mm::find_backend("threads").get());
  ASSERT_NE(pool, nullptr);
  pool->wait_idle();
  mm::MigrationRecord r = record("map:0005_parallel");
  expect_parallel_selection_done_once(r);
}

TEST_P(Mapper, AMisspeltColumnFailsTheRunNamingIt) {
  mm::api::initiate_migration("map:0006_misspelt", "default");
  mm::MigrationRecord r = record("map:0006_misspelt");
  EXPECT_EQ(r.status(), mm::MigrationStatus::kErrored);
  EXPECT_EQ(r.last_error.rfind("massmigration::DatabaseError: database default: ", 0), 0u)
      << r.last_error;
  EXPECT_NE(r.last_error.find("nmae"), std::string::npos) << r.last_error;
  EXPECT_EQ(r.rows_done, 0);
}

TEST_P(Mapper, ResumeRefusesWhatCannotResume) {
  EXPECT_THROW(mm::api::resume_migration(kDouble, "default"), mm::MigrationError);  // no record
  EXPECT_THROW(mm::api::resume_migration("map:0001_setup", "default"), mm::MigrationError);
  mm::api::initiate_migration(kDouble, "default");
  EXPECT_THROW(mm::api::resume_migration(kDouble, "default"), mm::MigrationAlreadyStarted);
}

TEST_P(Mapper, ChunkCommitsDoNotWaitForTheDiskWhileOtherTransactionsDo) {
  // Chunks are redone from the checkpoint if a power failure loses them; a simple
  // migration's APPLIED record (on a connection a chunk may have used before) is not.
  mm::api::initiate_migration("map:0007_chunk_sync", "default");
  mm::api::initiate_migration("map:0008_simple_sync", "default");
  ASSERT_EQ(record("map:0007_chunk_sync").status(), mm::MigrationStatus::kApplied);
  ASSERT_EQ(record("map:0008_simple_sync").status(), mm::MigrationStatus::kApplied);
  if (GetParam() == Engine::kSqlite) {
    EXPECT_EQ(g_chunk_sync, "1");   // NORMAL: write-ahead log synced at checkpoints
    EXPECT_EQ(g_simple_sync, "2");  // FULL
  } else {
    EXPECT_EQ(g_chunk_sync, "off");
    EXPECT_EQ(g_simple_sync, "on");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, Mapper, mm::test::kEngines, mm::test::engine_name);
INSTANTIATE_TEST_SUITE_P(Engines, ParallelMapper, ::testing::Values(Engine::kPostgres),
                         mm::test::engine_name);

}  // namespace

// A handler that catches the library's errors catches a row's failure too.
TEST(MapperRowErrors, AreMigrationErrorsNamingTheRowAndWhatItThrew) {
  try {
    throw mm::MapperRowError("321", "std::runtime_error: cannot double 321");
  } catch (const mm::MigrationError& e) {
    EXPECT_STREQ(e.what(), "row 321: std::runtime_error: cannot double 321");
    return;
  }
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) mm::test::set_worker_path(argv[1]);
  return RUN_ALL_TESTS();
}
