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

// kUnknown: the record could not be read, or its row is invalid; guards refuse. A
// MigrationRecord itself is never UNKNOWN: stores refuse to make one of an invalid row.
enum class MigrationStatus { kNotRun, kRunning, kApplied, kErrored, kUnknown };

// "NOT_RUN", "RUNNING", "APPLIED", "ERRORED", "UNKNOWN".
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

  const std::string& app_label() const { return key.app_label(); }
  const std::string& name() const { return key.migration_id(); }
  MigrationStatus status() const {
    if (is_applied) return MigrationStatus::kApplied;
    if (has_error) return MigrationStatus::kErrored;
    return MigrationStatus::kRunning;
  }
  friend bool operator==(const MigrationRecord&, const MigrationRecord&) = default;
};

// "2026-11-21T23:59:00.123456Z" (UTC, microseconds): how records store and print times.
std::string format_timestamp(Timestamp time);
// The inverse of format_timestamp for the years 0000-9999; nullopt for any other text.
std::optional<Timestamp> parse_timestamp(std::string_view text);

// A random version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string new_attempt_uuid();

}  // namespace massmigration

#endif  // MASSMIGRATION_RECORD_H_
