// Internal: the massmigration_record table on PostgreSQL, shared by the record store and by
// migration sessions. Not API.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_RECORD_SQL_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_RECORD_SQL_H_

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "massmigration/record.h"

namespace massmigration::postgres::internal {

// What the store's sessions set before reading records: times come as read_record expects.
inline constexpr char kSessionSettings[] = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'";

extern const char* const kGet;
// kGet without the server's clock (read_at stays unset): a guard's read, which needs only
// whether the record is applied.
extern const char* const kGetWithoutClock;
extern const char* const kList;
extern const char* const kInsertIfAbsent;
extern const char* const kReplaceIf;  // $17..$20: the expected attempt and stored status
extern const char* const kRemove;
extern const char* const kRemoveIf;  // $1 key, $2..$5: the expected attempt and stored status
// $1 key, $2 attempt: the heartbeat of a live record of that attempt, by the server's clock.
extern const char* const kHeartbeat;
// $1 key, $2 attempt, $3 expected run_status, $4 new run_status, $5 tuned chunk size and $6
// tuned pause (NULL keeps the stored one).
extern const char* const kControlRun;
// $1 key, $2 attempt: the checkpoint, run_status and tuning of a live record of that attempt,
// locked until commit (a run's parallel workers take turns).
extern const char* const kReadCheckpoint;
// $1 key, $2 attempt, $3 rows to add, $4 new checkpoint; also a heartbeat, and the stop a
// pausing or cancelling run was asked for. After kReadCheckpoint, in its transaction.
extern const char* const kAdvance;

// $1 key, $2 alias, $3 attempt, $4 action, $5 actor, $6 detail; at is the server's clock.
extern const char* const kAppendEvent;
// $1 key: alias, attempt_uuid, action, actor, at, detail, oldest first.
extern const char* const kEvents;

// "2026-11-30 05:22:09.12+00", as the server writes a timestamptz in sessions with
// kSessionSettings, in the form of format_timestamp ("2026-11-30T05:22:09.120000Z"). Any other
// text (infinity, a year before 1 or after 9999) is returned as it is, for reading to refuse.
std::string record_time(std::string_view text);

// Parameter values for a statement: owned text, and pointers (nullptr for NULL) for libpq.
class Params {
 public:
  Params& text(std::string value);
  Params& null();
  Params& optional(const std::optional<std::string>& value);
  Params& number(std::optional<std::int64_t> value);  // in decimal; NULL when unset
  // The record's stored columns but the tuning, $1..$16 (heartbeat_at is the server's to
  // write).
  Params& record(const MigrationRecord& record);
  // The expected attempt and stored status: $17..$20 of kReplaceIf, $2..$5 of kRemoveIf.
  Params& expected(std::string_view attempt_uuid, MigrationStatus status);
  const std::vector<const char*>& pointers();

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<const char*> pointers_;
};

// Reads a row selected with the columns of kGet, in a session with kSessionSettings; throws
// InvalidRecord naming `alias` for a row that is not a valid record.
MigrationRecord read_record(const pqxx::row& row, std::string_view alias);

// Creates the table if missing and adds the columns a table from an older version lacks, in
// its own committed transaction; an advisory lock keeps
// concurrent creators (which PostgreSQL does not serialise for IF NOT EXISTS) in line.
void ensure_schema(pqxx::connection_base& connection);

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_RECORD_SQL_H_
