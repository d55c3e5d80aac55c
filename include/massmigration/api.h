// Launch and record APIs for one migration on one alias. Every function validates first and
// changes nothing on bad input: UnknownMigration for an unregistered key, UnknownDatabaseAlias
// for an alias that is not configured, RecordStoreError when the database cannot answer.
//
// Record status moves only along these transitions (anything else is refused):
//   NOT_RUN -start-> RUNNING -finish-> APPLIED      NOT_RUN/ERRORED -fake-> APPLIED
//                    RUNNING -fail--> ERRORED       APPLIED/ERRORED -delete-> NOT_RUN
//   STALLED/ERRORED -resume-> RUNNING (a new attempt)
//   (fake on APPLIED changes nothing; deleting a RUNNING or STALLED record needs `force`)
//
// Every run records its owner (host and pid) and writes a heartbeat by the database's clock at
// least every lease / 3 (Config::run_lease, [runs] lease_seconds). A RUNNING record whose
// heartbeat is older than the lease shows STALLED: its process died or hangs.
//
// A row that is not a valid record makes that migration's status UNKNOWN there: functions that
// read it throw InvalidRecord (a RecordStoreError) naming the row and what is wrong with it.
//
// Thread safety: all functions may be called concurrently.
#ifndef MASSMIGRATION_API_H_
#define MASSMIGRATION_API_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/key.h"
#include "massmigration/record.h"
#include "massmigration/record_row.h"

namespace massmigration::api {

struct LaunchOptions {
  // The backend to run on instead of the migration's own or the configured default. A custom
  // migration keeps its own, which alone has its method. "inline" runs the migration before
  // the launch returns, as the command line does.
  std::optional<std::string> backend;
};

// Launches the migration on `alias` and returns the new attempt's UUID. In order:
// CannotRunOnDB when the migration may not run there; DependentMigrationNotApplied when a
// dependency is not applied there (or is not registered); MigrationAlreadyStarted when it has
// a record (of any number of concurrent launches, exactly one creates it); BackendError when
// its backend is unknown or lacks its custom method, ConfigError when a mapper's query or
// backend_params are malformed. Then the record says RUNNING and the backend runs it: with
// "inline", before this returns. An ERRORED mapper is resumed instead (resume_migration).
std::string initiate_migration(const MigrationKey& key, std::string_view alias,
                               const LaunchOptions& options = {});

// A new attempt of a run that failed (ERRORED) or stalled (STALLED: its process died or
// hangs), owned by this process; returns the new attempt's UUID. A mapper continues after its
// last committed chunk; other types run again from the start. Should a stalled run wake, it
// commits nothing more: its next chunk (or its final commit) finds its attempt replaced and
// rolls back. initiate_migration resumes an ERRORED mapper by itself. Throws MigrationError
// when there is no record to resume, MigrationAlreadyStarted when it is applied or running
// (its message names the owner and when it was last seen); the launch checks otherwise as
// initiate_migration.
std::string resume_migration(const MigrationKey& key, std::string_view alias,
                             const LaunchOptions& options = {});

// A record exists (RUNNING, STALLED, APPLIED or ERRORED).
bool migration_was_started(const MigrationKey& key, std::string_view alias);
// A live run: the record says RUNNING and its heartbeat is within the lease.
bool migration_is_in_progress(const MigrationKey& key, std::string_view alias);
// What the record shows: NOT_RUN, RUNNING, STALLED, APPLIED or ERRORED. Throws InvalidRecord
// for a row that is not a valid record (UNKNOWN).
MigrationStatus migration_status(const MigrationKey& key, std::string_view alias);
// initiate_migration would launch it: allowed there, dependencies applied, not started.
bool can_start_migration(const MigrationKey& key, std::string_view alias);

// The record, or nullopt when the migration has not been run there (NOT_RUN).
std::optional<MigrationRecord> get_record(const MigrationKey& key, std::string_view alias);

// Every record on `alias`, with the rows that are not valid records apart (one bad row hides
// nothing else). Records of keys no migration is registered under are included.
RecordListing list_records(std::string_view alias);

// Where the migration may run: its allowed_db_aliases (or every configured alias) narrowed by
// routing, in configuration order. Throws UnknownMigration, and MigrationError when
// configure() was never called.
std::vector<std::string> migration_aliases(const MigrationKey& key);

// Marks the migration applied without running it (was_faked = true). Throws CannotRunOnDB
// when the migration may not run on `alias`, MigrationAlreadyStarted while it is RUNNING;
// an APPLIED record is left as it is.
void fake_migration(const MigrationKey& key, std::string_view alias);

struct DeleteOptions {
  // Deletes a RUNNING or invalid record too. A run still going on is not stopped by this: a
  // fresh run would redo its work. For a run known to be dead that cannot be resumed.
  bool force = false;
};

// Deletes the record so the migration can run again; true when there was one. Refuses, and
// changes nothing, unless options.force: MigrationIsRunning for a RUNNING or STALLED record
// (its message says who runs which attempt, when it was last seen, and to wait for a live run
// or resume a stalled one);
// InvalidRecord for a row that is not a valid record. A forced delete of such a record is
// logged as a warning. Guards in this process forget their positive answers (the cache is
// reset).
bool delete_record(const MigrationKey& key, std::string_view alias, DeleteOptions options = {});

}  // namespace massmigration::api

#endif  // MASSMIGRATION_API_H_
