#include "console/probes.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "massmigration/metrics.h"

namespace massmigration::web::internal {
namespace {

bool degrades(const std::string& status) {
  return status == "STALLED" || status == "ERRORED" || status == "UNKNOWN";
}

prometheus::MetricFamily family(std::string name, std::string help,
                                prometheus::MetricType type = prometheus::MetricType::Gauge) {
  return {.name = std::move(name), .help = std::move(help), .type = type, .metric = {}};
}

// A sample of a gauge or counter `family`, its value where the family's type has it read.
void add_sample(prometheus::MetricFamily& family,
                std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  (family.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value) =
      value;
  family.metric.push_back(std::move(metric));
}

// This process's counters (process_metrics()): guard refusals per key, chunk durations, worker
// claims.
std::vector<prometheus::MetricFamily> process_families() {
  const ProcessMetrics counted = process_metrics();
  prometheus::MetricFamily refusals =
      family("massmigration_guard_refusals_total",
             "Calls this process's guards refused because a migration was not applied",
             prometheus::MetricType::Counter);
  for (const auto& [key, count] : counted.guard_refusals) {
    add_sample(refusals, {{"key", key}}, static_cast<double>(count));
  }
  prometheus::MetricFamily chunks =
      family("massmigration_chunk_duration_seconds",
             "Committed chunks of this process's mapper runs and workers, by duration",
             prometheus::MetricType::Histogram);
  prometheus::ClientMetric histogram;
  histogram.histogram.sample_count = static_cast<std::uint64_t>(counted.chunks);
  histogram.histogram.sample_sum = counted.chunk_seconds;
  for (size_t i = 0; i < counted.chunk_bucket_bounds.size(); ++i) {
    histogram.histogram.bucket.push_back(
        {.cumulative_count = static_cast<std::uint64_t>(counted.chunk_bucket_counts[i]),
         .upper_bound = counted.chunk_bucket_bounds[i]});
  }
  histogram.histogram.bucket.push_back(
      {.cumulative_count = static_cast<std::uint64_t>(counted.chunks),
       .upper_bound = std::numeric_limits<double>::infinity()});
  chunks.metric.push_back(std::move(histogram));
  prometheus::MetricFamily claims =
      family("massmigration_worker_claims_total",
             "Chunks this process's workers claimed from the databases' queues",
             prometheus::MetricType::Counter);
  add_sample(claims, {}, static_cast<double>(counted.worker_claims));
  return {refusals, chunks, claims};
}

}  // namespace

Health health(const StatusReport& report) {
  Health result;
  nlohmann::json databases = nlohmann::json::object();
  for (const DatabaseRecords& database : report.databases) {
    databases[database.alias] = database.error ? *database.error : std::string("ok");
    result.ok &= !database.error.has_value();
  }
  nlohmann::json problems = nlohmann::json::array();
  for (size_t m = 0; m < report.migrations.size(); ++m) {
    for (size_t d = 0; d < report.databases.size(); ++d) {
      const std::string& status = report.cells[m][d];
      if (!degrades(status) || report.databases[d].error) continue;
      problems.push_back({{"key", report.migrations[m]->key().str()},
                          {"database", report.databases[d].alias},
                          {"status", status}});
      result.ok = false;
    }
  }
  const nlohmann::json body = {{"status", result.ok ? "ok" : "degraded"},
                               {"databases", std::move(databases)},
                               {"problems", std::move(problems)}};
  // Invalid UTF-8 in an error text is replaced, never thrown.
  result.json = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return result;
}

std::string metrics_text(const StatusReport& report) {
  prometheus::MetricFamily status = family(
      "massmigration_migration_status",
      "1 for the status each migration shows on each database (NOT_ALLOWED where it may not run)");
  prometheus::MetricFamily done =
      family("massmigration_rows_done", "Rows a mapper migration has processed on a database");
  prometheus::MetricFamily total =
      family("massmigration_rows_total", "Rows a mapper migration selected on a database");
  prometheus::MetricFamily up = family("massmigration_database_up",
                                       "1 when the records of the database could be read, else 0");
  for (const DatabaseRecords& database : report.databases) {
    add_sample(up, {{"database", database.alias}}, database.error ? 0 : 1);
  }
  for (size_t m = 0; m < report.migrations.size(); ++m) {
    const MigrationKey& key = report.migrations[m]->key();
    for (size_t d = 0; d < report.databases.size(); ++d) {
      const std::string& alias = report.databases[d].alias;
      add_sample(status,
                 {{"key", key.str()},
                  {"app", key.app_label()},
                  {"database", alias},
                  {"status", report.cells[m][d]}},
                 1);
      const MigrationRecord* record = report.databases[d].record(key);
      if (!record || report.migrations[m]->type() != MigrationType::kMapper) continue;
      add_sample(done, {{"key", key.str()}, {"database", alias}},
                 static_cast<double>(record->rows_done));
      if (record->rows_total) {
        add_sample(total, {{"key", key.str()}, {"database", alias}},
                   static_cast<double>(*record->rows_total));
      }
    }
  }
  std::vector<prometheus::MetricFamily> families = {status, done, total, up};
  for (prometheus::MetricFamily& more : process_families()) families.push_back(std::move(more));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace massmigration::web::internal
