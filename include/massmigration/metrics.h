// What this process has done since it started, for monitoring: counted as it happens, read at
// any time. The web console's /metrics exports it in Prometheus' text format.
//
// Thread safety: all functions may be called concurrently.
#ifndef MASSMIGRATION_METRICS_H_
#define MASSMIGRATION_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace massmigration {

struct ProcessMetrics {
  // Calls a guard refused (RequiredMigrationNotApplied), by migration key.
  std::map<std::string, std::int64_t> guard_refusals;
  // Committed chunks of mapper runs and workers, by how long each took from its transaction's
  // start to its commit: chunk_bucket_counts[i] chunks took at most chunk_bucket_bounds[i]
  // seconds (cumulative, as Prometheus histograms count); chunks and chunk_seconds count all.
  std::vector<double> chunk_bucket_bounds;
  std::vector<std::int64_t> chunk_bucket_counts;
  std::int64_t chunks = 0;
  double chunk_seconds = 0;
  // Chunks the workers of this process claimed from the databases' queues.
  std::int64_t worker_claims = 0;
};

ProcessMetrics process_metrics();

}  // namespace massmigration

#endif  // MASSMIGRATION_METRICS_H_
