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
  if (applied_in(epoch)) return {StoreAnswer::Kind::kApplied, {}};
  {
    MutexLock lock(&mu_);
    if (in_flight_) {
      // Join the query under way rather than start another.
      const std::uint64_t joined = flights_completed_;
      while (flights_completed_ == joined) lock.wait(flight_done_);
      return last_answer_;
    }
    in_flight_ = true;
  }
  StoreAnswer answer = query(database, key);  // outside the lock: it may take a while
  if (answer.kind == StoreAnswer::Kind::kApplied) {
    flag_.applied_epoch.store(epoch, std::memory_order_release);
  }
  {
    MutexLock lock(&mu_);
    last_answer_ = answer;
    ++flights_completed_;
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
