#include "model/installation.h"

#include <algorithm>

#include "massmigration/errors.h"
#include "massmigration/internal/cache_epoch.h"

namespace massmigration::internal {
namespace {

struct Installed {
  Mutex mu;
  std::shared_ptr<const Installation> installation ABSL_GUARDED_BY(mu);
};

Installed& installed() {
  static Installed* i = new Installed;  // guards may run during static destruction
  return *i;
}

}  // namespace

RecordStore& AliasDatabase::store() {
  MutexLock lock(&mu_);
  if (!store_) store_ = driver_->open_record_store(target_);
  return *store_;
}

Installation::Installation(Config config,
                           std::map<std::string, std::shared_ptr<const DatabaseDriver>> drivers)
    : config_(std::move(config)) {
  for (const auto& [alias, url] : config_.databases) {
    aliases_.push_back(alias);
    databases_.emplace(
        alias, std::make_unique<AliasDatabase>(DatabaseTarget{alias, url, config_.base_directory},
                                               std::move(drivers.at(alias))));
  }
}

AliasDatabase* Installation::database(std::string_view alias) const {
  auto it = databases_.find(alias);
  return it == databases_.end() ? nullptr : it->second.get();
}

AliasDatabase& Installation::require_database(std::string_view alias) const {
  if (AliasDatabase* db = database(alias)) return *db;
  throw UnknownDatabaseAlias(std::string(alias), aliases_);
}

std::vector<std::string> Installation::effective_aliases(const Migration& migration) const {
  std::optional<std::vector<std::string>> allowed = migration.allowed_db_aliases();
  auto routed = config_.routing.find(migration.key().app_label());
  std::vector<std::string> result;
  for (const std::string& alias : aliases_) {
    if (allowed && std::find(allowed->begin(), allowed->end(), alias) == allowed->end()) continue;
    if (routed != config_.routing.end() && routed->second != alias) continue;
    result.push_back(alias);
  }
  return result;
}

std::shared_ptr<const Installation> current_installation() {
  Installed& i = installed();
  MutexLock lock(&i.mu);
  return i.installation;
}

std::shared_ptr<const Installation> require_installation() {
  if (auto installation = current_installation()) return installation;
  throw MigrationError("massmigration is not configured: call massmigration::configure() first");
}

void install(std::shared_ptr<const Installation> installation) {
  std::shared_ptr<const Installation> previous;
  {
    Installed& i = installed();
    MutexLock lock(&i.mu);
    previous = std::exchange(i.installation, std::move(installation));
  }
  // After the swap: a guard that reads the new epoch is bound to read the new installation
  // too. `previous` dies after the lock is released: closing stores may take a while.
  advance_cache_epoch();
}

}  // namespace massmigration::internal
