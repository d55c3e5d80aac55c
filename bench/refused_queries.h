// Database queries per refused guard call while many threads call a refused guard. The queries
// are counted outside the guard code: every alias is configured as "faulty:<real URL>", the
// tests' forwarding record store, which counts the real store's is_applied reads.
#ifndef MASSMIGRATION_BENCH_REFUSED_QUERIES_H_
#define MASSMIGRATION_BENCH_REFUSED_QUERIES_H_

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "massmigration/massmigration.h"
#include "support/faulty_store.h"

namespace massmigration::bench {

// Reads of `key` sent to the stores of `aliases` so far (opening them if need be).
inline long refused_queries_so_far(const std::string& key, const std::vector<std::string>& aliases) {
  long queries = 0;
  for (const std::string& alias : aliases) {
    api::get_record(key, alias);  // opens the store; not an is_applied read
    queries += test::FaultyStore::for_alias(alias)->is_applied_calls.load();
  }
  return queries;
}

// Every thread calls a guard on `key` (not applied on any of `aliases`, each configured as
// "faulty:<URL>" in `config`) with the given recheck interval. Reports queries_per_call.
inline void refused_queries_per_call(benchmark::State& state, Config config,
                                     std::vector<std::string> aliases, std::string key,
                                     std::chrono::milliseconds recheck) {
  long before = 0;
  if (state.thread_index() == 0) {
    config.guard_not_applied_recheck = recheck;
    configure(config);  // the other threads wait for the timed loop to start
    before = refused_queries_so_far(key, aliases);
  }
  MigrationRequirement requirement(key, {.db_aliases = aliases});
  for (auto _ : state) {
    try {
      requirement.ensure_applied();
    } catch (const RequiredMigrationNotApplied& e) {
      benchmark::DoNotOptimize(&e);
    }
  }
  if (state.thread_index() == 0) {  // every thread has left the timed loop
    const double calls = static_cast<double>(state.iterations()) * state.threads();
    state.counters["queries_per_call"] =
        static_cast<double>(refused_queries_so_far(key, aliases) - before) / calls;
  }
}

}  // namespace massmigration::bench

#endif  // MASSMIGRATION_BENCH_REFUSED_QUERIES_H_
