// Launch and record APIs for one migration on one alias. Every function validates first and
// changes nothing on bad input: UnknownMigration for an unregistered key, UnknownDatabaseAlias
// for an alias that is not configured, RecordStoreError when the database cannot answer.
//
// Record status moves only along these transitions (anything else is refused):
//   NOT_RUN -start-> RUNNING -finish-> APPLIED      NOT_RUN/ERRORED/CANCELLED -fake-> APPLIED
//                    RUNNING -fail--> ERRORED       APPLIED/ERRORED/CANCELLED -delete-> NOT_RUN
//   RUNNING -pause-> PAUSING -(its next chunk)-> PAUSED -resume-> RUNNING (a new attempt)
//   RUNNING/PAUSING -cancel-> CANCELLING -(its next chunk)-> CANCELLED; PAUSED -cancel-> CANCELLED
//   STALLED/ERRORED -resume-> RUNNING (a new attempt); STALLED -pause/cancel-> PAUSED/CANCELLED
//   (fake on APPLIED changes nothing; deleting a record whose run may go on needs `force`)
//
// Every run records its owner (host and pid) and writes a heartbeat by the database's clock at
// least every lease / 3 (Config::run_lease, [runs] lease_seconds). A live record (RUNNING,
// PAUSING, CANCELLING) whose heartbeat is older than the lease shows STALLED: its process died
// or hangs. Every launch, resume, pause, cancel, tune, fake, delete, finish and failure is
// written to the audit trail of the database it concerns (migration_history).
//
// A row that is not a valid record makes that migration's status UNKNOWN there: functions that
// read it throw InvalidRecord (a RecordStoreError) naming the row and what is wrong with it.
//
// Thread safety: all functions may be called concurrently.
#ifndef MASSMIGRATION_API_H_
#define MASSMIGRATION_API_H_

#include <chrono>
#include <functional>
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
  // Who launches it, for the audit trail (a console user); empty: the run's owner.
  std::string actor{};
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

// Launching the migration queues it for worker processes (see run_worker) rather than running
// it: its backend (its own, else the configured default) keeps runs in their database, as
// `workers` does. Throws UnknownMigration.
bool queues_for_workers(const MigrationKey& key);
// A record exists (any status but NOT_RUN).
bool migration_was_started(const MigrationKey& key, std::string_view alias);
// A live run: RUNNING, PAUSING or CANCELLING, with a heartbeat within the lease.
bool migration_is_in_progress(const MigrationKey& key, std::string_view alias);
// What the record shows: NOT_RUN, RUNNING, STALLED, PAUSING, PAUSED, CANCELLING, CANCELLED,
// APPLIED or ERRORED. Throws InvalidRecord for a row that is not a valid record (UNKNOWN).
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

// Who asks for a fake, pause, cancel or tune, for the audit trail.
struct ControlOptions {
  // A console user, say; empty: this process, "host H pid N".
  std::string actor{};
};

// Marks the migration applied without running it (was_faked = true). Throws CannotRunOnDB
// when the migration may not run on `alias`, MigrationAlreadyStarted while it is RUNNING;
// an APPLIED record is left as it is. Guards in this process see it applied at once.
void fake_migration(const MigrationKey& key, std::string_view alias,
                    const ControlOptions& options = {});

struct DeleteOptions {
  // Deletes a RUNNING or invalid record too. A run still going on is not stopped by this: a
  // fresh run would redo its work. For a run known to be dead that cannot be resumed.
  bool force = false;
  // Who deletes it, for the audit trail (a console user); empty: this process.
  std::string actor{};
};

// Deletes the record so the migration can run again; true when there was one. Refuses, and
// changes nothing, unless options.force: MigrationIsRunning for a RUNNING or STALLED record
// (its message says who runs which attempt, when it was last seen, and to wait for a live run
// or resume a stalled one);
// InvalidRecord for a row that is not a valid record. A forced delete of such a record is
// logged as a warning. Guards in this process forget their positive answers (the cache is
// reset).
bool delete_record(const MigrationKey& key, std::string_view alias, DeleteOptions options = {});

