// The migration record: one row per (migration, database alias), kept in table
// `massmigration_record` of that alias's own database. No row means NOT_RUN.
#ifndef MASSMIGRATION_RECORD_H_
#define MASSMIGRATION_RECORD_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "massmigration/key.h"

namespace massmigration {

// kStalled: the record says RUNNING (or PAUSING, CANCELLING), but its run has not shown it is
// alive for longer than the lease (its process died or hangs); MigrationRecord::shown_status()
// tells it, status() never.
// kPausing, kCancelling: the run was asked to stop after its current chunk; kPaused and
// kCancelled once it did (or at once, when it had stalled). A paused run resumes from its
// checkpoint; a cancelled attempt is over, and deleting its record allows a fresh run.
// kUnknown: the record could not be read, or its row is invalid; guards refuse. A
// MigrationRecord itself is never UNKNOWN: stores refuse to make one of an invalid row.
enum class MigrationStatus {
  kNotRun,
  kRunning,
  kStalled,
  kPausing,
  kPaused,
  kCancelling,
  kCancelled,
  kApplied,
  kErrored,
  kUnknown
};

// "NOT_RUN", "RUNNING", "STALLED", "PAUSING", "PAUSED", "CANCELLING", "CANCELLED", "APPLIED",
// "ERRORED", "UNKNOWN".
std::string_view to_string(MigrationStatus status);
// The inverse of to_string; nullopt for any other text.
std::optional<MigrationStatus> parse_status(std::string_view text);

// A run's settings changed while it runs (`manage tune`), read before each chunk; unset ones
// keep what the migration and configuration say.
struct RunTuning {
  std::optional<std::int64_t> chunk_size{};  // rows per chunk, > 0
  std::optional<std::int64_t> pause_ms{};    // wait between chunks, >= 0
  friend bool operator==(const RunTuning&, const RunTuning&) = default;
};

using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

// The current time at the precision records keep.
Timestamp now_timestamp();

struct MigrationRecord {
  MigrationKey key;
  std::string attempt_uuid{};  // fresh for every start; stale work compares it
  Timestamp initiated_at{};
  bool is_applied = false;
  std::optional<Timestamp> applied_at{};
  bool has_error = false;
  std::string last_error{};  // "ExceptionType: message" when has_error
  // In a record neither applied nor errored: RUNNING, or what the run was asked to do and
  // did (PAUSING, PAUSED, CANCELLING, CANCELLED). kRunning in any other record.
  MigrationStatus run_status = MigrationStatus::kRunning;
  RunTuning tuning{};
  bool was_faked = false;
  // Progress of mapper migrations; zero and empty for the other types.
  std::int64_t rows_done = 0;
  std::optional<std::int64_t> rows_total{};
  std::optional<std::string> checkpoint{};  // last primary key committed
  // rows_done when this attempt started: 0 for a first run, what earlier attempts did for a
  // resumed one. This attempt's own rate of progress is measured from it.
  std::int64_t rows_done_at_start = 0;
  // Who runs it, e.g. "host shop-1 pid 4242": written when a run starts or resumes; empty in
  // faked records and in those written before runs had owners.
  std::string owner{};
  // When its run last showed it was alive, by the database's clock: written when it starts or
  // resumes, with every chunk, and by a heartbeat at least every lease / 3 while it runs.
  std::optional<Timestamp> heartbeat_at{};
  // When this attempt started (launched or resumed), by the database's clock: written by the
  // store with the attempt's first write, like heartbeat_at; nullopt in faked records and in
  // those written before it was kept.
  std::optional<Timestamp> attempt_started_at{};
  // Not stored: the database's clock when the record was read (nullopt for a record that was
  // not read from a database). With heartbeat_at it tells a stalled run by one clock alone.
  std::optional<Timestamp> read_at{};

  const std::string& app_label() const { return key.app_label(); }
  const std::string& name() const { return key.migration_id(); }
  // The stored status: APPLIED, ERRORED, else run_status.
  MigrationStatus status() const {
    if (is_applied) return MigrationStatus::kApplied;
    if (has_error) return MigrationStatus::kErrored;
    return run_status;
  }
  // Its run should be working on it (RUNNING, PAUSING or CANCELLING).
  bool is_live() const {
    const MigrationStatus s = status();
    return s == MigrationStatus::kRunning || s == MigrationStatus::kPausing ||
           s == MigrationStatus::kCancelling;
  }
  // Live, but silent for longer than `lease` when it was read: its last heartbeat (or, in a
  // record without one, its start) is older than that by the database's clock. False for a
  // record that was not read from a database.
  bool is_stalled(std::chrono::milliseconds lease) const;
  // status(), or kStalled when is_stalled(lease).
  MigrationStatus shown_status(std::chrono::milliseconds lease) const {
    return is_stalled(lease) ? MigrationStatus::kStalled : status();
  }
  // How long a live run should still take, at the rate this attempt has made progress from
  // its start (attempt_started_at, else initiated_at) to its last heartbeat: an estimate that
  // assumes the rows left go as fast as those done. Nullopt when it is not live or is stalled (see
  // is_stalled), has no total, or has done no row yet.
  std::optional<std::chrono::seconds> time_left(std::chrono::milliseconds lease) const;
  // Equal when every stored field is: read_at tells when a record was read, not what it holds.
  friend bool operator==(const MigrationRecord& a, const MigrationRecord& b);
};

// One entry of a migration's audit trail, kept in table `massmigration_event` of the database
// it concerns: every launch, pause, resume, cancel, tune, fake, delete, finish and failure.
struct MigrationEvent {
  MigrationKey key;
  std::string alias{};
  std::string attempt_uuid{};  // the attempt it concerns; empty when there was none
  // "launch", "resume", "pause", "paused", "cancel", "cancelled", "tune", "fake", "delete",
  // "finish" (applied) or "fail".
  std::string action{};
  std::string actor{};   // who did it: a run's owner, this_process_owner(), a console user
  Timestamp at{};        // by the database's clock, written by the store
  std::string detail{};  // what else it says: the error of a failure, the tuning
  friend bool operator==(const MigrationEvent&, const MigrationEvent&) = default;
};

// The owner this process writes into the records of the runs it starts or resumes:
// "host <hostname> pid <pid>".
std::string this_process_owner();

// "2026-11-21T23:59:00.123456Z" (UTC, microseconds): how records store and print times.
std::string format_timestamp(Timestamp time);
// The inverse of format_timestamp for the years 0000-9999; nullopt for any other text.
std::optional<Timestamp> parse_timestamp(std::string_view text);

// A random version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string new_attempt_uuid();

}  // namespace massmigration

#endif  // MASSMIGRATION_RECORD_H_
