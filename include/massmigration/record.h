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

// kStalled: the record says RUNNING, but its run has not shown it is alive for longer than the
// lease (its process died or hangs); MigrationRecord::shown_status() tells it, status() never.
// kUnknown: the record could not be read, or its row is invalid; guards refuse. A
// MigrationRecord itself is never UNKNOWN: stores refuse to make one of an invalid row.
enum class MigrationStatus { kNotRun, kRunning, kStalled, kApplied, kErrored, kUnknown };

// "NOT_RUN", "RUNNING", "STALLED", "APPLIED", "ERRORED", "UNKNOWN".
std::string_view to_string(MigrationStatus status);

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
  bool was_faked = false;
  // Progress of mapper migrations; zero and empty for the other types.
  std::int64_t rows_done = 0;
  std::optional<std::int64_t> rows_total{};
  std::optional<std::string> checkpoint{};  // last primary key committed
  // Who runs it, e.g. "host shop-1 pid 4242": written when a run starts or resumes; empty in
  // faked records and in those written before runs had owners.
  std::string owner{};
  // When its run last showed it was alive, by the database's clock: written when it starts or
  // resumes, with every chunk, and by a heartbeat at least every lease / 3 while it runs.
  std::optional<Timestamp> heartbeat_at{};
  // Not stored: the database's clock when the record was read (nullopt for a record that was
  // not read from a database). With heartbeat_at it tells a stalled run by one clock alone.
  std::optional<Timestamp> read_at{};

  const std::string& app_label() const { return key.app_label(); }
  const std::string& name() const { return key.migration_id(); }
  // The stored status: APPLIED, ERRORED or RUNNING.
  MigrationStatus status() const {
    if (is_applied) return MigrationStatus::kApplied;
    if (has_error) return MigrationStatus::kErrored;
    return MigrationStatus::kRunning;
  }
  // RUNNING, but silent for longer than `lease` when it was read: its last heartbeat (or, in
  // a record without one, its start) is older than that by the database's clock. False for a
  // record that was not read from a database.
  bool is_stalled(std::chrono::milliseconds lease) const;
  // status(), or kStalled when is_stalled(lease).
  MigrationStatus shown_status(std::chrono::milliseconds lease) const {
    return is_stalled(lease) ? MigrationStatus::kStalled : status();
  }
  // Equal when every stored field is: read_at tells when a record was read, not what it holds.
  friend bool operator==(const MigrationRecord& a, const MigrationRecord& b);
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
