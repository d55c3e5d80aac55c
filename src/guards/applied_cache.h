// Internal: what guards know about one (migration, alias). Not API.
//
// Positive answers are kept, stamped with the cache epoch they were seen in: an applied
// migration stays applied in normal operation, so trusting "applied" forever is what makes a
// guard nearly free. "Could not ask" is never kept, because the next moment may differ.
// "Not applied" is trusted for a short recheck interval from the moment its query started;
// within that interval callers share it, and concurrent askers always share one query (single
// flight), so a hot guard that keeps refusing sends the database about one query per interval.
//
// What a caller may share: an answer from its own cache epoch or a later one (never one read
// before a reset it has seen), and either from a query that started after it asked, or, for an
// answer that is not a failure, from one that started at most the recheck interval before it
// asked. With the interval off (0), only the former: an answer read before a write committed
// then never reaches a caller that came after it. A caller that cannot share the query under
// way waits for it to end, then starts (or joins) the next one.
#ifndef MASSMIGRATION_SRC_GUARDS_APPLIED_CACHE_H_
#define MASSMIGRATION_SRC_GUARDS_APPLIED_CACHE_H_

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
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

// The clock that times the recheck interval: steady_clock, unless a test set a manual one.
using GuardClock = std::chrono::steady_clock;
GuardClock::time_point guard_clock_now();
// While `on`, guard_clock_now() returns the manual time, which starts where the real clock was.
void use_manual_guard_clock(bool on);
void advance_manual_guard_clock(GuardClock::duration by);
// How many guard checks are waiting for a query another check started (tests observe sharing).
int guard_checks_waiting();

class AppliedEntry {
 public:
  // The answer for `key` on `database`: cached when positive in `epoch`, else shared with
  // other callers as the file comment says (`recheck` = the not-applied recheck interval).
  // Never throws for store failures: they are kUnknown.
  StoreAnswer ask(AliasDatabase& database, const MigrationKey& key, std::uint64_t epoch,
                  GuardClock::duration recheck);

  bool applied_in(std::uint64_t epoch) const {
    return flag_.applied_epoch.load(std::memory_order_acquire) == epoch;
  }

 private:
  // One query; numbered from 1 in the order they start, one at a time per entry.
  struct Flight {
    std::uint64_t number = 0;
    std::uint64_t epoch = 0;
    GuardClock::time_point started{};
  };
  struct Caller {
    std::uint64_t epoch;
    GuardClock::duration recheck;
    GuardClock::time_point arrived;
    std::uint64_t started_before_arrival;
  };
  bool may_share(const Flight& flight, const StoreAnswer* answer, const Caller& caller) const;
  // Returns the answer the caller may share, or starts a flight and returns nullopt.
  std::optional<StoreAnswer> share_or_start(const Caller& caller, Flight& started);
  // Ends `flight` with `answer` and wakes the callers waiting for it, even out of memory.
  void finish(const Flight& flight, const StoreAnswer& answer) noexcept;

  AppliedFlag flag_;
  Mutex mu_;
  std::condition_variable flight_done_;
  std::uint64_t flights_started_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<Flight> under_way_ ABSL_GUARDED_BY(mu_);
  Flight last_ ABSL_GUARDED_BY(mu_);              // the last flight that completed
  StoreAnswer last_answer_ ABSL_GUARDED_BY(mu_);  // its answer
};

// Entries by (key, alias), created on first use; an entry's address never changes. An entry
// outlives configure(): answers are stamped with their cache epoch, which configure() advances.
class AppliedCache {
 public:
  AppliedEntry& entry(const MigrationKey& key, const std::string& alias);

 private:
  Mutex mu_;
  absl::flat_hash_map<std::pair<MigrationKey, std::string>, std::unique_ptr<AppliedEntry>> entries_
      ABSL_GUARDED_BY(mu_);
};

// The guards' cache, one per process.
AppliedCache& applied_cache();

}  // namespace massmigration::internal

#endif  // MASSMIGRATION_SRC_GUARDS_APPLIED_CACHE_H_
