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
#include <type_traits>
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

// The factory MASSMIGRATION_REGISTER records for Class; a class it cannot make is reported
// here, in words, rather than deep inside std::make_unique.
template <typename Class>
std::unique_ptr<Migration> make_migration() {
  constexpr bool kIsMigration = std::is_base_of_v<Migration, Class>;
  static_assert(kIsMigration,
                "MASSMIGRATION_REGISTER(Class, app, id): Class must derive from "
                "massmigration::SimpleMigration, MapperMigration or CustomMigration, e.g. "
                "class Backfill : public mm::SimpleMigration { void "
                "operation(mm::OperationContext& ctx) override; };");
  constexpr bool kIsConcrete = !kIsMigration || !std::is_abstract_v<Class>;
  static_assert(kIsConcrete,
                "MASSMIGRATION_REGISTER(Class, app, id): Class is abstract; override every "
                "pure virtual method of its base (operation() for a SimpleMigration, query() and "
                "operation() for a MapperMigration, backend_method() for a CustomMigration)");
  constexpr bool kIsDefaultConstructible =
      !kIsMigration || !kIsConcrete || std::is_default_constructible_v<Class>;
  static_assert(kIsDefaultConstructible,
                "MASSMIGRATION_REGISTER(Class, app, id): Class needs a public constructor "
                "taking no arguments; read settings in its methods instead");
  if constexpr (kIsMigration && kIsConcrete && kIsDefaultConstructible) {
    return std::make_unique<Class>();
  } else {
    return nullptr;  // never compiled: keeps the report to the assertion
  }
}
}  // namespace internal

}  // namespace massmigration

#define MASSMIGRATION_INTERNAL_CONCAT2(a, b) a##b
#define MASSMIGRATION_INTERNAL_CONCAT(a, b) MASSMIGRATION_INTERNAL_CONCAT2(a, b)

#define MASSMIGRATION_REGISTER(Class, app_label, migration_id)                                  \
  [[maybe_unused]] static const bool MASSMIGRATION_INTERNAL_CONCAT(massmigration_registered_,   \
                                                                   __COUNTER__) =               \
      ::massmigration::internal::register_migration(                                            \
          app_label, migration_id, &::massmigration::internal::make_migration<Class>, __FILE__, \
          __LINE__)

#endif  // MASSMIGRATION_REGISTRY_H_
