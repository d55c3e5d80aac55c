// initiate_migration and the lifecycle queries: validate in the documented order, create the
// RUNNING record atomically, hand the run to its backend.
#include "lifecycle/launch.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "massmigration/api.h"
#include "massmigration/backend.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "model/mapper_plan.h"
#include "records/transitions.h"
#include "runners/record_cache.h"
#include "runners/run_state.h"
#include "runners/workers.h"
#include "string_building.h"

namespace massmigration::internal {
namespace {

struct Target {
  std::shared_ptr<const Installation> installation;
  const Migration* migration;
  AliasDatabase* database;
};

// Checks 1 and 2 of initiate_migration: the alias is allowed, every dependency is applied
// there. Throws as documented.
Target checked_target(const MigrationKey& key, std::string_view alias) {
  const Migration& migration = get_migration(key);
  std::shared_ptr<const Installation> installation = require_installation();
  AliasDatabase& database = installation->require_database(alias);
  std::vector<std::string> allowed = installation->effective_aliases(migration);
  if (std::find(allowed.begin(), allowed.end(), alias) == allowed.end()) {
    throw CannotRunOnDB(key.str(), std::string(alias), std::move(allowed));
  }
  for (const MigrationKey& dependency : migration.dependencies()) {
    if (!find_migration(dependency)) {
      throw DependentMigrationNotApplied(key.str(), dependency.str(), std::string(alias),
                                         "is not a registered migration");
    }
    std::optional<MigrationRecord> record = database.store().get(dependency);
    if (!record || record->status() != MigrationStatus::kApplied) {
      throw DependentMigrationNotApplied(key.str(), dependency.str(), std::string(alias));
    }
  }
  return {std::move(installation), &migration, &database};
}

// Check 4, before anything is recorded: the backend exists and can run the migration.
std::shared_ptr<Backend> checked_backend(const Migration& migration, const Config& config,
                                         const std::optional<std::string>& chosen) {
  std::string name = migration.backend().value_or(config.default_backend);
  if (chosen && migration.type() != MigrationType::kCustom) name = *chosen;
  std::shared_ptr<Backend> backend = find_backend(name);
  if (!backend) {
    throw BackendError(migration.key().str(), name,
                       strings::cat("no backend of that name is registered (registered: ",
                                    absl::StrJoin(backend_names(), ", "), ")"));
  }
  if (migration.type() == MigrationType::kCustom) {
    const std::string method = static_cast<const CustomMigration&>(migration).backend_method();
    if (!backend->has_method(method)) {
      throw BackendError(migration.key().str(), name,
                         strings::cat("it has no method \"", method, "\""));
    }
  }
  return backend;
}

void submit(Target& target, std::shared_ptr<Backend> backend, MigrationRecord record) {
  auto state = std::make_unique<RunState>(RunState{
      .installation = target.installation,
      .migration = target.migration,
      .database = target.database,
      .backend = std::move(backend),
      .params = target.migration->backend_params(),
      .record = std::move(record),
  });
  Backend& runner = *state->backend;
  runner.submit(MigrationRun(std::move(state)));
}

// A mapper's query and params are checked before anything is recorded.
void check_mapper(const Target& target) {
  if (target.migration->type() != MigrationType::kMapper) return;
  plan_mapper(static_cast<const MapperMigration&>(*target.migration), target.database->alias(),
              target.migration->backend_params());
}

// A run goes on where it was started: a queued run's open chunks wait in its database for
// workers, whatever backend the resume names (an in-process runner would start it over); a
// run started in a process has no chunks for workers to take.
std::string resume_checked(Target& target, std::shared_ptr<Backend> backend,
                           const std::string& actor) {
  const MigrationKey& key = target.migration->key();
  const bool queued = is_queued_run(*target.database, key);
  if (!queued && backend->queues_in_database()) {
    throw BackendError(key.str(), "workers",
                       "this run was started in a process, not queued for workers; resume it "
                       "on another backend (e.g. \"inline\")");
  }
  MigrationRecord resumed = resume_record(target.database->store(), key, target.database->alias(),
                                          target.installation->config().run_lease, actor);
  record_cache().invalidate(target.database->alias(), key);
  const std::string attempt = resumed.attempt_uuid;
  if (queued) {
    requeue_resumed_run(*target.database, resumed);
  } else {
    submit(target, std::move(backend), std::move(resumed));
  }
  return attempt;
}

}  // namespace

std::string launch(const MigrationKey& key, std::string_view alias,
                   const std::optional<std::string>& backend_name, const std::string& actor) {
  Target target = checked_target(key, alias);
  RecordStore& store = target.database->store();
  std::optional<MigrationRecord> existing = store.get(key);
  // An ERRORED mapper launched again resumes from its checkpoint; anything else that has a
  // record was started already.
  const bool resume = existing && existing->status() == MigrationStatus::kErrored &&
                      target.migration->type() == MigrationType::kMapper;
  if (existing && !resume) {
    throw MigrationAlreadyStarted(
        key.str(), std::string(alias),
        state_hint(*existing, alias, target.installation->config().run_lease));
  }
  std::shared_ptr<Backend> backend =
      checked_backend(*target.migration, target.installation->config(), backend_name);
  check_mapper(target);
  if (resume) return resume_checked(target, std::move(backend), actor);

  MigrationRecord running{.key = key,
                          .attempt_uuid = new_attempt_uuid(),
                          .initiated_at = now_timestamp(),
                          .owner = this_process_owner()};
  if (backend->queues_in_database()) {
    const std::string attempt = running.attempt_uuid;
    enqueue_run(*target.installation, *target.database, *target.migration, std::move(running),
                actor);
    return attempt;
  }
  // The race between launches is decided here.
  start_record(store, running, alias, target.installation->config().run_lease, actor);
  const std::string attempt = running.attempt_uuid;
  submit(target, std::move(backend), std::move(running));
  return attempt;
}

std::string resume(const MigrationKey& key, std::string_view alias,
                   const std::optional<std::string>& backend_name, const std::string& actor) {
  Target target = checked_target(key, alias);
  std::shared_ptr<Backend> backend =
      checked_backend(*target.migration, target.installation->config(), backend_name);
  check_mapper(target);
  return resume_checked(target, std::move(backend), actor);
}

bool can_start(const MigrationKey& key, std::string_view alias) {
  try {
    Target target = checked_target(key, alias);
    return !target.database->store().get(key).has_value();
  } catch (const CannotRunOnDB&) {
    return false;
  } catch (const DependentMigrationNotApplied&) {
    return false;
  }
}

}  // namespace massmigration::internal
