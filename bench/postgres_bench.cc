// Guards on PostgreSQL: a cold check against the raw libpqxx prepared point read it wraps, and
// the guard hit on a PostgreSQL alias against the same hit on SQLite (it never touches the
// database, so the engine must not matter). Starts its own throwaway PostgreSQL server, or
// uses MASSMIGRATION_BENCH_POSTGRES_URL. Ratios are against baselines measured in this run.
//
// Goals: cold check <= 1.3x the raw read; hit on PostgreSQL = hit on SQLite.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <pqxx/pqxx>

#include "goal_reporter.h"
#include "massmigration/massmigration.h"
#include "support/postgres_cluster.h"

namespace mm = massmigration;

namespace {

class Applied : public mm::SimpleMigration {
  void operation(mm::OperationContext&) override {}
};
MASSMIGRATION_REGISTER(Applied, "bench", "0001_applied");

constexpr char kApplied[] = "bench:0001_applied";
std::string g_pg_url;

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
  mm::Config config;
  config.databases["pg"] = g_pg_url;
  config.databases["sqlite"] = "sqlite://" + dir + "/bench.db";
  mm::configure(config);
  mm::api::delete_record(kApplied, "pg");
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
  });
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  mm::api::delete_record(kApplied, "pg");
  std::filesystem::remove_all(dir);
  if (cluster) cluster->destroy();
  return 0;
}
