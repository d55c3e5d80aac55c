#include "massmigration/testing.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "guards/applied_cache.h"
#include "guards/test_mode.h"
#include "massmigration/api.h"
#include "massmigration/enforcement.h"
#include "string_building.h"

namespace massmigration::testing {

void set_test_mode(bool on) { massmigration::internal::set_test_mode(on); }
bool test_mode() { return massmigration::internal::test_mode(); }

ScopedEnforcement::ScopedEnforcement() { massmigration::internal::begin_forced_enforcement(); }
ScopedEnforcement::~ScopedEnforcement() { massmigration::internal::end_forced_enforcement(); }

void reset_cache() { reset_guard_cache(); }

void mark_applied(const MigrationKey& key, std::string_view alias) {
  api::fake_migration(key, alias);
  reset_guard_cache();  // a "not applied" answer may be trusted for the recheck interval
}

void mark_not_applied(const MigrationKey& key, std::string_view alias) {
  api::delete_record(key, alias);
}

TemporaryDatabases::TemporaryDatabases(std::vector<std::string> aliases)
    : aliases_(std::move(aliases)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "massmigration-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    throw std::system_error(errno, std::generic_category(),
                            strings::cat("creating a temporary directory from ", pattern));
  }
  directory_ = pattern;
  // An empty file is an empty SQLite database: like an application database that exists
  // before any migration has run.
  for (const std::string& alias : aliases_) std::ofstream(path(alias));
}

TemporaryDatabases::~TemporaryDatabases() {
  std::error_code ignored;  // a destructor must not throw; a leftover temp dir is harmless
  std::filesystem::remove_all(directory_, ignored);
}

std::filesystem::path TemporaryDatabases::path(std::string_view alias) const {
  return directory_ / strings::cat(alias, ".db");
}

Config TemporaryDatabases::config(std::map<std::string, std::string> routing) const {
  Config config;
  for (const std::string& alias : aliases_) {
    config.databases[alias] = strings::cat("sqlite://", path(alias).string());
  }
  config.routing = std::move(routing);
  config.guard_not_applied_recheck = std::chrono::milliseconds(0);
  return config;
}

ManualGuardClock::ManualGuardClock() { massmigration::internal::use_manual_guard_clock(true); }
ManualGuardClock::~ManualGuardClock() { massmigration::internal::use_manual_guard_clock(false); }
void ManualGuardClock::advance(std::chrono::nanoseconds by) {
  massmigration::internal::advance_manual_guard_clock(
      std::chrono::duration_cast<massmigration::internal::GuardClock::duration>(by));
}

int guard_checks_waiting() { return massmigration::internal::guard_checks_waiting(); }

}  // namespace massmigration::testing
