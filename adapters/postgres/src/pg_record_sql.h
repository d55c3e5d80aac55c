// Internal: the massmigration_record table on PostgreSQL, shared by the record store and by
// migration sessions. Not API.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_RECORD_SQL_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_RECORD_SQL_H_

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
extern const char* const kReplaceIf;  // $15..$17: the expected attempt and status
extern const char* const kRemove;
extern const char* const kRemoveIf;  // $1 key, $2..$4: the expected attempt and status
// $1 key, $2 attempt: the heartbeat of a RUNNING record of that attempt, by the server's clock.
extern const char* const kHeartbeat;

// Parameter values for a statement: owned text, and pointers (nullptr for NULL) for libpq.
class Params {
 public:
  Params& text(std::string value);
  Params& null();
  Params& optional(const std::optional<std::string>& value);
  // The record's 14 stored columns, $1..$14 (heartbeat_at is the server's to write).
  Params& record(const MigrationRecord& record);
  // The expected attempt and status: $15..$17 of kReplaceIf, $2..$4 of kRemoveIf.
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
