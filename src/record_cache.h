// Internal: records as a running mapper checks them before each chunk, kept for a short time
// (Config::record_cache_ttl) so that the check does not cost a query per chunk. Changes made
// in this process (delete, fake, resume) invalidate it at once; changes from elsewhere are
// seen within the time-to-live, and the chunk's own commit checks the attempt regardless.
// Not API.
#ifndef MASSMIGRATION_SRC_RECORD_CACHE_H_
#define MASSMIGRATION_SRC_RECORD_CACHE_H_

#include <chrono>
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
  explicit RecordCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}

  // The record, read at most ttl ago. Throws RecordStoreError.
  std::optional<MigrationRecord> get(AliasDatabase& database, const MigrationKey& key);
  void invalidate(const std::string& alias, const MigrationKey& key);

 private:
  struct Entry {
    std::optional<MigrationRecord> record;
    std::chrono::steady_clock::time_point read_at;
  };
  const std::chrono::milliseconds ttl_;
  Mutex mu_;
  std::map<std::pair<std::string, std::string>, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_RECORD_CACHE_H_
