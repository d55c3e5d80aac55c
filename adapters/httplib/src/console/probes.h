// Internal: the console's health and metrics answers. Not API.
#ifndef MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_PROBES_H_
#define MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_PROBES_H_

#include <string>

#include "massmigration/status.h"

namespace massmigration::web::internal {

struct Health {
  bool ok = true;    // nothing STALLED, ERRORED or UNKNOWN, and every database read
  std::string json;  // {"status": "ok"|"degraded", "databases": {...}, "problems": [...]}
};
Health health(const StatusReport& report);

// Prometheus text exposition format: each migration's status, rows done and total, per
// database; whether each database could be read; and this process's guard refusals per key,
// chunk durations and worker claims (process_metrics()).
std::string metrics_text(const StatusReport& report);

}  // namespace massmigration::web::internal

#endif  // MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_PROBES_H_
