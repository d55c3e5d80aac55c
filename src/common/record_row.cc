#include "massmigration/record_row.h"

#include <charconv>
#include <cstdint>
#include <system_error>

#include "absl/strings/escaping.h"
#include "string_building.h"

namespace massmigration {
namespace {

// Reads one row's columns; the first problem throws InvalidRecord.
template <typename Text>
class RowReader {
 public:
  using Row = BasicStoredRecordRow<Text>;
  RowReader(const Row& row, std::string_view alias) : row_(row), alias_(alias) {}

  [[noreturn]] void invalid(std::string problem) const {
    throw InvalidRecord(std::string(alias_), std::string(row_.key), std::move(problem));
  }

  std::string_view required(const std::optional<Text>& value, std::string_view column) const {
    if (!value) invalid(strings::cat(column, " is NULL"));
    return *value;
  }

  bool boolean(const std::optional<Text>& value, std::string_view column) const {
    std::string_view text = required(value, column);
    if (text == "0") return false;
    if (text == "1") return true;
    invalid(strings::cat(column, " holds ", shown(text), ", not 0 or 1"));
  }

  Timestamp time(const std::optional<Text>& value, std::string_view column) const {
    std::string_view text = required(value, column);
    if (std::optional<Timestamp> parsed = parse_timestamp(text)) return *parsed;
    invalid(strings::cat(column, " holds ", shown(text),
                         ", not a time such as 2026-11-21T23:59:00.123456Z"));
  }

  std::int64_t count(const std::optional<Text>& value, std::string_view column) const {
    std::string_view text = required(value, column);
    std::int64_t n = 0;
    // Decimal digits, a minus at most, nothing around them.
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (error != std::errc() || end != text.data() + text.size()) {
      invalid(strings::cat(column, " holds ", shown(text), ", not a whole number"));
    }
    if (n < 0) invalid(strings::cat(column, " is negative (", n, ")"));
    return n;
  }

  MigrationStatus run_status(std::string_view text) const {
    for (MigrationStatus status :
         {MigrationStatus::kRunning, MigrationStatus::kPausing, MigrationStatus::kPaused,
          MigrationStatus::kCancelling, MigrationStatus::kCancelled}) {
      if (stored_run_status(status) == text) return status;
    }
    invalid(strings::cat("run_status holds ", shown(text),
                         ", not running, pausing, paused, cancelling or cancelled"));
  }

  MigrationKey key() const {
    std::string why;
    std::optional<MigrationKey> key = MigrationKey::try_parse(row_.key, &why);
    if (!key) invalid(strings::cat("the key is not a migration key (", why, ")"));
    if (required(row_.app_label, "app_label") != key->app_label() ||
        required(row_.name, "name") != key->migration_id()) {
      invalid(strings::cat("app_label ", shown(*row_.app_label), " and name ", shown(*row_.name),
                           " do not match the key"));
    }
    return *key;
  }

 private:
  static std::string shown(std::string_view text) {
    return strings::cat("\"", absl::CHexEscape(strings::piece(text)), "\"");
  }

  const Row& row_;
  std::string_view alias_;
};

// The combinations no massmigration write leaves behind.
template <typename Text>
void check_consistent(const RowReader<Text>& reader, const MigrationRecord& r) {
  if (r.is_applied && r.has_error) {
    reader.invalid("is_applied and has_error are both 1 (applied and failed at once)");
  }
  if (r.was_faked && !r.is_applied) reader.invalid("was_faked is 1 but is_applied is 0");
  if (r.applied_at.has_value() != r.is_applied) {
    reader.invalid(r.is_applied ? "is_applied is 1 but applied_at is NULL"
                                : "applied_at is set but is_applied is 0");
  }
  if (r.run_status != MigrationStatus::kRunning && (r.is_applied || r.has_error)) {
    reader.invalid(strings::cat("run_status is \"", stored_run_status(r.run_status),
                                "\" in a record that is ", r.is_applied ? "applied" : "errored"));
  }
  if (r.rows_done_at_start > r.rows_done) {
    reader.invalid(strings::cat("rows_done_at_start (", r.rows_done_at_start,
                                ") exceeds rows_done (", r.rows_done, ")"));
  }
  if (r.rows_total && r.rows_done > *r.rows_total) {
    reader.invalid(
        strings::cat("rows_done (", r.rows_done, ") exceeds rows_total (", *r.rows_total, ")"));
  }
}

}  // namespace

std::string_view stored_run_status(MigrationStatus status) {
  switch (status) {
    case MigrationStatus::kPausing:
      return "pausing";
    case MigrationStatus::kPaused:
      return "paused";
    case MigrationStatus::kCancelling:
      return "cancelling";
    case MigrationStatus::kCancelled:
      return "cancelled";
    default:
      return "running";
  }
}

MigrationStatus status_after_chunk(std::string_view run_status_before) {
  if (run_status_before == "pausing") return MigrationStatus::kPaused;
  if (run_status_before == "cancelling") return MigrationStatus::kCancelled;
  return MigrationStatus::kRunning;
}

namespace {

template <typename Text>
MigrationRecord read_row(const BasicStoredRecordRow<Text>& row, std::string_view alias) {
  const RowReader<Text> reader(row, alias);
  MigrationRecord r{.key = reader.key()};
  r.attempt_uuid = std::string(reader.required(row.attempt_uuid, "attempt_uuid"));
  if (r.attempt_uuid.empty()) reader.invalid("attempt_uuid is empty");
  r.initiated_at = reader.time(row.initiated_at, "initiated_at");
  r.is_applied = reader.boolean(row.is_applied, "is_applied");
  if (row.applied_at) r.applied_at = reader.time(row.applied_at, "applied_at");
  r.has_error = reader.boolean(row.has_error, "has_error");
  r.last_error = std::string(reader.required(row.last_error, "last_error"));
  r.was_faked = reader.boolean(row.was_faked, "was_faked");
  r.rows_done = reader.count(row.rows_done, "rows_done");
  if (row.rows_total) r.rows_total = reader.count(row.rows_total, "rows_total");
  if (row.checkpoint) r.checkpoint = std::string(*row.checkpoint);
  // Stores from before attempts kept it: progress is then measured from nothing.
  if (row.rows_done_at_start) {
    r.rows_done_at_start = reader.count(row.rows_done_at_start, "rows_done_at_start");
  }
  r.owner = std::string(reader.required(row.owner, "owner"));
  if (row.heartbeat_at) r.heartbeat_at = reader.time(row.heartbeat_at, "heartbeat_at");
  // A store that keeps no run control has none of these: a run never asked anything.
  if (row.run_status) r.run_status = reader.run_status(*row.run_status);
  if (row.tuned_chunk_size) {
    r.tuning.chunk_size = reader.count(row.tuned_chunk_size, "tuned_chunk_size");
    if (*r.tuning.chunk_size == 0) reader.invalid("tuned_chunk_size is 0");
  }
  if (row.tuned_pause_ms) r.tuning.pause_ms = reader.count(row.tuned_pause_ms, "tuned_pause_ms");
  if (row.attempt_started_at) {
    r.attempt_started_at = reader.time(row.attempt_started_at, "attempt_started_at");
  }
  if (row.read_at) r.read_at = reader.time(row.read_at, "the database's clock");
  check_consistent(reader, r);
  return r;
}

}  // namespace

MigrationRecord read_stored_record(const StoredRecordRow& row, std::string_view alias) {
  return read_row(row, alias);
}

MigrationRecord read_stored_view(const StoredRecordView& row, std::string_view alias) {
  return read_row(row, alias);
}

}  // namespace massmigration
