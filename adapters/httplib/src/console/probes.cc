#include "console/probes.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace massmigration::web::internal {
namespace {

bool degrades(const std::string& status) {
  return status == "STALLED" || status == "ERRORED" || status == "UNKNOWN";
}

prometheus::MetricFamily family(std::string name, std::string help) {
  return {.name = std::move(name),
          .help = std::move(help),
          .type = prometheus::MetricType::Gauge,
          .metric = {}};
}

void add_gauge(prometheus::MetricFamily& family,
               std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
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
    add_gauge(up, {{"database", database.alias}}, database.error ? 0 : 1);
  }
  for (size_t m = 0; m < report.migrations.size(); ++m) {
    const MigrationKey& key = report.migrations[m]->key();
    for (size_t d = 0; d < report.databases.size(); ++d) {
      const std::string& alias = report.databases[d].alias;
      add_gauge(status,
                {{"key", key.str()},
                 {"app", key.app_label()},
                 {"database", alias},
                 {"status", report.cells[m][d]}},
                1);
      const MigrationRecord* record = report.databases[d].record(key);
      if (!record || report.migrations[m]->type() != MigrationType::kMapper) continue;
      add_gauge(done, {{"key", key.str()}, {"database", alias}},
                static_cast<double>(record->rows_done));
      if (record->rows_total) {
        add_gauge(total, {{"key", key.str()}, {"database", alias}},
                  static_cast<double>(*record->rows_total));
      }
    }
  }
  return prometheus::TextSerializer().Serialize({status, done, total, up});
}

}  // namespace massmigration::web::internal
