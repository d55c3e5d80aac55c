// For record store implementers: a massmigration_record row as the database returned it, and
// the one reading of it every store shares, so that an invalid row (written by hand, by an
// older program, or by a table without the CHECK constraints) is refused the same way on
// every engine instead of being guessed at.
#ifndef MASSMIGRATION_RECORD_ROW_H_
#define MASSMIGRATION_RECORD_ROW_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "massmigration/errors.h"
#include "massmigration/record.h"

namespace massmigration {

// Every column as text, NULL as nullopt: booleans as "0" or "1", times as format_timestamp
// writes them, counts in decimal. A store converts nothing else: the value that is wrong
// shows in the error as it was stored. `Text` is std::string (StoredRecordRow) or, for a store
// that can lend its own buffers for the length of the call, std::string_view
// (StoredRecordView): a row then costs no copies.
template <typename Text>
struct BasicStoredRecordRow {
  Text key{};
  std::optional<Text> app_label{};
  std::optional<Text> name{};
  std::optional<Text> attempt_uuid{};
  std::optional<Text> initiated_at{};
  std::optional<Text> is_applied{};
  std::optional<Text> applied_at{};
  std::optional<Text> has_error{};
  std::optional<Text> last_error{};
  std::optional<Text> was_faked{};
  std::optional<Text> rows_done{};
  std::optional<Text> rows_total{};
  std::optional<Text> checkpoint{};
  std::optional<Text> rows_done_at_start{};
  std::optional<Text> owner{};
  std::optional<Text> heartbeat_at{};
  std::optional<Text> run_status{};  // stored_run_status()
  std::optional<Text> tuned_chunk_size{};
  std::optional<Text> tuned_pause_ms{};
  std::optional<Text> attempt_started_at{};
  // Not a column: the database's clock when the row was read (see MigrationRecord::read_at).
  std::optional<Text> read_at{};
};
using StoredRecordRow = BasicStoredRecordRow<std::string>;
using StoredRecordView = BasicStoredRecordRow<std::string_view>;

// The record the row holds. Throws InvalidRecord naming `alias`, the key and the first thing
// wrong: a key that is not a migration key or disagrees with app_label/name; an empty
// attempt; a time that is not a time; a boolean other than 0 or 1; applied and errored at
// once; faked or applied_at without applied; a negative count; rows_done above rows_total or below
// rows_done_at_start; a run_status that is not one of stored_run_status's words, or other than
// "running" in an applied or errored record; a tuned chunk size below 1.
MigrationRecord read_stored_record(const StoredRecordRow& row, std::string_view alias);
// The same, for a row of views (a name of its own: a braced row would fit either).
MigrationRecord read_stored_view(const StoredRecordView& row, std::string_view alias);

// The run_status column of a record neither applied nor errored whose status is `status`:
// "running", "pausing", "paused", "cancelling" or "cancelled"; "running" for any other status
// (every applied or errored record stores it).
std::string_view stored_run_status(MigrationStatus status);
// The status a live record has once a chunk commits (RunSession::advance_record), from its
// run_status column before: PAUSED after "pausing", CANCELLED after "cancelling", else
// RUNNING.
MigrationStatus status_after_chunk(std::string_view run_status_before);
// The column as `record` stores it.
inline std::string_view stored_run_status(const MigrationRecord& record) {
  return stored_run_status(record.status());
}

// Every row of one database's table: the records, and the rows that are not valid records
// (each an InvalidRecord saying why), both ordered by key.
struct RecordListing {
  std::vector<MigrationRecord> records;
  std::vector<InvalidRecord> invalid;
};

}  // namespace massmigration

#endif  // MASSMIGRATION_RECORD_ROW_H_
