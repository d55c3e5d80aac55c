// Internal: the massmigration_record table on SQLite, shared by the record store and by
// migration sessions (which update the record inside their own transaction). Not API.
#ifndef MASSMIGRATION_ADAPTERS_SQLITE_RECORD_SQL_H_
#define MASSMIGRATION_ADAPTERS_SQLITE_RECORD_SQL_H_

#include <chrono>

#include "massmigration/record.h"
#include "sqlite_connection.h"

namespace massmigration::sqlite::internal {

extern const char* const kGet;
// A guard's read: every column kGet reads that validation needs, for the record's status only
// (its texts are placeholders; read_at stays unset).
extern const char* const kGuardRead;
extern const char* const kList;
extern const char* const kInsertIfAbsent;
extern const char* const kReplaceIfAttempt;  // ?17..?20: see bind_expected
extern const char* const kRemove;
extern const char* const kRemoveIf;  // ?1 key, ?2..?5: see bind_expected
// ?1 key, ?2 attempt: the checkpoint, run_status and tuning of a live record of that attempt.
extern const char* const kReadCheckpoint;
// ?1 key, ?2 attempt, ?3 rows to add, ?4 new checkpoint; also a heartbeat, and the stop a
// pausing or cancelling run was asked for.
extern const char* const kAdvance;
// ?1 key, ?2 attempt: the heartbeat of a live record of that attempt, by the database's clock.
extern const char* const kHeartbeat;
// ?1 key, ?2 attempt, ?3 expected run_status, ?4 new run_status, ?5 tuned chunk size and ?6
// tuned pause (NULL keeps the stored one).
extern const char* const kControlRun;
// ?1 key, ?2 alias, ?3 attempt, ?4 action, ?5 actor, ?6 detail; at is the database's clock.
extern const char* const kAppendEvent;
// ?1 key: alias, attempt_uuid, action, actor, at, detail, oldest first.
extern const char* const kEvents;

// Binds ?1..?kRecordParams to the record's stored columns but the tuning; heartbeat_at is the
// database's to write.
inline constexpr int kRecordParams = 16;
void bind_record(Statement& statement, const MigrationRecord& record);
// Binds ?first..?first+3 (kRecordParams + 1 in kReplaceIfAttempt, 2 in kRemoveIf): the attempt
// and stored status the record must have.
void bind_expected(Statement& statement, std::string_view attempt_uuid, MigrationStatus status,
                   int first);
// Reads a row selected with the columns of kGet; throws InvalidRecord naming `alias` for a
// row that is not a valid record.
MigrationRecord read_record(const Statement& statement, std::string_view alias);
// Adds the columns a table created by an older version lacks (owner, heartbeat_at, run
// control's).
void add_missing_columns(Connection& connection);
// Puts the file in WAL mode, creates the table if missing and adds missing columns. Retries while
// other connections hold the locks it needs, up to `busy_timeout`.
void ensure_schema(Connection& connection, std::chrono::milliseconds busy_timeout);

}  // namespace massmigration::sqlite::internal

#endif  // MASSMIGRATION_ADAPTERS_SQLITE_RECORD_SQL_H_
