// The status report: showmigrations' grid, shared by the command line and the web console.
#include "massmigration/status.h"

#include <algorithm>
#include <set>

#include "json_text.h"
#include "massmigration/api.h"
#include "massmigration/config.h"
#include "massmigration/registry.h"
#include "string_building.h"

namespace massmigration {

using internal::json_string;

MigrationStatus DatabaseRecords::status(const MigrationKey& key) const {
  if (error || invalid.contains(key.str())) return MigrationStatus::kUnknown;
  auto it = by_key.find(key.str());
  return it == by_key.end() ? MigrationStatus::kNotRun : it->second.shown_status(lease);
}

const MigrationRecord* DatabaseRecords::record(const MigrationKey& key) const {
  auto it = by_key.find(key.str());
  return it == by_key.end() ? nullptr : &it->second;
}

DatabaseRecords read_database_records(std::string_view alias) {
  DatabaseRecords records;
  records.alias = std::string(alias);
  records.lease = current_config().run_lease;
  RecordListing listing;
  try {
    listing = api::list_records(alias);
  } catch (const UnknownDatabaseAlias&) {
    throw;
  } catch (const std::exception& e) {
    records.error = e.what();
    return records;
  }
  for (MigrationRecord& record : listing.records) {
    std::string key = record.key.str();
    if (!find_migration(record.key)) {
      records.ignored.push_back(strings::cat("database ", alias, " has a record for ", key,
                                             ", which is not a registered migration"));
      continue;
    }
    records.by_key.emplace(std::move(key), std::move(record));
  }
  for (const InvalidRecord& row : listing.invalid) {
    std::optional<MigrationKey> key = MigrationKey::try_parse(row.stored_key());
    if (!key || !find_migration(*key)) {
      records.ignored.push_back(strings::cat(row.what(), "; no registered migration has that key"));
      continue;
    }
    records.invalid.emplace(key->str(), row.what());
  }
  return records;
}

StatusReport status_report(std::vector<const Migration*> migrations,
                           std::vector<std::string> aliases) {
  StatusReport report;
  report.migrations = std::move(migrations);
  for (const std::string& alias : aliases) {
    report.databases.push_back(read_database_records(alias));
    report.unreadable |= report.databases.back().error.has_value();
  }
  for (const Migration* m : report.migrations) {
    const std::vector<std::string> allowed = api::migration_aliases(m->key());
    std::vector<std::string>& row = report.cells.emplace_back();
    for (const DatabaseRecords& database : report.databases) {
      if (std::find(allowed.begin(), allowed.end(), database.alias) == allowed.end()) {
        row.emplace_back(kNotAllowed);
        continue;
      }
      const MigrationStatus status = database.status(m->key());
      report.unreadable |= status == MigrationStatus::kUnknown;
      row.emplace_back(to_string(status));
    }
  }
  return report;
}

StatusReport status_report() {
  std::vector<std::string> aliases;
  for (const auto& [alias, url] : current_config().databases) aliases.push_back(alias);
  return status_report(migrations_in_dependency_order(), std::move(aliases));
}

namespace {

std::string json_time(const std::optional<Timestamp>& time) {
  return time ? json_string(format_timestamp(*time)) : "null";
}

// `, "NAME": {"alias": VALUE, ...}` over the databases where migration `m` has a record, each
// VALUE written by `value(record, lease)`. With no such database: `, "NAME": {}` when `always`,
// else nothing.
template <typename Fn>
void append_by_alias(std::string& out, const StatusReport& report, size_t m, std::string_view name,
                     bool always, Fn value) {
  bool first = true;
  for (const DatabaseRecords& database : report.databases) {
    const MigrationRecord* record = database.record(report.migrations[m]->key());
    if (!record) continue;
    strings::append(out, first ? strings::cat(", \"", name, "\": {") : std::string(", "),
                    json_string(database.alias), ": ", value(*record, database.lease));
    first = false;
  }
  if (!first) {
    out += "}";
  } else if (always) {
    strings::append(out, ", \"", name, "\": {}");
  }
}

std::string json_details(const MigrationRecord& r, std::chrono::milliseconds lease) {
  const std::optional<std::chrono::seconds> left = r.time_left(lease);
  return strings::cat("{\"attempt_uuid\": ", json_string(r.attempt_uuid),
                      ", \"owner\": ", json_string(r.owner),
                      ", \"initiated_at\": ", json_time(r.initiated_at),
                      ", \"heartbeat_at\": ", json_time(r.heartbeat_at),
                      ", \"applied_at\": ", json_time(r.applied_at),
                      ", \"last_error\": ", json_string(r.last_error),
                      ", \"eta_seconds\": ", left ? std::to_string(left->count()) : "null", "}");
}

std::string json_progress(const MigrationRecord& r, std::chrono::milliseconds) {
  return strings::cat("{\"done\": ", r.rows_done,
                      ", \"total\": ", r.rows_total ? std::to_string(*r.rows_total) : "null", "}");
}

// `, "errors": {"alias": "last_error", ...}` for the databases where migration `m` is
// ERRORED; nothing when it is nowhere.
void append_errors(std::string& out, const StatusReport& report, size_t m) {
  bool first = true;
  for (size_t d = 0; d < report.databases.size(); ++d) {
    if (report.cells[m][d] != to_string(MigrationStatus::kErrored)) continue;
    const MigrationRecord* record = report.databases[d].record(report.migrations[m]->key());
    strings::append(out, first ? ", \"errors\": {" : ", ", json_string(report.databases[d].alias),
                    ": ", json_string(record->last_error));
    first = false;
  }
  if (!first) out += "}";
}

}  // namespace

std::string status_json(const StatusReport& report) {
  std::string out = "[";
  for (size_t m = 0; m < report.migrations.size(); ++m) {
    const MigrationKey& key = report.migrations[m]->key();
    strings::append(out, m == 0 ? "\n  " : ",\n  ", "{\"key\": ", json_string(key.str()),
                    ", \"app\": ", json_string(key.app_label()),
                    ", \"name\": ", json_string(key.migration_id()), ", \"databases\": {");
    for (size_t d = 0; d < report.databases.size(); ++d) {
      strings::append(out, d == 0 ? "" : ", ", json_string(report.databases[d].alias), ": ",
                      json_string(report.cells[m][d]));
    }
    out += "}";
    if (report.migrations[m]->type() == MigrationType::kMapper) {
      append_by_alias(out, report, m, "progress", true, json_progress);
    }
    append_by_alias(out, report, m, "details", false, json_details);
    append_errors(out, report, m);
    out += "}";
  }
  out += report.migrations.empty() ? "]\n" : "\n]\n";
  return out;
}

std::vector<const Migration*> migrations_in_dependency_order() {
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
  return ordered;
}

}  // namespace massmigration
