#include "record_cache.h"

#include "runtime.h"

namespace massmigration::internal {

std::optional<MigrationRecord> RecordCache::get(AliasDatabase& database, const MigrationKey& key) {
  const auto id = std::make_pair(database.alias(), key.str());
  const auto now = std::chrono::steady_clock::now();
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(id);
    if (it != entries_.end() && now - it->second.read_at < ttl_) return it->second.record;
  }
  std::optional<MigrationRecord> record = database.store().get(key);
  MutexLock lock(&mu_);
  entries_[id] = {record, now};
  return record;
}

void RecordCache::invalidate(const std::string& alias, const MigrationKey& key) {
  MutexLock lock(&mu_);
  entries_.erase(std::make_pair(alias, key.str()));
}

}  // namespace massmigration::internal
