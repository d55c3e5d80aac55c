// Internal: the console's pages, rendered from the status report and the audit trail. Not API.
#ifndef MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_PAGES_H_
#define MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_PAGES_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "console/actions.h"
#include "massmigration/status.h"

namespace massmigration::web::internal {

// What every page shows besides its content.
struct PageFrame {
  std::string prefix{};
  std::optional<std::string> user{};  // shown when set
  bool can_log_out = false;           // the built-in login's logout button
  std::string csrf_token{};           // for every form
  std::string notice{};               // what the last action did, once
  std::chrono::milliseconds refresh_interval{2500};
};

// The status report's filters as the index applies them; empty: all.
struct IndexFilter {
  std::string app;
  std::string database;
};

std::string index_page(const PageFrame& frame, const StatusReport& report,
                       const IndexFilter& filter, const std::vector<std::string>& all_apps,
                       const std::vector<std::string>& all_aliases);

// One migration: `report` holds it and its dependencies (its last row is the migration).
std::string detail_page(const PageFrame& frame, const Migration& migration,
                        const StatusReport& report);

// What a fake or delete will do, with the form that does it.
std::string confirm_page(const PageFrame& frame, Action action, const MigrationKey& key,
                         const std::string& alias, const std::string& status);

std::string login_page(const PageFrame& frame, const std::string& error);

// A refusal or failure: `heading` and `message`, both shown as text.
std::string problem_page(const PageFrame& frame, const std::string& heading,
                         const std::string& message);

}  // namespace massmigration::web::internal

#endif  // MASSMIGRATION_ADAPTERS_HTTPLIB_CONSOLE_PAGES_H_