// Run control. Each changes only the run's status and tuning in its record, so a chunk
// committing meanwhile loses nothing, and writes its event by options.actor. A live run reads
// the change when its current chunk commits, in whichever process or machine runs it.

// Asks the run to stop after its current chunk and record PAUSED (resume continues it from its
// checkpoint). Returns the status after: PAUSING while the run finishes its chunk, PAUSED when
// it had stalled (nobody could) or was paused already. Throws ActionNotAllowed from any other
// status (NOT_RUN, APPLIED, ERRORED, CANCELLING, CANCELLED). A simple or custom migration is
// one chunk: asked to pause, it ends APPLIED or ERRORED as it would have.
MigrationStatus pause_migration(const MigrationKey& key, std::string_view alias,
                                const ControlOptions& options = {});
// Asks the run to stop after its current chunk and record CANCELLED: final for that attempt
// (delete its record to run the migration afresh). Returns CANCELLING, or CANCELLED when it
// was paused or stalled. Throws ActionNotAllowed from NOT_RUN, APPLIED and ERRORED.
MigrationStatus cancel_migration(const MigrationKey& key, std::string_view alias,
                                 const ControlOptions& options = {});
// Changes a running, paused or stalled mapper's chunk size or pause between chunks from its
// next chunk on (a resumed run keeps them); values not given stay as they are. Throws
// std::invalid_argument for a chunk size below 1 or a negative pause, ActionNotAllowed from
// other statuses. Returns the status.
MigrationStatus tune_migration(const MigrationKey& key, std::string_view alias,
                               const RunTuning& tuning, const ControlOptions& options = {});

struct FinishOptions {
  // How long to wait for a run elsewhere to end; unset waits as long as it takes. A run this
  // call does itself (inline) is not cut short.
  std::optional<std::chrono::milliseconds> timeout{};
  // Called with the record while waiting for a run elsewhere, about every second.
  std::function<void(const MigrationRecord&)> on_wait{};
  // Who asks, for the audit trail of a launch or resume it makes; empty: the run's owner.
  std::string actor{};
};

// Makes sure the migration ends APPLIED on `alias`, for a deploy step: runs it inline when not
// run, waits for a live run elsewhere, resumes a stalled, paused or errored one. Returns when it
// is applied. Throws what launching throws, MigrationError naming the status and its
// last_error when a run it started or waited for ended otherwise, ActionNotAllowed for a
// cancelled one, and MigrationError when the timeout passed first.
void finish_migration(const MigrationKey& key, std::string_view alias,
                      const FinishOptions& options = {});

struct WorkerOptions {
  std::vector<std::string> aliases{};  // the databases it claims chunks from; empty: all
  // Return once no chunk is left that it could ever claim: none open of a live run (chunks
  // leased by other workers count until they are done or their runs stop).
  bool once = false;
  std::string name{};  // recorded as the chunks' claimant and the events' actor; empty: owner
};

// A worker of the `workers` backend: claims chunks of queued runs on the databases and runs
// each in one transaction with its done mark and its run's progress, until stop_local_runs()
// (SIGTERM or SIGINT in the command line: it finishes its chunk first) or, with `once`, the
// work is out. Returns how many chunks it committed. A chunk whose work fails goes back to the
// queue; its third failure marks its run ERRORED. Throws UnknownDatabaseAlias for an unknown
// alias, and ConfigError for one whose driver runs no SQL (DatabaseDriver::runs_sql); without
// aliases it takes every database whose driver does, and throws ConfigError when none does.
std::int64_t run_worker(const WorkerOptions& options = {});

// The audit trail of the migration on `alias`, oldest first.
std::vector<MigrationEvent> migration_history(const MigrationKey& key, std::string_view alias);

// For a graceful shutdown: every run in this process stops after its current chunk and
// records PAUSED (CANCELLED when it was being cancelled), from now until the process exits;
// resume continues them anywhere. The command line calls it on SIGTERM and SIGINT, and then
// launches nothing more.
void stop_local_runs();
// stop_local_runs() was called.
bool local_runs_stopped();

}  // namespace massmigration::api

#endif  // MASSMIGRATION_API_H_
