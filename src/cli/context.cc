#include "context.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_join.h"
#include "host_name.h"
#include "massmigration/api.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "string_building.h"

namespace massmigration::cli::internal {

void warn_ignored(Context& ctx, const DatabaseRecords& records) {
  for (const std::string& row : records.ignored) {
    ctx.err << ctx.program << ": warning: " << row << "; it is ignored\n";
  }
}

DatabaseRecords read_records(Context& ctx, const std::string& alias) {
  DatabaseRecords records = read_database_records(alias);
  warn_ignored(ctx, records);
  return records;
}

std::string operator_name() {
  std::string user;
  if (const passwd* entry = getpwuid(geteuid())) user = entry->pw_name;
  if (user.empty()) user = strings::cat("uid ", geteuid());
  return strings::cat(user, "@", massmigration::internal::host_name());
}

std::vector<std::string> selected_aliases(const std::optional<std::string>& only) {
  std::vector<std::string> aliases;
  for (const auto& [alias, url] : current_config().databases) aliases.push_back(alias);
  if (!only) return aliases;
  if (std::find(aliases.begin(), aliases.end(), *only) == aliases.end()) {
    throw UsageError(strings::cat("unknown database \"", *only,
                                  "\" (configured: ", absl::StrJoin(aliases, ", "), ")"));
  }
  return {*only};
}

std::vector<const Migration*> selected_migrations(const std::optional<std::string>& only) {
  std::vector<const Migration*> ordered = migrations_in_dependency_order();
  if (!only) return ordered;
  std::vector<const Migration*> selected;
  for (const Migration* m : ordered) {
    if (m->key().app_label() == *only) selected.push_back(m);
  }
  if (selected.empty()) {
    throw UsageError(strings::cat("app \"", *only, "\" has no registered migrations"));
  }
  return selected;
}

bool runs_on(const Migration& migration, const std::string& alias) {
  std::vector<std::string> aliases = api::migration_aliases(migration.key());
  return std::find(aliases.begin(), aliases.end(), alias) != aliases.end();
}

MigrationKey parse_key(const std::string& text) {
  try {
    MigrationKey key(text);
    get_migration(key);
    return key;
  } catch (const InvalidMigrationKey& e) {
    throw UsageError(e.what());
  } catch (const UnknownMigration& e) {
    throw UsageError(e.what());
  }
}

Target parse_target(const Args& parsed) {
  parsed.expect_positional({"KEY"});
  std::optional<std::string> alias = parsed.option("database");
  if (!alias) throw UsageError("missing --database");
  MigrationKey key = parse_key(parsed.positional()[0]);
  selected_aliases(alias);
  return {std::move(key), *alias};
}

std::string stopped_text(const MigrationRecord& record, const std::string& alias) {
  if (record.status() == MigrationStatus::kPaused) {
    return strings::cat("after ", record.rows_done, " rows (resume ", record.key.str(),
                        " --database ", alias, " continues it)");
  }
  return strings::cat(
      "after ", record.rows_done,
      " rows (final for that attempt; delete its record to run it afresh)",
      record.last_error.empty() ? "" : "; it failed meanwhile: ", record.last_error);
}

}  // namespace massmigration::cli::internal
