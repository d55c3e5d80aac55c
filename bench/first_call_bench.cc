// The first guarded call in a fresh process: each iteration starts this program again as a
// child, which times configure() and its first check of an applied migration on an SQLite
// database that exists (the record store opens its file on that call): what a fresh process
// pays before its first guarded request runs. The baseline is the same first read done with
// SQLite alone in a fresh child: open, prepare, step. Children report their own timings, so
// loading the program and exiting are not counted; they also report the CPU time of all their
// threads over the same stretch, which a busy machine does not inflate with waiting.
//
// Goal: first guarded call <= 2 ms.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "goal_reporter.h"
#include "massmigration/massmigration.h"
#include "support/process.h"

namespace mm = massmigration;

namespace {

class Applied : public mm::SimpleMigration {
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Applied, "bench", "0001_applied");
constexpr char kApplied[] = "bench:0001_applied";

std::filesystem::path g_self;
std::filesystem::path g_db;

using Clock = std::chrono::steady_clock;

double elapsed_ns(Clock::time_point since) {
  return std::chrono::duration<double, std::nano>(Clock::now() - since).count();
}

double process_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// Child: configure, then time the first guarded call. Prints "<configure ns> <first call ns>
// <CPU ns of both>".
int first_guarded_call(const char* db) {
  mm::Config config;
  config.databases["default"] = std::string("sqlite://") + db;
  const double cpu_start = process_cpu_ns();
  Clock::time_point start = Clock::now();
  mm::configure(config);
  const double configure_ns = elapsed_ns(start);
  start = Clock::now();
  {
    mm::MigrationGuard guard(kApplied);
  }
  const double first_ns = elapsed_ns(start);
  std::printf("%.0f %.0f %.0f\n", configure_ns, first_ns, process_cpu_ns() - cpu_start);
  return 0;
}

// Child: the same first read with SQLite alone. Prints "0 <ns> <CPU ns>".
int first_raw_read(const char* db) {
  const double cpu_start = process_cpu_ns();
  const Clock::time_point start = Clock::now();
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    return 1;
  }
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(handle, "SELECT is_applied FROM massmigration_record WHERE key = ?1", -1,
                     &stmt, nullptr);
  sqlite3_bind_text(stmt, 1, kApplied, -1, SQLITE_STATIC);
  const bool applied = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) != 0;
  sqlite3_finalize(stmt);
  const double ns = elapsed_ns(start);
  const double cpu_ns = process_cpu_ns() - cpu_start;
  sqlite3_close(handle);
  std::printf("0 %.0f %.0f\n", ns, cpu_ns);
  return applied ? 0 : 2;
}

void fresh_process(benchmark::State& state, const char* mode) {
  double configure_ns = 0, cpu_ns = 0;
  for (auto _ : state) {
    mm::test::ProcessResult child =
        mm::test::run_process({g_self.string(), mode, g_db.string()}, g_db.parent_path());
    double configure = 0, first = 0, cpu = 0;
    if (child.exit_code != 0 ||
        std::sscanf(child.out.c_str(), "%lf %lf %lf", &configure, &first, &cpu) != 3) {
      state.SkipWithError(("the child failed: " + child.err).c_str());
      return;
    }
    configure_ns += configure;
    cpu_ns += cpu;
    state.SetIterationTime((configure + first) / 1e9);
  }
  state.counters["configure_ns"] = configure_ns / static_cast<double>(state.iterations());
  state.counters["cpu_ns"] = cpu_ns / static_cast<double>(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--first-guarded-call") {
    return first_guarded_call(argv[2]);
  }
  if (argc == 3 && std::string(argv[1]) == "--first-raw-read") return first_raw_read(argv[2]);

  g_self = std::filesystem::canonical("/proc/self/exe");
  std::string dir =
      (std::filesystem::temp_directory_path() / "massmigration-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  g_db = std::filesystem::path(dir) / "default.db";
  mm::Config config;
  config.databases["default"] = "sqlite://" + g_db.string();
  mm::configure(config);
  mm::api::fake_migration(kApplied, "default");

  benchmark::RegisterBenchmark("BM_FirstGuardedCall", fresh_process, "--first-guarded-call")
      ->UseManualTime()
      ->Iterations(50);
  benchmark::RegisterBenchmark("BM_FirstRawSqliteRead", fresh_process, "--first-raw-read")
      ->UseManualTime()
      ->Iterations(50);
  mm::bench::initialize_interleaved(argc, argv, /*repetitions=*/5);
  mm::bench::GoalReporter reporter([](const mm::bench::Results& r) {
    std::printf("  configure() and first guarded call in a fresh process: %.2f ms (goal <= 2 ms)\n",
                r.ns("BM_FirstGuardedCall") / 1e6);
    std::printf("  first guarded call / first raw SQLite read: %.2fx\n",
                r.ns("BM_FirstGuardedCall") / r.ns("BM_FirstRawSqliteRead"));
    std::printf("  of which configure(): %.2f ms (mean)\n",
                r.counter("BM_FirstGuardedCall", "configure_ns") / 1e6);
    std::printf("  CPU time of configure() and the first guarded call: %.2f ms; of SQLite's "
                "first read: %.2f ms (means)\n",
                r.counter("BM_FirstGuardedCall", "cpu_ns") / 1e6,
                r.counter("BM_FirstRawSqliteRead", "cpu_ns") / 1e6);
  });
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::filesystem::remove_all(dir);
  return 0;
}
