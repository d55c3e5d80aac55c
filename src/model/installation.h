// Internal: the installed configuration and one database (with its record store) per alias.
// configure() builds a new Installation and swaps it in whole; guards and runs keep the one
// they started with alive. What guards and runners remember lives with them, not here. Not API.
#ifndef MASSMIGRATION_SRC_MODEL_INSTALLATION_H_
#define MASSMIGRATION_SRC_MODEL_INSTALLATION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "massmigration/config.h"
#include "massmigration/migration.h"
#include "massmigration/record_store.h"
#include "mutex.h"

namespace massmigration::internal {

// One configured database. Opens its store on first use and retries after a failed open.
class AliasDatabase {
 public:
  AliasDatabase(DatabaseTarget target, std::shared_ptr<const DatabaseDriver> driver)
      : target_(std::move(target)), driver_(std::move(driver)) {}

  const std::string& alias() const { return target_.alias; }
  const DatabaseTarget& target() const { return target_; }
  // What would keep this database from working, seen without connecting (for check()).
  std::optional<std::string> problem() const { return driver_->problem(target_); }
  // Throws RecordStoreError when the store cannot be opened.
  RecordStore& store();
  // A new transaction for a migration's operation. Throws DatabaseError.
  std::unique_ptr<RunSession> begin_session() const { return driver_->begin_session(target_); }
  // A transaction for one mapper chunk (see DatabaseDriver::begin_chunk_session).
  std::unique_ptr<RunSession> begin_chunk_session() const {
    return driver_->begin_chunk_session(target_);
  }
  bool runs_sql() const { return driver_->runs_sql(); }
  bool supports_concurrent_writers() const { return driver_->supports_concurrent_writers(); }

 private:
  const DatabaseTarget target_;
  const std::shared_ptr<const DatabaseDriver> driver_;
  Mutex mu_;
  std::unique_ptr<RecordStore> store_ ABSL_GUARDED_BY(mu_);
};

class Installation {
 public:
  // REQUIRES: `config` validated, `base_directory` absolute.
  Installation(Config config, std::map<std::string, std::shared_ptr<const DatabaseDriver>> drivers);
  Installation(const Installation&) = delete;
  Installation& operator=(const Installation&) = delete;

  const Config& config() const { return config_; }
  // Every configured alias, in configuration order.
  const std::vector<std::string>& aliases() const { return aliases_; }
  // nullptr for an alias that is not configured.
  AliasDatabase* database(std::string_view alias) const;
  // Throws UnknownDatabaseAlias.
  AliasDatabase& require_database(std::string_view alias) const;
  // Where the migration may run: allowed_db_aliases (or all) narrowed by routing, in
  // configuration order.
  std::vector<std::string> effective_aliases(const Migration& migration) const;

 private:
  Config config_;
  std::vector<std::string> aliases_;
  // The databases own their stores, which open on first use: a const Installation hands out
  // databases that still change (the pointer, not the object, is const).
  std::map<std::string, std::unique_ptr<AliasDatabase>, std::less<>> databases_;
};

// The installed configuration, or nullptr before configure().
std::shared_ptr<const Installation> current_installation();
// The installed configuration; throws MigrationError when configure() was never called.
std::shared_ptr<const Installation> require_installation();
// Swaps in `installation`, then advances the cache epoch: every guard re-resolves, and what
// guards and runners remember from before is no longer trusted.
void install(std::shared_ptr<const Installation> installation);

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_MODEL_INSTALLATION_H_
