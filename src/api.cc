#include "massmigration/api.h"

#include <algorithm>

#include "massmigration/enforcement.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "runtime.h"
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

bool delete_record(const MigrationKey& key, std::string_view alias) {
  get_migration(key);
  std::shared_ptr<internal::Runtime> runtime = internal::require_runtime();
  bool removed = internal::delete_record(runtime->require_database(alias).store(), key);
  runtime->record_cache().invalidate(std::string(alias), key);
  reset_guard_cache();
  return removed;
}

}  // namespace massmigration::api
