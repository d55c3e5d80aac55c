// Internal: what a MigrationRun carries. Not API.
#ifndef MASSMIGRATION_SRC_RUN_STATE_H_
#define MASSMIGRATION_SRC_RUN_STATE_H_

#include <memory>
#include <string>

#include "massmigration/backend.h"
#include "massmigration/record.h"
#include "runtime.h"

namespace massmigration::internal {

struct RunState {
  std::shared_ptr<Runtime> runtime;  // keeps the database and its store alive
  const Migration* migration;
  AliasDatabase* database;
  std::shared_ptr<Backend> backend;  // runs custom methods
  BackendParams params;
  MigrationRecord record;  // as created: RUNNING
  bool done = false;       // run() or abandon() happened
};

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUN_STATE_H_
