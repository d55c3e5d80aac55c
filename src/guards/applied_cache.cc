#include "guards/applied_cache.h"

#include <atomic>
#include <exception>

#include "massmigration/errors.h"
#include "model/installation.h"

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

std::atomic<bool> g_manual_clock{false};
std::atomic<GuardClock::rep> g_manual_ticks{0};
std::atomic<int> g_checks_waiting{0};

}  // namespace

GuardClock::time_point guard_clock_now() {
  if (g_manual_clock.load(std::memory_order_acquire)) {
    return GuardClock::time_point(GuardClock::duration(g_manual_ticks.load()));
  }
  return GuardClock::now();
}

void use_manual_guard_clock(bool on) {
  if (on) g_manual_ticks.store(GuardClock::now().time_since_epoch().count());
  g_manual_clock.store(on, std::memory_order_release);
}

void advance_manual_guard_clock(GuardClock::duration by) { g_manual_ticks.fetch_add(by.count()); }

int guard_checks_waiting() { return g_checks_waiting.load(); }

bool AppliedEntry::may_share(const Flight& flight, const StoreAnswer* answer,
                             const Caller& caller) const {
  if (flight.number == 0 || flight.epoch < caller.epoch) return false;
  if (flight.number > caller.started_before_arrival) return true;
  // An older query's answer: "not applied" (or "applied") read within the recheck interval
  // before the caller asked. A failure is asked again: the next moment may differ.
  if (caller.recheck <= GuardClock::duration::zero()) return false;
  if (answer && answer->kind == StoreAnswer::Kind::kUnknown) return false;
  return caller.arrived - flight.started <= caller.recheck;
}

std::optional<StoreAnswer> AppliedEntry::share_or_start(const Caller& asking, Flight& started) {
  MutexLock lock(&mu_);
  Caller caller = asking;
  caller.arrived = guard_clock_now();
  caller.started_before_arrival = flights_started_;
  for (;;) {
    if (may_share(last_, &last_answer_, caller)) return last_answer_;
    if (!under_way_) break;
    // Wait for the query under way; then either share its answer or ask again.
    const std::uint64_t awaited = under_way_->number;
    g_checks_waiting.fetch_add(1);
    while (last_.number < awaited) lock.wait(flight_done_);
    g_checks_waiting.fetch_sub(1);
    // It failed (a server down or hung): its failure is ours too, unless a reset came between
    // (the store may be back). Refusing is safe, and a query of our own would keep us waiting
    // past the store's deadline.
    if (last_answer_.kind == StoreAnswer::Kind::kUnknown && last_.epoch >= caller.epoch) {
      return last_answer_;
    }
  }
  started = Flight{++flights_started_, caller.epoch, guard_clock_now()};
  under_way_ = started;
  return std::nullopt;
}

StoreAnswer AppliedEntry::ask(AliasDatabase& database, const MigrationKey& key, std::uint64_t epoch,
                              GuardClock::duration recheck) {
  if (applied_in(epoch)) return {StoreAnswer::Kind::kApplied, {}, {}};
  Flight flight;
  if (std::optional<StoreAnswer> shared = share_or_start({epoch, recheck, {}, 0}, flight)) {
    return *std::move(shared);
  }
  StoreAnswer answer;
  try {
    answer = query(database, key);  // outside the lock: it may take a while
  } catch (...) {
    // Only when describing the failure failed too (out of memory): an empty cause allocates
    // nothing, and the flight must end for the callers waiting on it.
    answer = {StoreAnswer::Kind::kUnknown, {}, std::current_exception()};
  }
  if (answer.kind == StoreAnswer::Kind::kApplied) {
    flag_.applied_epoch.store(epoch, std::memory_order_release);
  }
  finish(flight, answer);
  return answer;
}

void AppliedEntry::finish(const Flight& flight, const StoreAnswer& answer) noexcept {
  StoreAnswer shared;
  try {
    shared = answer;
  } catch (...) {  // no memory for the cause: share the answer without it
    shared = {answer.kind, {}, answer.error};
  }
  {
    MutexLock lock(&mu_);
    last_ = flight;
    last_answer_ = std::move(shared);
    under_way_.reset();
  }
  flight_done_.notify_all();
}

AppliedEntry& AppliedCache::entry(const MigrationKey& key, const std::string& alias) {
  MutexLock lock(&mu_);
  std::unique_ptr<AppliedEntry>& slot = entries_[std::make_pair(key, alias)];
  if (!slot) slot = std::make_unique<AppliedEntry>();
  return *slot;
}

AppliedCache& applied_cache() {
  static AppliedCache* cache = new AppliedCache;  // guards may run during static destruction
  return *cache;
}

}  // namespace massmigration::internal
