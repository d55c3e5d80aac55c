// Every migration on every database at one glance: what `showmigrations`, its JSON and the web
// console show, for programs that show it their own way.
//
//   mm::StatusReport report = mm::status_report();
//   for (size_t m = 0; m < report.migrations.size(); ++m)
//     for (size_t d = 0; d < report.databases.size(); ++d)
//       std::cout << report.migrations[m]->key().str() << " on "
//                 << report.databases[d].alias << ": " << report.cells[m][d] << "\n";
//
// A database that cannot be read does not stop the report: its cells say UNKNOWN and its
// `error` says why.
//
// Thread safety: all functions may be called concurrently.
#ifndef MASSMIGRATION_STATUS_H_
#define MASSMIGRATION_STATUS_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/migration.h"
#include "massmigration/record.h"

namespace massmigration {

// The records of one database, as registered migrations see them.
struct DatabaseRecords {
  std::string alias;
  // Records of registered migrations, by key ("app:id").
  std::map<std::string, MigrationRecord> by_key;
  // Registered migrations whose row is not a valid record: key -> what is wrong with it.
  std::map<std::string, std::string> invalid;
  // Rows no registered migration has (a foreign key, or a migration removed from the
  // program): what each is. They change nothing else.
  std::vector<std::string> ignored;
  // Why the database could not be read; then nothing above is filled in.
  std::optional<std::string> error;
  std::chrono::milliseconds lease{};  // the configured run lease, which tells STALLED

  // The status shown: NOT_RUN without a record, STALLED for a run silent past the lease,
  // UNKNOWN for an invalid row or an unreadable database.
  MigrationStatus status(const MigrationKey& key) const;
  // The record of `key`, or nullptr.
  const MigrationRecord* record(const MigrationKey& key) const;
};

// Reads the records of `alias`. Throws UnknownDatabaseAlias; a database that cannot answer is
// reported in `error`, not thrown.
DatabaseRecords read_database_records(std::string_view alias);

// Cell text for a migration that may not run on a database.
inline constexpr std::string_view kNotAllowed = "NOT_ALLOWED";

struct StatusReport {
  std::vector<const Migration*> migrations;  // the rows
  std::vector<DatabaseRecords> databases;    // the columns
  // [migration][database]: a status name (to_string(MigrationStatus)), or NOT_ALLOWED.
  std::vector<std::vector<std::string>> cells;
  // Some cell is UNKNOWN: a database could not be read or a row is not a valid record.
  bool unreadable = false;
};

// The status of `migrations` on `aliases` (both in the order given): each database is read
// once. Throws UnknownDatabaseAlias.
StatusReport status_report(std::vector<const Migration*> migrations,
                           std::vector<std::string> aliases);
// Every registered migration (dependencies first) on every configured database.
StatusReport status_report();

// The report as `showmigrations --format json` prints it: an array of {"key", "app", "name",
// "databases": {alias: status}, "progress" (mappers): {alias: {"done", "total"}}, "details":
// {alias: {"attempt_uuid", "owner", "initiated_at", "heartbeat_at", "applied_at",
// "last_error", "eta_seconds"}}, "errors": {alias: last_error} (where ERRORED)}, with
// "progress" and "details" only for databases where it has a record. Ends with a newline.
std::string status_json(const StatusReport& report);

// Every registered migration, each after its dependencies; ties, and migrations in a
// dependency cycle (listed last), by key.
std::vector<const Migration*> migrations_in_dependency_order();

}  // namespace massmigration

#endif  // MASSMIGRATION_STATUS_H_
