// Guards on PostgreSQL: a cold check against the raw libpqxx prepared point read it wraps, and
// the guard hit on a PostgreSQL alias against the same hit on SQLite (it never touches the
// database, so the engine must not matter). Starts its own throwaway PostgreSQL server, or
// uses MASSMIGRATION_BENCH_POSTGRES_URL. Ratios are against baselines measured in this run.
//
// Also how many queries a refused guard sends while 8 threads call it, counted by a forwarding
// record store outside the guard code.
//
// Goals: cold check <= 1.3x the raw read; hit on PostgreSQL = hit on SQLite; <= 0.25 queries
// per refused call with 8 threads (default recheck interval).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <pqxx/pqxx>

#include "goal_reporter.h"
#include "massmigration/massmigration.h"
#include "refused_queries.h"
#include "support/postgres_cluster.h"

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
std::string g_pg_url;
mm::Config g_config;  // "pg", "sqlite", and "pg_counted" through a forwarding store

[[gnu::noinline]] int work(int x) {
  benchmark::DoNotOptimize(x);
  return x + 1;
}

void BM_RawPqxxPointRead(benchmark::State& state) {
  pqxx::connection connection(g_pg_url);
  connection.prepare("read", "SELECT is_applied FROM massmigration_record WHERE key = $1");
  const std::string key = kApplied;
  for (auto _ : state) {
    pqxx::nontransaction tx(connection);
    pqxx::result r = tx.exec_prepared("read", key);
    bool applied = !r.empty() && r[0][0].as<bool>();
    benchmark::DoNotOptimize(applied);
  }
}
BENCHMARK(BM_RawPqxxPointRead);

void BM_ColdCheckPostgres(benchmark::State& state) {
  mm::MigrationRequirement requirement(kApplied, {.db_aliases = {"pg"}});
  for (auto _ : state) {
    mm::reset_guard_cache();  // forget the positive answer: every check asks PostgreSQL
    requirement.ensure_applied();
  }
}
BENCHMARK(BM_ColdCheckPostgres);

void hit(benchmark::State& state, const char* alias) {
  auto fn =
      mm::requires_migration(kApplied, {.db_aliases = {alias}})([](int x) { return work(x); });
  fn(0);  // the first call asks the database; every later one is a hit
  int x = 0;
  for (auto _ : state) {
    x = fn(x);
    benchmark::DoNotOptimize(x);
  }
}

void BM_RefusedQueriesPerCall(benchmark::State& state) {
  mm::bench::refused_queries_per_call(state, g_config, {"pg_counted"}, kPending,
                                      std::chrono::milliseconds(state.range(0)));
}
// 0: single flight alone; 5: the default recheck interval.
BENCHMARK(BM_RefusedQueriesPerCall)->Arg(0)->Arg(5)->Threads(8)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<mm::test::PostgresCluster> cluster;
  const char* url = std::getenv("MASSMIGRATION_BENCH_POSTGRES_URL");
  if (url && *url) {
    g_pg_url = url;
  } else {
    cluster = std::make_unique<mm::test::PostgresCluster>();
    cluster->start();
    g_pg_url = cluster->url();
  }
  std::string dir =
      (std::filesystem::temp_directory_path() / "massmigration-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  mm::test::FaultyStore::register_driver();
  g_config.databases["pg"] = g_pg_url;
  g_config.databases["pg_counted"] = "faulty:" + g_pg_url;
  g_config.databases["sqlite"] = "sqlite://" + dir + "/bench.db";
  mm::configure(g_config);
  mm::api::delete_record(kApplied, "pg");
  mm::api::delete_record(kPending, "pg");
  mm::api::fake_migration(kApplied, "pg");
  mm::api::fake_migration(kApplied, "sqlite");

  benchmark::RegisterBenchmark("BM_GuardedCallHit/sqlite", hit, "sqlite");
  benchmark::RegisterBenchmark("BM_GuardedCallHit/postgres", hit, "pg");
  mm::bench::initialize_interleaved(argc, argv, /*repetitions=*/5);
  mm::bench::GoalReporter reporter([](const mm::bench::Results& r) {
    std::printf("  cold check / raw libpqxx prepared point read: %.2fx (goal <= 1.3x)\n",
                r.ns("BM_ColdCheckPostgres") / r.ns("BM_RawPqxxPointRead"));
    std::printf("  guarded-call hit, postgres / sqlite: %.2fx (goal: 1x, no database access)\n",
                r.ns("BM_GuardedCallHit/postgres") / r.ns("BM_GuardedCallHit/sqlite"));
    for (const char* recheck : {"0", "5"}) {
      std::printf("  queries per refused call, 8 threads, PostgreSQL, recheck %s ms: %.4f%s\n",
                  recheck,
                  r.counter(std::string("BM_RefusedQueriesPerCall/") + recheck +
                                "/real_time/threads:8",
                            "queries_per_call"),
                  std::string(recheck) == "5" ? " (goal <= 0.25)" : "");
    }
  });
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  mm::api::delete_record(kApplied, "pg");
  std::filesystem::remove_all(dir);
  if (cluster) cluster->destroy();
  return 0;
}
