#include "applied_cache.h"

#include <exception>

#include "massmigration/errors.h"
#include "runtime.h"

namespace massmigration::internal {
namespace {

StoreAnswer query(AliasDatabase& database, const MigrationKey& key) {
  try {
    return database.store().is_applied(key) ? StoreAnswer{StoreAnswer::Kind::kApplied, {}}
                                            : StoreAnswer{StoreAnswer::Kind::kNotApplied, {}};
  } catch (const RecordStoreError& e) {
    return {StoreAnswer::Kind::kUnknown, e.what(), std::current_exception()};
  } catch (const std::exception& e) {
    RecordStoreError error(database.alias(), e.what());
    return {StoreAnswer::Kind::kUnknown, error.what(), std::make_exception_ptr(error)};
  } catch (...) {
    RecordStoreError error(database.alias(), "failed with an unknown error");
    return {StoreAnswer::Kind::kUnknown, error.what(), std::make_exception_ptr(error)};
  }
}

}  // namespace

StoreAnswer AppliedEntry::ask(AliasDatabase& database, const MigrationKey& key,
                              std::uint64_t epoch) {
  if (applied_in(epoch)) return {StoreAnswer::Kind::kApplied, {}, {}};
  std::uint64_t flight = 0;
  {
    MutexLock lock(&mu_);
    const std::uint64_t started_before_arrival = flights_started_;
    for (;;) {
      // A flight that started after we arrived has finished: its answer is fresh enough.
      if (flights_completed_ > started_before_arrival) return last_answer_;
      if (!in_flight_) break;
      // Wait for the flight under way; it may be one that started after we arrived.
      const std::uint64_t under_way = flights_started_;
      while (flights_completed_ < under_way) lock.wait(flight_done_);
      // It failed (a server down or hung): its failure is ours too. Refusing is safe, and a
      // flight of our own would keep us waiting past the store's deadline.
      if (last_answer_.kind == StoreAnswer::Kind::kUnknown) return last_answer_;
    }
    in_flight_ = true;
    flight = ++flights_started_;
  }
  StoreAnswer answer;
  try {
    answer = query(database, key);  // outside the lock: it may take a while
  } catch (...) {
    answer = {StoreAnswer::Kind::kUnknown, "the record store failed unexpectedly",
              std::current_exception()};
  }
  if (answer.kind == StoreAnswer::Kind::kApplied) {
    flag_.applied_epoch.store(epoch, std::memory_order_release);
  }
  {
    MutexLock lock(&mu_);
    last_answer_ = answer;
    flights_completed_ = flight;
    in_flight_ = false;
  }
  flight_done_.notify_all();
  return answer;
}

AppliedEntry& AppliedCache::entry(const MigrationKey& key, const std::string& alias) {
  MutexLock lock(&mu_);
  std::unique_ptr<AppliedEntry>& slot = entries_[std::make_pair(key, alias)];
  if (!slot) slot = std::make_unique<AppliedEntry>();
  return *slot;
}

}  // namespace massmigration::internal
