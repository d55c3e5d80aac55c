// What a guard costs: the hit path against an unguarded call, and a cold check against the raw
// SQLite point read it wraps; and how many queries a refused guard sends while 8 threads call
// it (counted by a forwarding record store, outside the guard code). Ratios are computed from
// this run's own baselines, since the machine is shared and absolute times drift.
//
// Goals: guarded-call and MASSMIGRATION_GUARD hits <= 1 ns over the unguarded call; cold check
// <= 2x the raw read; <= 0.25 queries per refused call with 8 threads (default recheck
// interval).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "goal_reporter.h"
#include "massmigration/massmigration.h"
#include "refused_queries.h"

namespace mm = massmigration;

namespace {

class Applied : public mm::SimpleMigration {
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Applied, "bench", "0001_applied");
class Pending : public mm::SimpleMigration {
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Pending, "bench", "0002_pending");

constexpr char kApplied[] = "bench:0001_applied";
constexpr char kPending[] = "bench:0002_pending";

std::filesystem::path g_db;
mm::Config g_config;  // "default", and "q1", "q2" counted by a forwarding store
const std::vector<std::string> kCountedAliases = {"q1", "q2"};

// The guarded work: small, and never inlined, so both sides call the same thing.
[[gnu::noinline]] int work(int x) {
  benchmark::DoNotOptimize(x);
  return x + 1;
}

void BM_UnguardedCall(benchmark::State& state) {
  auto fn = [](int x) { return work(x); };
  int x = 0;
  for (auto _ : state) {
    x = fn(x);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_UnguardedCall)->Threads(1)->Threads(2)->UseRealTime();

void BM_GuardedCallHit(benchmark::State& state) {
  static auto fn = mm::requires_migration(kApplied)([](int x) { return work(x); });
  int x = 0;
  for (auto _ : state) {
    x = fn(x);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_GuardedCallHit)->Threads(1)->Threads(2)->UseRealTime();

[[gnu::noinline]] int checkout(int x) {
  mm::MigrationGuard guard(kApplied);
  return work(x);
}

void BM_MigrationGuardHit(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) {
    x = checkout(x);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_MigrationGuardHit)->Threads(1)->Threads(2)->UseRealTime();

// The macro's function is inlined into the loop, as the wrapper's call operator is.
int checkout_with_macro(int x) {
  MASSMIGRATION_GUARD(kApplied);
  return work(x);
}

void BM_GuardMacroHit(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) {
    x = checkout_with_macro(x);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_GuardMacroHit)->Threads(1)->Threads(2)->UseRealTime();

void BM_ColdCheckSqlite(benchmark::State& state) {
  mm::MigrationRequirement requirement(kApplied, {.db_aliases = {"default"}});
  for (auto _ : state) {
    mm::reset_guard_cache();  // forget the positive answer: every check asks SQLite
    requirement.ensure_applied();
  }
}
BENCHMARK(BM_ColdCheckSqlite);

void BM_RawSqlitePointRead(benchmark::State& state) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(g_db.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    state.SkipWithError("cannot open the database");
    return;
  }
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v3(db, "SELECT is_applied FROM massmigration_record WHERE key = ?1", -1,
                     SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  const std::string key = kApplied;
  for (auto _ : state) {
    sqlite3_bind_text(stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    bool applied = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) != 0;
    benchmark::DoNotOptimize(applied);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}
BENCHMARK(BM_RawSqlitePointRead);

void BM_NotAppliedCheck(benchmark::State& state) {
  mm::Config every_call = g_config;
  every_call.guard_not_applied_recheck = std::chrono::milliseconds(0);  // every check asks
  mm::configure(every_call);
  mm::MigrationRequirement requirement(kPending, {.db_aliases = {"default"}});
  for (auto _ : state) {
    try {
      requirement.ensure_applied();
    } catch (const mm::RequiredMigrationNotApplied& e) {
      benchmark::DoNotOptimize(&e);
    }
  }
}
BENCHMARK(BM_NotAppliedCheck);

void BM_RefusedQueriesPerCall(benchmark::State& state) {
  mm::bench::refused_queries_per_call(state, g_config, kCountedAliases, kPending,
                                      std::chrono::milliseconds(state.range(0)));
}
// 0: single flight alone; 5: the default recheck interval.
BENCHMARK(BM_RefusedQueriesPerCall)->Arg(0)->Arg(5)->Threads(8)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::string dir =
      (std::filesystem::temp_directory_path() / "massmigration-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  g_db = std::filesystem::path(dir) / "default.db";
  mm::test::FaultyStore::register_driver();
  g_config.databases["default"] = "sqlite://" + g_db.string();
  for (const std::string& alias : kCountedAliases) {
    g_config.databases[alias] = "faulty:sqlite://" + dir + "/" + alias + ".db";
  }
  mm::configure(g_config);
  for (const auto& [alias, url] : g_config.databases) mm::api::fake_migration(kApplied, alias);

  mm::bench::initialize_interleaved(argc, argv, /*repetitions=*/5);
  mm::bench::GoalReporter reporter([](const mm::bench::Results& r) {
    for (const char* threads : {"1", "2"}) {
      std::string suffix = std::string("/real_time/threads:") + threads;
      double base = r.ns("BM_UnguardedCall" + suffix);
      std::printf("  guarded-call hit over unguarded, %s thread(s): %+.3f ns (goal <= 1 ns)\n",
                  threads, r.ns("BM_GuardedCallHit" + suffix) - base);
      std::printf("  MASSMIGRATION_GUARD hit over unguarded, %s thread(s): %+.3f ns (goal <= 1 ns)\n",
                  threads, r.ns("BM_GuardMacroHit" + suffix) - base);
      std::printf("  MigrationGuard(key) hit over unguarded, %s thread(s): %+.3f ns\n", threads,
                  r.ns("BM_MigrationGuardHit" + suffix) - base);
    }
    std::printf("  cold check / raw SQLite point read: %.2fx (goal <= 2x)\n",
                r.ns("BM_ColdCheckSqlite") / r.ns("BM_RawSqlitePointRead"));
    std::printf("  not-applied check / raw SQLite point read: %.2fx\n",
                r.ns("BM_NotAppliedCheck") / r.ns("BM_RawSqlitePointRead"));
    for (const char* recheck : {"0", "5"}) {
      std::printf("  queries per refused call, 8 threads, 2 SQLite aliases, recheck %s ms: %.4f%s\n",
                  recheck,
                  r.counter(std::string("BM_RefusedQueriesPerCall/") + recheck +
                                "/real_time/threads:8",
                            "queries_per_call"),
                  std::string(recheck) == "5" ? " (goal <= 0.25)" : "");
    }
  });
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::filesystem::remove_all(dir);
  return 0;
}
