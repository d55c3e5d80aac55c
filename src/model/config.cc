#include "massmigration/config.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "massmigration/errors.h"
#include "massmigration/record_store.h"
#include "massmigration/registry.h"
#include "model/config_check.h"
#include "model/registry_internal.h"
#include "string_building.h"

namespace massmigration {
namespace {
using internal::entry_name;

bool is_valid_alias(std::string_view alias) {
  if (alias.empty()) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(alias.front())) && alias.front() != '_') {
    return false;
  }
  return std::all_of(alias.begin(), alias.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::vector<std::string> configured_aliases(const Config& config) {
  std::vector<std::string> aliases;
  for (const auto& [alias, url] : config.databases) aliases.push_back(alias);
  return aliases;
}

// [runs], which a Config built in code can get wrong too.
void check_runs(const Config& config) {
  if (config.run_lease <= std::chrono::milliseconds::zero()) {
    throw ConfigError("runs.lease_seconds", "a run's lease must be longer than 0");
  }
  if (config.pause_between_chunks &&
      *config.pause_between_chunks < std::chrono::milliseconds::zero()) {
    throw ConfigError("runs.pause_between_chunks_ms", "a pause cannot be negative");
  }
}

}  // namespace

namespace internal {

std::string entry_name(const Config& config, std::string_view section, std::string_view name) {
  std::string dotted = strings::cat(section, ".", name);
  auto origin = config.origins.find(dotted);
  if (origin == config.origins.end()) return dotted;
  return strings::cat(origin->second, " [", section, "] ", name);
}

std::map<std::string, std::shared_ptr<const DatabaseDriver>> checked_drivers(const Config& config) {
  if (config.databases.empty()) {
    throw ConfigError("databases", "no database is configured; add at least one alias = URL");
  }
  check_runs(config);
  std::map<std::string, std::shared_ptr<const DatabaseDriver>> drivers;
  for (const auto& [alias, url] : config.databases) {
    std::string entry = entry_name(config, "databases", alias);
    if (!is_valid_alias(alias)) {
      throw ConfigError(entry, "an alias is a letter or _ followed by letters, digits, _ or -");
    }
    std::string_view scheme = url_scheme(url);
    if (scheme.empty()) {
      throw ConfigError(
          entry, strings::cat("\"", url, "\" is not a database URL (e.g. sqlite:///abs/path.db)"));
    }
    std::shared_ptr<const DatabaseDriver> driver = find_database_driver(scheme);
    if (!driver) {
      std::string hint = scheme == "postgresql" || scheme == "postgres"
                             ? " (PostgreSQL URLs need the massmigration::postgres adapter: "
                               "link it)"
                             : "";
      throw ConfigError(entry, strings::cat("unknown database scheme \"", scheme, "\"", hint));
    }
    try {
      driver->validate(DatabaseTarget{alias, url, config.base_directory});
    } catch (const std::invalid_argument& e) {
      throw ConfigError(entry, e.what());
    }
    drivers.emplace(alias, std::move(driver));
  }
  for (const auto& [app, alias] : config.routing) {
    std::string entry = entry_name(config, "routing", app);
    if (auto problem = app_label_problem(app)) throw ConfigError(entry, *problem);
    if (!config.databases.contains(alias)) {
      throw ConfigError(entry, strings::cat("routes to database \"", alias,
                                            "\", which is not configured (configured: ",
                                            absl::StrJoin(configured_aliases(config), ", "), ")"));
    }
  }
  std::vector<CheckProblem> problems = internal::registration_problems();
  if (!problems.empty()) {
    std::vector<std::string> lines;
    for (const CheckProblem& p : problems) lines.push_back(strings::cat(p.where, ": ", p.message));
    throw ConfigError("migration registry", absl::StrJoin(lines, "; "));
  }
  for (const Migration* migration : get_all_migrations()) {
    std::optional<std::vector<std::string>> allowed = migration->allowed_db_aliases();
    if (!allowed) continue;
    for (const std::string& alias : *allowed) {
      if (config.databases.contains(alias)) continue;
      throw ConfigError(
          strings::cat("migration ", migration->key().str(), " allowed_db_aliases (registered at ",
                       internal::registration_site(migration->key()), ")"),
          strings::cat("database \"", alias, "\" is not configured (configured: ",
                       absl::StrJoin(configured_aliases(config), ", "), ")"));
    }
  }
  return drivers;
}

}  // namespace internal

}  // namespace massmigration
