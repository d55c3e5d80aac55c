// SQLite fairness: an application process doing plain INSERTs (busy timeout 5 s, SQLite's own
// busy handler) into the file a mapper migrates, one every 5 ms. Measured in this same program:
//   BM_WriterAlone               the writer's INSERT latency with nothing else running
//   BM_MapperUnthrottled         the mapper alone, pause_between_chunks_ms = 0: the ceiling
//   BM_MapperUnthrottled/writer  the same with the writer: how an unthrottled run starves it
//   BM_MapperDefault             the mapper with default settings (SQLite shares the file in
//                                slices), and the writer
// Counters: writer_p50_ms, writer_p99_ms, writer_failed (INSERTs that gave up, "database is
// locked"), and the mapper's rows/s (items_per_second).
// Goals: with default settings 0 failed writes, writer p99 <= 50 ms, and the mapper at >= 80%
// of its unthrottled rows/s.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "goal_reporter.h"
#include "massmigration/massmigration.h"

namespace mm = massmigration;

namespace {

constexpr std::int64_t kRows = 2'000'000;
constexpr auto kWriterEvery = std::chrono::milliseconds(5);

class Seed : public mm::SimpleMigration {
  void operation(mm::OperationContext& ctx) override {
    ctx.execute("DROP TABLE IF EXISTS big");
    ctx.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
    ctx.execute(
        "INSERT INTO big (id, v) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM "
        "seq WHERE n < 2000000) SELECT n, 0 FROM seq");
    ctx.execute("CREATE TABLE IF NOT EXISTS app_log (id INTEGER PRIMARY KEY, at TEXT)");
  }
};
MASSMIGRATION_REGISTER(Seed, "fair", "0001_seed");

// A typical per-row mapper with the default chunk size.
class PerRow : public mm::MapperMigration {
 public:
  mm::MapperQuery query(const std::string&) const override { return {.table = "big"}; }
  void operation(const mm::MapperRow& row, mm::OperationContext& ctx) override {
    ctx.send("UPDATE big SET v = v + 1 WHERE id = $1", row.key());
  }
};
MASSMIGRATION_REGISTER(PerRow, "fair", "0002_per_row");

// A set-based mapper: one UPDATE per 10 000-row chunk.
class Batch : public mm::MapperMigration {
 public:
  mm::BackendParams backend_params() const override { return {{"chunk_size", "10000"}}; }
  mm::MapperQuery query(const std::string&) const override { return {.table = "big"}; }
  void batch_operation(const std::vector<mm::MapperRow>& rows, mm::OperationContext& ctx) override {
    ctx.execute("UPDATE big SET v = v + 1 WHERE id >= $1 AND id <= $2", rows.front().key(),
                rows.back().key());
  }
};
MASSMIGRATION_REGISTER(Batch, "fair", "0003_batch");

// The mapper of a benchmark: per row (argument 0) or set-based (1).
const char* mapper_key(const benchmark::State& state) {
  return state.range(1) == 0 ? "fair:0002_per_row" : "fair:0003_batch";
}

std::filesystem::path g_file;

void configure(std::optional<std::chrono::milliseconds> pause) {
  mm::Config config;
  config.databases["default"] = "sqlite://" + g_file.string();
  config.pause_between_chunks = pause;
  mm::configure(config);
}

// The application: its own connection, INSERTs every kWriterEvery until SIGTERM; then writes
// each latency in microseconds (negative: the INSERT failed) to `out`.
[[noreturn]] void write_until_stopped(int out) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  sqlite3* db = nullptr;
  if (sqlite3_open(g_file.c_str(), &db) != SQLITE_OK) _exit(2);
  sqlite3_busy_timeout(db, 5000);
  std::vector<long long> latencies;
  for (;;) {
    timespec none{0, 0};
    if (sigtimedwait(&term, nullptr, &none) == SIGTERM) break;
    const auto start = std::chrono::steady_clock::now();
    const int rc =
        sqlite3_exec(db, "INSERT INTO app_log (at) VALUES (datetime('now'))", nullptr, nullptr,
                     nullptr);
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    latencies.push_back(rc == SQLITE_OK ? took : -took - 1);
    std::this_thread::sleep_until(start + kWriterEvery);
  }
  for (long long l : latencies) {
    if (write(out, &l, sizeof l) != sizeof l) _exit(3);
  }
  _exit(0);
}

