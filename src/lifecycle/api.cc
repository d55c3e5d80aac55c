// The launch and record API: each function resolves its migration and alias, then goes
// through the transition table (records/transitions.h) for every status it writes.
#include "massmigration/api.h"

#include <algorithm>

#include "lifecycle/launch.h"
#include "massmigration/backend.h"
#include "massmigration/enforcement.h"
#include "massmigration/errors.h"
#include "massmigration/log.h"
#include "massmigration/registry.h"
#include "model/installation.h"
#include "records/transitions.h"
#include "runners/record_cache.h"
#include "string_building.h"

namespace massmigration::api {

std::string initiate_migration(const MigrationKey& key, std::string_view alias,
                               const LaunchOptions& options) {
  return internal::launch(key, alias, options.backend, options.actor);
}

std::string resume_migration(const MigrationKey& key, std::string_view alias,
                             const LaunchOptions& options) {
  return internal::resume(key, alias, options.backend, options.actor);
}

bool migration_was_started(const MigrationKey& key, std::string_view alias) {
  return get_record(key, alias).has_value();
}

bool queues_for_workers(const MigrationKey& key) {
  const Migration& migration = get_migration(key);
  if (migration.type() == MigrationType::kCustom) return false;  // workers run none
  std::shared_ptr<Backend> backend = find_backend(
      migration.backend().value_or(internal::require_installation()->config().default_backend));
  return backend && backend->queues_in_database();
}

bool migration_is_in_progress(const MigrationKey& key, std::string_view alias) {
  std::optional<MigrationRecord> record = get_record(key, alias);
  return record && record->is_live() &&
         !record->is_stalled(internal::require_installation()->config().run_lease);
}

MigrationStatus migration_status(const MigrationKey& key, std::string_view alias) {
  std::optional<MigrationRecord> record = get_record(key, alias);
  return internal::status_of(record, internal::require_installation()->config().run_lease);
}

bool can_start_migration(const MigrationKey& key, std::string_view alias) {
  return internal::can_start(key, alias);
}

std::optional<MigrationRecord> get_record(const MigrationKey& key, std::string_view alias) {
  get_migration(key);
  return internal::require_installation()->require_database(alias).store().get(key);
}

RecordListing list_records(std::string_view alias) {
  return internal::require_installation()->require_database(alias).store().list();
}

std::vector<std::string> migration_aliases(const MigrationKey& key) {
  const Migration& migration = get_migration(key);
  return internal::require_installation()->effective_aliases(migration);
}

void fake_migration(const MigrationKey& key, std::string_view alias,
                    const ControlOptions& options) {
  const Migration& migration = get_migration(key);
  std::shared_ptr<const internal::Installation> installation = internal::require_installation();
  internal::AliasDatabase& database = installation->require_database(alias);
  std::vector<std::string> allowed = installation->effective_aliases(migration);
  if (std::find(allowed.begin(), allowed.end(), alias) == allowed.end()) {
    throw CannotRunOnDB(key.str(), std::string(alias), std::move(allowed));
  }
  internal::fake_record(database.store(), key, alias, installation->config().run_lease,
                        options.actor);
  internal::record_cache().invalidate(std::string(alias), key);
  // Guards of this process that were just refused see the fake at once, not after the
  // recheck interval.
  reset_guard_cache();
}

namespace {

// What a forced delete overrides, for its warning; empty when it overrides nothing.
std::string overridden_refusal(RecordStore& store, const MigrationKey& key, std::string_view alias,
                               std::chrono::milliseconds lease) {
  try {
    std::optional<MigrationRecord> current = store.get(key);
    if (!current || (!current->is_live() && current->status() != MigrationStatus::kPaused)) {
      return {};
    }
    return internal::state_hint(*current, alias, lease);
  } catch (const InvalidRecord& e) {
    return e.what();
  }
}

}  // namespace

bool delete_record(const MigrationKey& key, std::string_view alias, DeleteOptions options) {
  get_migration(key);
  std::shared_ptr<const internal::Installation> installation = internal::require_installation();
  RecordStore& store = installation->require_database(alias).store();
  const std::chrono::milliseconds lease = installation->config().run_lease;
  const std::string overridden = options.force ? overridden_refusal(store, key, alias, lease) : "";
  bool removed = internal::delete_record(store, key, alias, options.force, lease, options.actor);
  internal::record_cache().invalidate(std::string(alias), key);
  reset_guard_cache();
  if (removed && !overridden.empty()) {
    log(LogLevel::kWarning,
        strings::cat("forced delete of the record of migration ", key.str(), " on ", alias,
                     ", which a plain delete refuses (", overridden,
                     "); if that run still goes on, a fresh run redoes its work"));
  }
  return removed;
}

}  // namespace massmigration::api
