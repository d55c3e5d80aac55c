// Internal: launching with a chosen backend (the command line runs simple migrations inline
// whatever the configured default). Not API.
#ifndef MASSMIGRATION_SRC_LIFECYCLE_LAUNCH_H_
#define MASSMIGRATION_SRC_LIFECYCLE_LAUNCH_H_

#include <optional>
#include <string>
#include <string_view>

#include "massmigration/key.h"

namespace massmigration::internal {

// initiate_migration, with `backend` (when given) replacing the migration's own backend and the
// configured default; custom migrations keep their own, which alone has their method.
std::string launch(const MigrationKey& key, std::string_view alias,
                   const std::optional<std::string>& backend, const std::string& actor = {});

// resume_migration, with `backend` as for launch.
std::string resume(const MigrationKey& key, std::string_view alias,
                   const std::optional<std::string>& backend, const std::string& actor = {});

// can_start_migration.
bool can_start(const MigrationKey& key, std::string_view alias);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_LIFECYCLE_LAUNCH_H_
