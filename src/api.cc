#include "massmigration/api.h"

#include <algorithm>

#include "massmigration/enforcement.h"
#include "massmigration/errors.h"
#include "massmigration/log.h"
#include "massmigration/registry.h"
#include "runtime.h"
#include "string_building.h"
#include "transitions.h"

namespace massmigration::api {

std::optional<MigrationRecord> get_record(const MigrationKey& key, std::string_view alias) {
  get_migration(key);
  return internal::require_runtime()->require_database(alias).store().get(key);
}

void fake_migration(const MigrationKey& key, std::string_view alias) {
  const Migration& migration = get_migration(key);
  std::shared_ptr<internal::Runtime> runtime = internal::require_runtime();
  internal::AliasDatabase& database = runtime->require_database(alias);
  std::vector<std::string> allowed = runtime->effective_aliases(migration);
  if (std::find(allowed.begin(), allowed.end(), alias) == allowed.end()) {
    throw CannotRunOnDB(key.str(), std::string(alias), std::move(allowed));
  }
  internal::fake_record(database.store(), key, alias);
  runtime->record_cache().invalidate(std::string(alias), key);
}

namespace {

// What a forced delete overrides, for its warning; empty when it overrides nothing.
std::string overridden_refusal(RecordStore& store, const MigrationKey& key,
                               std::string_view alias) {
  try {
    std::optional<MigrationRecord> current = store.get(key);
    if (!current || current->status() != MigrationStatus::kRunning) return {};
    return internal::state_hint(*current, alias);
  } catch (const InvalidRecord& e) {
    return e.what();
  }
}

}  // namespace

bool delete_record(const MigrationKey& key, std::string_view alias, DeleteOptions options) {
  get_migration(key);
  std::shared_ptr<internal::Runtime> runtime = internal::require_runtime();
  RecordStore& store = runtime->require_database(alias).store();
  const std::string overridden = options.force ? overridden_refusal(store, key, alias) : "";
  bool removed = internal::delete_record(store, key, alias, options.force);
  runtime->record_cache().invalidate(std::string(alias), key);
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