class Writer {
 public:
  Writer() {
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    pid_ = fork();
    if (pid_ == 0) {
      close(fds[0]);
      write_until_stopped(fds[1]);
    }
    close(fds[1]);
    from_ = fds[0];
  }
  // Stops it and adds its INSERTs to the state's counters.
  void stop(benchmark::State& state) {
    kill(pid_, SIGTERM);
    std::vector<long long> latencies;
    long long l;
    while (read(from_, &l, sizeof l) == sizeof l) latencies.push_back(l);
    close(from_);
    waitpid(pid_, nullptr, 0);
    std::vector<double> ok_ms;
    int failed = 0;
    for (long long v : latencies) {
      if (v < 0) {
        ++failed;
      } else {
        ok_ms.push_back(static_cast<double>(v) / 1000.0);
      }
    }
    std::sort(ok_ms.begin(), ok_ms.end());
    auto at = [&](double q) {
      return ok_ms.empty() ? 0.0 : ok_ms[static_cast<size_t>(q * (ok_ms.size() - 1))];
    };
    state.counters["writer_p50_ms"] = at(0.50);
    state.counters["writer_p99_ms"] = at(0.99);
    state.counters["writer_failed"] = failed;
    state.counters["writer_inserts"] = static_cast<double>(latencies.size());
  }

 private:
  pid_t pid_ = -1;
  int from_ = -1;
};

void run_mapper(benchmark::State& state, std::optional<std::chrono::milliseconds> pause,
                bool with_writer) {
  for (auto _ : state) {
    state.PauseTiming();
    configure(pause);
    mm::api::delete_record("fair:0001_seed", "default", {.force = true});
    mm::api::delete_record(mapper_key(state), "default", {.force = true});
    mm::api::initiate_migration("fair:0001_seed", "default", {.backend = "inline"});
    std::optional<Writer> writer;
    if (with_writer) writer.emplace();
    state.ResumeTiming();
    mm::api::initiate_migration(mapper_key(state), "default", {.backend = "inline"});
    state.PauseTiming();
    if (writer) writer->stop(state);
    if (mm::api::migration_status(mapper_key(state), "default") != mm::MigrationStatus::kApplied) {
      state.SkipWithError("the mapper did not finish");
    }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}

void BM_WriterAlone(benchmark::State& state) {
  configure(std::chrono::milliseconds(0));
  mm::api::initiate_migration("fair:0001_seed", "default", {.backend = "inline"});
  for (auto _ : state) {
    Writer writer;
    std::this_thread::sleep_for(std::chrono::seconds(2));
    writer.stop(state);
  }
}
BENCHMARK(BM_WriterAlone)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_MapperUnthrottled(benchmark::State& state) {
  run_mapper(state, std::chrono::milliseconds(0), state.range(0) != 0);
}
BENCHMARK(BM_MapperUnthrottled)
    ->ArgNames({"writer", "batch"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Iterations(1)
    ->Repetitions(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_MapperDefault(benchmark::State& state) {
  run_mapper(state, std::nullopt, /*with_writer=*/true);
}
BENCHMARK(BM_MapperDefault)
    ->ArgNames({"writer", "batch"})
    ->ArgsProduct({{1}, {0, 1}})
    ->Iterations(1)
    ->Repetitions(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void print_goals(const mm::bench::Results& r) {
  std::printf("\nGoals (medians of this run; writer alone: p99 %.1f ms):\n",
              r.counter("BM_WriterAlone", "writer_p99_ms"));
  for (const char* mapper : {"batch:0", "batch:1"}) {
    const std::string fair = std::string("BM_MapperDefault/writer:1/") + mapper;
    const std::string unthrottled = std::string("BM_MapperUnthrottled/writer:0/") + mapper;
    const std::string starving = std::string("BM_MapperUnthrottled/writer:1/") + mapper;
    const double ceiling = r.rate(unthrottled);
    std::printf("  %s, default settings: failed writes %.0f (goal 0), writer p99 %.1f ms (goal "
                "<= 50), mapper at %.0f%% of its unthrottled rows/s (goal >= 80%%)\n",
                std::string(mapper) == "batch:0" ? "per-row mapper" : "set-based mapper",
                r.counter(fair, "writer_failed"), r.counter(fair, "writer_p99_ms"),
                ceiling > 0 ? 100.0 * r.rate(fair) / ceiling : 0.0);
    std::printf("    unthrottled, with the writer: failed writes %.0f, writer p99 %.1f ms\n",
                r.counter(starving, "writer_failed"), r.counter(starving, "writer_p99_ms"));
  }
}

}  // namespace

int main(int argc, char** argv) {
  char dir_template[] = "/tmp/massmigration-fairness-XXXXXX";
  if (!mkdtemp(dir_template)) return 1;
  g_file = std::filesystem::path(dir_template) / "fair.db";
  benchmark::Initialize(&argc, argv);
  mm::bench::GoalReporter reporter(print_goals);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::filesystem::remove_all(dir_template);
  return 0;
}
