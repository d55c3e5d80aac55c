// Test helpers for GoogleTest binaries (target massmigration::testing).
//
// Including this header turns test mode on for the program: guards with skip_in_tests (the
// default) let calls through after checking only that their key is well formed and
// registered, so code under test does not need its migrations applied. Where a test is about
// the guard itself, force enforcement back on:
//
//   TEST(Checkout, RefusesBeforeBackfill) {
//     mm::testing::TemporaryDatabases dbs({"default", "shop_db"});
//     mm::configure(dbs.config());
//     mm::testing::ScopedEnforcement enforce;
//     EXPECT_THROW(checkout(), mm::RequiredMigrationNotApplied);
//     mm::testing::mark_applied("shop:0002_backfill_slugs", "shop_db");
//     EXPECT_NO_THROW(checkout());
//   }
//
// Thread safety: as the functions they call; ScopedEnforcement affects every thread.
#ifndef MASSMIGRATION_TESTING_H_
#define MASSMIGRATION_TESTING_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/config.h"
#include "massmigration/key.h"

namespace massmigration::testing {

void set_test_mode(bool on);
bool test_mode();

// While alive, guards check for real even with skip_in_tests. Nests.
class ScopedEnforcement {
 public:
  ScopedEnforcement();
  ~ScopedEnforcement();
  ScopedEnforcement(const ScopedEnforcement&) = delete;
  ScopedEnforcement& operator=(const ScopedEnforcement&) = delete;
};

// Makes every guard ask its database again.
void reset_cache();

// Records the migration as applied (faked) on `alias` of the configured databases; resets the
// cache, so guards see it at once.
void mark_applied(const MigrationKey& key, std::string_view alias);
// Deletes its record on `alias`, so guards refuse again; resets the cache.
void mark_not_applied(const MigrationKey& key, std::string_view alias);

// Fresh, empty SQLite files (one per alias) in a new private temporary directory, removed on
// destruction.
class TemporaryDatabases {
 public:
  explicit TemporaryDatabases(std::vector<std::string> aliases = {"default"});
  ~TemporaryDatabases();
  TemporaryDatabases(const TemporaryDatabases&) = delete;
  TemporaryDatabases& operator=(const TemporaryDatabases&) = delete;

  const std::filesystem::path& directory() const { return directory_; }
  // The database file of `alias`.
  std::filesystem::path path(std::string_view alias) const;
  // A Config with one "sqlite:///..." URL per alias and the given routing; guards ask again on
  // every call (guard_not_applied_recheck = 0), so a test sees every write at once.
  Config config(std::map<std::string, std::string> routing = {}) const;

 private:
  std::filesystem::path directory_;
  std::vector<std::string> aliases_;
};

// While alive, the guards' recheck interval (Config::guard_not_applied_recheck) is timed by a
// clock that stands still until advance() moves it. Not nestable.
class ManualGuardClock {
 public:
  ManualGuardClock();
  ~ManualGuardClock();
  ManualGuardClock(const ManualGuardClock&) = delete;
  ManualGuardClock& operator=(const ManualGuardClock&) = delete;
  void advance(std::chrono::nanoseconds by);
};

// How many guard checks in this process are waiting for the answer of a query that another
// check started: lets a test prove that concurrent checks share one query.
int guard_checks_waiting();

namespace internal {
inline const bool kTestModeOnForThisProgram = (set_test_mode(true), true);
}  // namespace internal

}  // namespace massmigration::testing

#endif  // MASSMIGRATION_TESTING_H_
