// Internal: records as a running mapper checks them before each chunk, kept for a short time
// (Config::record_cache_ttl) so that the check does not cost a query per chunk. Changes made
// in this process (delete, fake, resume) invalidate it at once; changes from elsewhere are
// seen within the time-to-live, and the chunk's own commit checks the attempt regardless.
// configure() makes every entry stale (entries carry the cache epoch they were read in).
// Not API.
#ifndef MASSMIGRATION_SRC_RUNNERS_RECORD_CACHE_H_
#define MASSMIGRATION_SRC_RUNNERS_RECORD_CACHE_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "massmigration/record.h"
#include "mutex.h"

namespace massmigration::internal {

class AliasDatabase;

class RecordCache {
 public:
  // The record, read at most `ttl` ago in the current cache epoch. Throws RecordStoreError.
  std::optional<MigrationRecord> get(AliasDatabase& database, const MigrationKey& key,
                                     std::chrono::milliseconds ttl);
  void invalidate(const std::string& alias, const MigrationKey& key);

 private:
  struct Entry {
    std::optional<MigrationRecord> record;
    std::chrono::steady_clock::time_point read_at;
    std::uint64_t epoch;
  };
  Mutex mu_;
  std::map<std::pair<std::string, std::string>, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// The runners' cache, one per process.
RecordCache& record_cache();

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RUNNERS_RECORD_CACHE_H_
