// Migrations: what an application declares. Derive from SimpleMigration (one function),
// MapperMigration (every selected row, in chunks) or CustomMigration (a named backend method),
// override what you need, and register the class with MASSMIGRATION_REGISTER (registry.h).
//
//   class BackfillSlugs : public mm::SimpleMigration {
//    public:
//     std::string description() const override { return "Fill product.slug from name."; }
//     std::vector<mm::MigrationKey> dependencies() const override {
//       return {{"shop", "0001_initial"}};
//     }
//     void operation(mm::OperationContext& ctx) override { ... }
//   };
//   MASSMIGRATION_REGISTER(BackfillSlugs, "shop", "0002_backfill_slugs");
//
// Thread safety: the registry makes one instance per registered class and shares it; the
// declaration methods (description, dependencies, ...) must be safe to call from any thread.
#ifndef MASSMIGRATION_MIGRATION_H_
#define MASSMIGRATION_MIGRATION_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/key.h"
#include "massmigration/mapper.h"
#include "massmigration/migration_params.h"
#include "massmigration/operation_context.h"

namespace massmigration {

enum class MigrationType { kSimple, kMapper, kCustom };

// "simple", "mapper", "custom".
std::string_view to_string(MigrationType type);

namespace internal {
struct MigrationAccess;
}

class Migration {
 public:
  virtual ~Migration() = default;
  Migration(const Migration&) = delete;
  Migration& operator=(const Migration&) = delete;

  virtual MigrationType type() const = 0;
  // Shown by the CLI and the web UI. Default: empty.
  virtual std::string description() const { return {}; }
  // Keys that must be applied first, on the same database alias. Default: none.
  virtual std::vector<MigrationKey> dependencies() const { return {}; }
  // Aliases the migration may run on; nullopt (the default) means every configured alias.
  // Routing narrows this further for routed apps.
  virtual std::optional<std::vector<std::string>> allowed_db_aliases() const {
    return std::nullopt;
  }
  // Backend name; nullopt (the default) means the configured default backend.
  virtual std::optional<std::string> backend() const { return std::nullopt; }
  virtual BackendParams backend_params() const { return {}; }

  // The key it was registered under. REQUIRES: obtained from the registry.
  const MigrationKey& key() const { return *key_; }

 protected:
  Migration() = default;

 private:
  friend struct internal::MigrationAccess;
  std::optional<MigrationKey> key_;
};

// One function that does the whole change, quickly, on one alias.
class SimpleMigration : public Migration {
 public:
  MigrationType type() const final { return MigrationType::kSimple; }
  // Does the change. An exception marks the record ERRORED with its type and message.
  virtual void operation(OperationContext& ctx) = 0;
};

// An operation over every row a query selects (mapper.h), run a chunk at a time: one
// transaction per chunk that also stores the checkpoint (the chunk's last key) and progress
// (rows done; rows total counted at start) in the record. An exception rolls its chunk back
// and marks the record ERRORED naming the row; launching it again resumes after the
// checkpoint, so no committed chunk is processed twice. backend_params: "chunk_size" (rows
// per chunk, default 1000) and "workers" (default 1): on PostgreSQL, integer keys are split
// into that many ranges processed in parallel by threads the run starts itself, under any
// backend (operation() is then called from several threads at once); text keys and SQLite
// use one.
class MapperMigration : public Migration {
 public:
  MigrationType type() const final { return MigrationType::kMapper; }
  // The rows to map on `alias`.
  virtual MapperQuery query(const std::string& alias) const = 0;
  // Called for each row, inside its chunk's transaction. Throw to fail the chunk. Writes
  // whose outcome it does not need are fastest through ctx.send.
  virtual void operation(const MapperRow& row, OperationContext& ctx);
  // Called once per chunk with its rows in key order; override for set-based speed. The
  // default calls operation() for each row.
  virtual void batch_operation(const std::vector<MapperRow>& rows, OperationContext& ctx);
  // How long to wait before the next chunk on `alias`, asked after every chunk once the pause
  // between chunks (Config::pause_between_chunks, or `manage tune --pause-ms`) has passed: for
  // example, while replicas lag behind (README: "Throttling"). A stop request ends the wait;
  // an exception fails the run as a chunk's would. Called from each of a parallel run's
  // workers, possibly at once. Default: no wait.
  virtual std::chrono::milliseconds throttle(const std::string& alias);
};

// The backend does the work through a method it names.
class CustomMigration : public Migration {
 public:
  MigrationType type() const final { return MigrationType::kCustom; }
  // The backend method that runs it; a backend without that method refuses the launch.
  virtual std::string backend_method() const = 0;
};

}  // namespace massmigration

#endif  // MASSMIGRATION_MIGRATION_H_
