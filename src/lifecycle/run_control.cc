// Pause, cancel and tune a run, read its audit trail, stop this process's runs: through the
// transition table, which writes only the run's status and tuning.
#include <stdexcept>

#include "massmigration/api.h"
#include "massmigration/registry.h"
#include "model/installation.h"
#include "records/transitions.h"
#include "runners/local_stop.h"
#include "runners/record_cache.h"

namespace massmigration::api {
namespace {

MigrationStatus control(const MigrationKey& key, std::string_view alias,
                        internal::RecordEvent event, const RunTuning& tuning,
                        const ControlOptions& options) {
  get_migration(key);
  std::shared_ptr<const internal::Installation> installation = internal::require_installation();
  RecordStore& store = installation->require_database(alias).store();
  const MigrationStatus status = internal::control_record(
      store, key, alias, installation->config().run_lease, event, tuning, options.actor);
  internal::record_cache().invalidate(std::string(alias), key);
  return status;
}

}  // namespace

MigrationStatus pause_migration(const MigrationKey& key, std::string_view alias,
                                const ControlOptions& options) {
  return control(key, alias, internal::RecordEvent::kPause, {}, options);
}

MigrationStatus cancel_migration(const MigrationKey& key, std::string_view alias,
                                 const ControlOptions& options) {
  return control(key, alias, internal::RecordEvent::kCancel, {}, options);
}

MigrationStatus tune_migration(const MigrationKey& key, std::string_view alias,
                               const RunTuning& tuning, const ControlOptions& options) {
  if (tuning.chunk_size && *tuning.chunk_size < 1) {
    throw std::invalid_argument("a chunk size must be 1 or more, not " +
                                std::to_string(*tuning.chunk_size));
  }
  if (tuning.pause_ms && *tuning.pause_ms < 0) {
    throw std::invalid_argument("a pause cannot be negative (" + std::to_string(*tuning.pause_ms) +
                                " ms)");
  }
  return control(key, alias, internal::RecordEvent::kTune, tuning, options);
}

std::vector<MigrationEvent> migration_history(const MigrationKey& key, std::string_view alias) {
  get_migration(key);
  return internal::require_installation()->require_database(alias).store().events(key);
}

void stop_local_runs() { internal::request_local_stop(); }

bool local_runs_stopped() { return internal::local_stop_requested(); }

}  // namespace massmigration::api
