// Internal: what the registry knows beyond the public lookups. Not API.
#ifndef MASSMIGRATION_SRC_MODEL_REGISTRY_INTERNAL_H_
#define MASSMIGRATION_SRC_MODEL_REGISTRY_INTERNAL_H_

#include <string>
#include <vector>

#include "massmigration/check.h"
#include "massmigration/migration.h"

namespace massmigration::internal {

struct MigrationAccess {
  static void set_key(Migration& migration, MigrationKey key) { migration.key_ = std::move(key); }
};

// Registrations that could not be accepted: malformed keys, duplicates, throwing constructors.
std::vector<CheckProblem> registration_problems();

// "file:line" of the registration of `key`, or empty.
std::string registration_site(const MigrationKey& key);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_MODEL_REGISTRY_INTERNAL_H_
