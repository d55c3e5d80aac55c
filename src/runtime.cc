#include "runtime.h"

#include <algorithm>

#include "massmigration/enforcement.h"
#include "massmigration/errors.h"

namespace massmigration::internal {
namespace {

struct Installed {
  Mutex mu;
  std::shared_ptr<Runtime> runtime ABSL_GUARDED_BY(mu);
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

Runtime::Runtime(Config config,
                 std::map<std::string, std::shared_ptr<const DatabaseDriver>> drivers)
    : config_(std::move(config)), record_cache_(config_.record_cache_ttl) {
  for (const auto& [alias, url] : config_.databases) {
    aliases_.push_back(alias);
    databases_.emplace(
        alias, std::make_unique<AliasDatabase>(DatabaseTarget{alias, url, config_.base_directory},
                                               std::move(drivers.at(alias))));
  }
}

AliasDatabase* Runtime::database(std::string_view alias) const {
  auto it = databases_.find(alias);
  return it == databases_.end() ? nullptr : it->second.get();
}

AliasDatabase& Runtime::require_database(std::string_view alias) const {
  if (AliasDatabase* db = database(alias)) return *db;
  throw UnknownDatabaseAlias(std::string(alias), aliases_);
}

std::vector<std::string> Runtime::effective_aliases(const Migration& migration) const {
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

std::shared_ptr<Runtime> current_runtime() {
  Installed& i = installed();
  MutexLock lock(&i.mu);
  return i.runtime;
}

std::shared_ptr<Runtime> require_runtime() {
  if (auto runtime = current_runtime()) return runtime;
  throw MigrationError("massmigration is not configured: call massmigration::configure() first");
}

void install_runtime(std::shared_ptr<Runtime> runtime) {
  std::shared_ptr<Runtime> previous;
  {
    Installed& i = installed();
    MutexLock lock(&i.mu);
    previous = std::exchange(i.runtime, std::move(runtime));
  }
  // After the swap: a guard that reads the new epoch is bound to read the new runtime too.
  reset_guard_cache();
}

}  // namespace massmigration::internal
