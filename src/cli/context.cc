#include "context.h"

#include <algorithm>
#include <queue>
#include <set>

#include "absl/strings/str_join.h"
#include "massmigration/api.h"
#include "massmigration/config.h"
#include "massmigration/errors.h"
#include "massmigration/registry.h"
#include "string_building.h"

namespace massmigration::cli::internal {

MigrationStatus AliasRecords::status(const MigrationKey& key) const {
  if (invalid.contains(key.str())) return MigrationStatus::kUnknown;
  auto it = by_key.find(key.str());
  return it == by_key.end() ? MigrationStatus::kNotRun : it->second.shown_status(lease);
}

AliasRecords read_records(Context& ctx, const std::string& alias) {
  AliasRecords records;
  records.lease = current_config().run_lease;
  RecordListing listing;
  try {
    listing = api::list_records(alias);
  } catch (const std::exception& e) {
    records.error = e.what();
    return records;
  }
  const std::string warning = strings::cat(ctx.program, ": warning: ");
  for (MigrationRecord& record : listing.records) {
    std::string key = record.key.str();
    if (!find_migration(record.key)) {
      ctx.err << warning << "database " << alias << " has a record for " << key
              << ", which is not a registered migration; it is ignored\n";
      continue;
    }
    records.by_key.emplace(std::move(key), std::move(record));
  }
  for (const InvalidRecord& row : listing.invalid) {
    std::optional<MigrationKey> key = MigrationKey::try_parse(row.stored_key());
    if (!key || !find_migration(*key)) {
      ctx.err << warning << row.what() << "; no registered migration has that key, so it is "
              << "ignored\n";
      continue;
    }
    records.invalid.emplace(key->str(), row.what());
  }
  return records;
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
  std::vector<const Migration*> all = get_all_migrations();
  // Kahn's algorithm; the ready set is ordered by key so the order is stable.
  std::map<MigrationKey, const Migration*> by_key;
  for (const Migration* m : all) by_key.emplace(m->key(), m);
  std::map<MigrationKey, int> waiting_on;
  std::map<MigrationKey, std::vector<MigrationKey>> dependents;
  for (const Migration* m : all) {
    int count = 0;
    for (const MigrationKey& dependency : m->dependencies()) {
      if (!by_key.contains(dependency)) continue;  // check reports it; launch refuses it
      ++count;
      dependents[dependency].push_back(m->key());
    }
    waiting_on[m->key()] = count;
  }
  std::set<MigrationKey> ready;
  for (const auto& [key, count] : waiting_on) {
    if (count == 0) ready.insert(key);
  }
  std::vector<const Migration*> ordered;
  while (!ready.empty()) {
    MigrationKey key = *ready.begin();
    ready.erase(ready.begin());
    ordered.push_back(by_key.at(key));
    for (const MigrationKey& dependent : dependents[key]) {
      if (--waiting_on[dependent] == 0) ready.insert(dependent);
    }
  }
  // Migrations in a dependency cycle never become ready; list them last so they show up.
  for (const Migration* m : all) {
    if (std::find(ordered.begin(), ordered.end(), m) == ordered.end()) ordered.push_back(m);
  }
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
