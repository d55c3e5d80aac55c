// The migration registry: every migration the program was linked with.
//
//   MASSMIGRATION_REGISTER(BackfillSlugs, "shop", "0002_backfill_slugs");
//
// MASSMIGRATION_REGISTER may appear at namespace scope in any translation unit; it records a
// factory during static initialisation (safe in any order) and instantiates nothing until the
// registry is first read. Problems cannot be thrown from static initialisation, so they are
// remembered: a malformed key or a key registered twice is reported by configure() as a
// ConfigError (naming both registration sites for a duplicate) and by check().
// Registering from a static library needs the object file to be linked in: put migrations in
// the executable, an object library, or link the archive whole.
//
// Thread safety: all functions may be called concurrently.
#ifndef MASSMIGRATION_REGISTRY_H_
#define MASSMIGRATION_REGISTRY_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/key.h"
#include "massmigration/migration.h"

namespace massmigration {

// Every registered migration, ordered by app label, then by number, then by id. When a key is
// registered twice, the first registration is listed. The pointers live as long as the process.
std::vector<const Migration*> get_all_migrations();

// The migration registered under `key`, or nullptr.
const Migration* find_migration(const MigrationKey& key);

// The migration registered under `key`. Throws UnknownMigration listing the registered keys.
const Migration& get_migration(const MigrationKey& key);

// Keys of every registered migration, as "app:id", in get_all_migrations() order.
std::vector<std::string> registered_keys();

namespace internal {
using MigrationFactory = std::unique_ptr<Migration> (*)();
// Used by MASSMIGRATION_REGISTER. Never throws; problems are reported later (see above).
bool register_migration(std::string_view app_label, std::string_view migration_id,
                        MigrationFactory factory, const char* file, int line) noexcept;
}  // namespace internal

}  // namespace massmigration

#define MASSMIGRATION_INTERNAL_CONCAT2(a, b) a##b
#define MASSMIGRATION_INTERNAL_CONCAT(a, b) MASSMIGRATION_INTERNAL_CONCAT2(a, b)

#define MASSMIGRATION_REGISTER(Class, app_label, migration_id)                                \
  [[maybe_unused]] static const bool MASSMIGRATION_INTERNAL_CONCAT(massmigration_registered_, \
                                                                   __COUNTER__) =             \
      ::massmigration::internal::register_migration(                                          \
          app_label, migration_id,                                                            \
          +[]() -> ::std::unique_ptr<::massmigration::Migration> {                            \
            return ::std::make_unique<Class>();                                               \
          },                                                                                  \
          __FILE__, __LINE__)

#endif  // MASSMIGRATION_REGISTRY_H_
