// Internal: what guards know about one (migration, alias). Not API.
//
// Only positive answers are kept, stamped with the cache epoch they were seen in: an applied
// migration stays applied in normal operation, so trusting "applied" forever is what makes a
// guard nearly free. "Not applied" and "could not ask" are never kept, because the next moment
// may differ; instead concurrent askers share one query (single flight), so a hot guard that
// keeps refusing sends the database one query at a time, not one per caller.
//
// A caller shares only a query that started after it asked: an answer read before a reset or
// before a write committed must not reach a caller that came after them. A caller that finds
// an older query under way waits for it to end, then starts (or joins) the next one.
#ifndef MASSMIGRATION_SRC_APPLIED_CACHE_H_
#define MASSMIGRATION_SRC_APPLIED_CACHE_H_

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "massmigration/internal/cache_epoch.h"
#include "massmigration/key.h"
#include "mutex.h"

namespace massmigration::internal {

class AliasDatabase;

struct StoreAnswer {
  enum class Kind { kApplied, kNotApplied, kUnknown };
  Kind kind = Kind::kUnknown;
  std::string cause{};         // why the store could not answer, for kUnknown
  std::exception_ptr error{};  // the store's exception, for kUnknown
};

class AppliedEntry {
 public:
  // The answer for `key` on `database`: cached when positive in `epoch`, else from one query
  // shared with every concurrent caller. Never throws for store failures: they are kUnknown.
  StoreAnswer ask(AliasDatabase& database, const MigrationKey& key, std::uint64_t epoch);

  bool applied_in(std::uint64_t epoch) const {
    return flag_.applied_epoch.load(std::memory_order_acquire) == epoch;
  }

 private:
  AppliedFlag flag_;
  Mutex mu_;
  std::condition_variable flight_done_;
  // Flights are numbered from 1 in the order they start; one at a time per entry.
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  std::uint64_t flights_started_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t flights_completed_ ABSL_GUARDED_BY(mu_) = 0;
  StoreAnswer last_answer_ ABSL_GUARDED_BY(mu_);  // of flight flights_completed_
};

// Entries by (key, alias), created on first use; an entry's address never changes.
class AppliedCache {
 public:
  AppliedEntry& entry(const MigrationKey& key, const std::string& alias);

 private:
  Mutex mu_;
  absl::flat_hash_map<std::pair<MigrationKey, std::string>, std::unique_ptr<AppliedEntry>> entries_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_APPLIED_CACHE_H_
