#include <cstdlib>
#include <exception>
#include <typeinfo>

#include "exception_text.h"
#include "massmigration/backend.h"
#include "massmigration/errors.h"
#include "massmigration/internal/cache_epoch.h"
#include "massmigration/log.h"
#include "records/audit.h"
#include "records/transitions.h"
#include "runners/mapper_runner.h"
#include "runners/run_state.h"
#include "string_building.h"

namespace massmigration {
namespace {

void run_operation(internal::RunState& state, OperationContext& ctx) {
  const Migration& migration = *state.migration;
  switch (migration.type()) {
    case MigrationType::kSimple:
      // The registry's instance is shared; operation() is not const because migrations may
      // keep state while they run, which their authors must make safe.
      const_cast<SimpleMigration&>(static_cast<const SimpleMigration&>(migration)).operation(ctx);
      return;
    case MigrationType::kCustom: {
      const auto& custom = static_cast<const CustomMigration&>(migration);
      state.backend->run_method(custom.backend_method(), custom, ctx);
      return;
    }
    case MigrationType::kMapper:
      throw std::logic_error("mapper runs go through run_mapper");
  }
}

// A simple or custom migration: its operation and the APPLIED mark commit together.
void run_in_one_transaction(internal::RunState& state) {
  const std::string& alias = state.database->alias();
  std::string error;
  try {
    std::unique_ptr<RunSession> session = state.database->begin_session();
    OperationContext ctx(state.record.key, alias, state.params, *session);
    run_operation(state, ctx);
    ctx.wait_for_sent();  // a sent statement's failure is the operation's
    MigrationRecord applied = state.record;
    applied.is_applied = true;
    applied.applied_at = now_timestamp();
    if (!internal::finish_record(*session, applied)) {
      log(LogLevel::kWarning, strings::cat("migration ", state.record.key.str(), " on ", alias,
                                           " finished, but its attempt ", applied.attempt_uuid,
                                           " was deleted or replaced meanwhile; its changes "
                                           "were rolled back"));
      return;  // the session rolls back
    }
    session->commit();
    // This process's guards that were just refused see it at once, not after their recheck
    // interval.
    internal::advance_cache_epoch();
    internal::record_event(state.database->store(), {.key = state.record.key,
                                                     .alias = alias,
                                                     .attempt_uuid = applied.attempt_uuid,
                                                     .action = "finish",
                                                     .actor = state.record.owner});
    return;
  } catch (...) {
    error = internal::describe_current_exception();
  }
  internal::mark_errored(state, error, strings::cat("failed: ", error));
}

}  // namespace

MigrationRun::MigrationRun(std::unique_ptr<internal::RunState> state) : state_(std::move(state)) {}
MigrationRun::MigrationRun(MigrationRun&&) noexcept = default;
MigrationRun& MigrationRun::operator=(MigrationRun&& other) noexcept {
  if (this != &other) {
    if (state_ && !state_->done) abandon("the backend dropped the run");
    state_ = std::move(other.state_);
  }
  return *this;
}
MigrationRun::~MigrationRun() {
  if (state_ && !state_->done) abandon("the backend dropped the run without running it");
}

const Migration& MigrationRun::migration() const { return *state_->migration; }
const std::string& MigrationRun::alias() const { return state_->database->alias(); }
const std::string& MigrationRun::attempt_uuid() const { return state_->record.attempt_uuid; }
const BackendParams& MigrationRun::params() const { return state_->params; }

void MigrationRun::run() {
  internal::RunState& state = *state_;
  state.done = true;
  internal::Heartbeat heartbeat(state.database->store(), state.record.key,
                                state.record.attempt_uuid, state.installation->config().run_lease,
                                strings::cat(state.record.key.str(), " on ", alias()));
  state.heartbeat = &heartbeat;
  if (state.migration->type() == MigrationType::kMapper) {
    internal::run_mapper(state);
  } else {
    run_in_one_transaction(state);
  }
  state.heartbeat = nullptr;
}

void MigrationRun::abandon(std::string_view reason) {
  internal::RunState& state = *state_;
  state.done = true;
  internal::mark_errored(state, strings::cat("not run: ", reason),
                         strings::cat("abandoned: ", reason));
}

namespace internal {

void mark_errored(RunState& state, const std::string& last_error, const std::string& summary) {
  const std::string where = strings::cat(state.record.key.str(), " on ", state.database->alias());
  MigrationRecord errored = state.record;
  errored.has_error = true;
  errored.last_error = last_error;
  try {
    if (fail_record(state.database->store(), errored)) {
      record_event(state.database->store(), {.key = state.record.key,
                                             .alias = state.database->alias(),
                                             .attempt_uuid = errored.attempt_uuid,
                                             .action = "fail",
                                             .actor = state.record.owner,
                                             .detail = last_error});
      log(LogLevel::kWarning, strings::cat("migration ", where, " ", summary));
    } else {
      log(LogLevel::kWarning, strings::cat("migration ", where, " ", summary,
                                           " (after its record was deleted or replaced)"));
    }
  } catch (const std::exception& e) {
    log(LogLevel::kError, strings::cat("migration ", where, " ", summary,
                                       "; its record could not be marked ERRORED, so it still "
                                       "says RUNNING: ",
                                       e.what()));
  }
}

}  // namespace internal
}  // namespace massmigration
