// Internal: what a MigrationRun carries. Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_RUN_STATE_H_
#define MASSMIGRATION_SRC_RUNNERS_RUN_STATE_H_

#include <memory>
#include <string>

#include "massmigration/backend.h"
#include "massmigration/record.h"
#include "model/installation.h"
#include "runners/heartbeat.h"

namespace massmigration {

struct MigrationRun::State {
  std::shared_ptr<const internal::Installation> installation;  // keeps database and store alive
  const Migration* migration;
  internal::AliasDatabase* database;
  std::shared_ptr<Backend> backend;  // runs custom methods
  BackendParams params;
  MigrationRecord record;  // as created: RUNNING
  bool done = false;       // run() or abandon() happened
  // While run() runs: its heartbeat, which tells when the attempt was taken over.
  internal::Heartbeat* heartbeat = nullptr;
};

namespace internal {

using RunState = MigrationRun::State;

// Marks the run's record ERRORED with `last_error`, only while it still belongs to this
// attempt and says RUNNING, and logs "migration KEY on ALIAS <summary>" (or why it could not).
// Never throws.
void mark_errored(RunState& state, const std::string& last_error, const std::string& summary);

}  // namespace internal
}  // namespace massmigration

#endif  // MASSMIGRATION_SRC_RUNNERS_RUN_STATE_H_
