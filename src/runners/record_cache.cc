#include "runners/record_cache.h"

#include "massmigration/internal/cache_epoch.h"
#include "model/installation.h"

namespace massmigration::internal {

std::optional<MigrationRecord> RecordCache::get(AliasDatabase& database, const MigrationKey& key,
                                                std::chrono::milliseconds ttl) {
  const auto id = std::make_pair(database.alias(), key.str());
  // Epoch before reading: an entry read across a configure() is stamped with the older epoch.
  const std::uint64_t epoch = g_cache_epoch.load(std::memory_order_acquire);
  const auto now = std::chrono::steady_clock::now();
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(id);
    if (it != entries_.end() && it->second.epoch == epoch && now - it->second.read_at < ttl) {
      return it->second.record;
    }
  }
  std::optional<MigrationRecord> record = database.store().get(key);
  MutexLock lock(&mu_);
  entries_[id] = {record, now, epoch};
  return record;
}

void RecordCache::invalidate(const std::string& alias, const MigrationKey& key) {
  MutexLock lock(&mu_);
  entries_.erase(std::make_pair(alias, key.str()));
}

RecordCache& record_cache() {
  static RecordCache* cache = new RecordCache;  // runs may outlive static destruction
  return *cache;
}

}  // namespace massmigration::internal
