#include "record_sql.h"

#include "absl/container/flat_hash_set.h"
#include "absl/time/clock.h"
#include "chunk_sql.h"
#include "massmigration/record_row.h"
#include "record_columns.h"
#include "string_building.h"

namespace massmigration::sqlite::internal {
namespace {

// Run control's columns, in the table and in ALTERs of older tables alike.
#define MASSMIGRATION_SQLITE_RUN_STATUS                                                     \
  "run_status TEXT NOT NULL DEFAULT 'running' CHECK (run_status IN ('running', 'pausing', " \
  "'paused', 'cancelling', 'cancelled') AND (run_status = 'running' OR is_applied = 0 AND " \
  "has_error = 0))"
#define MASSMIGRATION_SQLITE_TUNED_CHUNK_SIZE                                               \
  "tuned_chunk_size INTEGER CHECK (tuned_chunk_size IS NULL OR typeof(tuned_chunk_size) = " \
  "'integer' AND tuned_chunk_size > 0)"
#define MASSMIGRATION_SQLITE_TUNED_PAUSE_MS                                           \
  "tuned_pause_ms INTEGER CHECK (tuned_pause_ms IS NULL OR typeof(tuned_pause_ms) = " \
  "'integer' AND tuned_pause_ms >= 0)"

#define MASSMIGRATION_SQLITE_ROWS_DONE_AT_START                                                  \
  "rows_done_at_start INTEGER NOT NULL DEFAULT 0 CHECK (typeof(rows_done_at_start) = 'integer' " \
  "AND rows_done_at_start >= 0)"

// The CHECKs refuse what reading refuses (read_stored_record), as far as SQLite can say it;
// tables created before them are validated on read alone.
constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_record (
  key TEXT PRIMARY KEY NOT NULL,
  app_label TEXT NOT NULL,
  name TEXT NOT NULL,
  attempt_uuid TEXT NOT NULL CHECK (attempt_uuid <> '' AND attempt_uuid <> X''),
  initiated_at TEXT NOT NULL CHECK (initiated_at GLOB
    '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
  is_applied INTEGER NOT NULL DEFAULT 0 CHECK (is_applied IN (0, 1)),
  applied_at TEXT CHECK (applied_at GLOB
    '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
  has_error INTEGER NOT NULL DEFAULT 0 CHECK (has_error IN (0, 1)),
  last_error TEXT NOT NULL DEFAULT '',
  was_faked INTEGER NOT NULL DEFAULT 0 CHECK (was_faked IN (0, 1)),
  rows_done INTEGER NOT NULL DEFAULT 0 CHECK (typeof(rows_done) = 'integer' AND rows_done >= 0),
  rows_total INTEGER CHECK (rows_total IS NULL OR typeof(rows_total) = 'integer' AND rows_total >= 0),
  checkpoint TEXT,
  )sql" MASSMIGRATION_SQLITE_ROWS_DONE_AT_START R"sql(,
  owner TEXT NOT NULL DEFAULT '',
  heartbeat_at TEXT CHECK (heartbeat_at GLOB
    '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
  )sql" MASSMIGRATION_SQLITE_RUN_STATUS R"sql(,
  )sql" MASSMIGRATION_SQLITE_TUNED_CHUNK_SIZE R"sql(,
  )sql" MASSMIGRATION_SQLITE_TUNED_PAUSE_MS R"sql(,
  attempt_started_at TEXT,
  CONSTRAINT key_format CHECK (key = app_label || ':' || name
    AND app_label GLOB '[a-z]*' AND NOT app_label GLOB '*[^a-z0-9_]*'
    AND name GLOB '[0-9]*_?*' AND NOT name GLOB '*[^a-z0-9_]*'),
  CONSTRAINT not_applied_and_errored CHECK (NOT (is_applied = 1 AND has_error = 1)),
  CONSTRAINT faked_only_when_applied CHECK (was_faked = 0 OR is_applied = 1),
  CONSTRAINT applied_at_when_applied CHECK ((applied_at IS NULL) = (is_applied = 0)),
  CONSTRAINT rows_done_within_total CHECK (rows_total IS NULL OR rows_done <= rows_total),
  CONSTRAINT attempt_within_rows_done CHECK (rows_done_at_start <= rows_done)
))sql";

// The audit trail: appended to, never changed.
constexpr const char* kCreateEventTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_event (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  alias TEXT NOT NULL,
  attempt_uuid TEXT NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS massmigration_event_by_key ON massmigration_event (key, id))sql";

// Columns added since the table was first released, for tables created before them.
constexpr const char* kAddedColumns[][2] = {
    {"owner", "owner TEXT NOT NULL DEFAULT ''"},
    {"heartbeat_at", "heartbeat_at TEXT"},
    {"run_status", MASSMIGRATION_SQLITE_RUN_STATUS},
    {"tuned_chunk_size", MASSMIGRATION_SQLITE_TUNED_CHUNK_SIZE},
    {"tuned_pause_ms", MASSMIGRATION_SQLITE_TUNED_PAUSE_MS},
    {"rows_done_at_start", MASSMIGRATION_SQLITE_ROWS_DONE_AT_START},
    {"attempt_started_at", "attempt_started_at TEXT"},
};

}  // namespace

// The database's clock, as format_timestamp writes times (SQLite keeps milliseconds).
#define MASSMIGRATION_SQLITE_NOW "(strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z')"
// In the order record_columns::view reads them.
#define MASSMIGRATION_SQLITE_STORED_COLUMNS                                                     \
  "key, app_label, name, attempt_uuid, initiated_at, is_applied, applied_at, has_error, "       \
  "last_error, was_faked, rows_done, rows_total, checkpoint, owner, heartbeat_at, run_status, " \
  "tuned_chunk_size, tuned_pause_ms, rows_done_at_start, attempt_started_at"
#define MASSMIGRATION_SQLITE_COLUMNS \
  MASSMIGRATION_SQLITE_STORED_COLUMNS ", " MASSMIGRATION_SQLITE_NOW
// The database's clock when the record written is live (neither applied nor failed): a run
// shows it is alive, and an attempt its start, by writing; a finished or failed one keeps the
// heartbeat it had.
#define MASSMIGRATION_SQLITE_NOW_IF_LIVE \
  "CASE WHEN ?6 = 0 AND ?8 = 0 THEN " MASSMIGRATION_SQLITE_NOW " END"
#define MASSMIGRATION_SQLITE_LIVE "run_status IN ('running', 'pausing', 'cancelling')"
// A run that fails after it was asked to cancel ends CANCELLED, as asked, keeping its error:
// ERRORED would invite a resume of what the operator cancelled.
#define MASSMIGRATION_SQLITE_FAILED_WHILE_CANCELLING \
  "?8 = 1 AND ?20 = 'running' AND run_status = 'cancelling'"

const char* const kGet =
    "SELECT " MASSMIGRATION_SQLITE_COLUMNS " FROM massmigration_record WHERE key = ?1";
// The guards' read: what read_stored_record checks, and no more. SQLite copies each text it
// returns into memory it allocates per read, a large part of a guard's cold check; so the texts
// read only for being there come back as constants that say just that, the key is the bound
// one (the row matched it exactly), and the checkpoint and the clock are not read.
// A record read this way is good for its status only.
const char* const kGuardRead =
    "SELECT ?1, app_label, name, attempt_uuid, initiated_at, is_applied, applied_at, has_error, "
    "CASE WHEN last_error IS NULL THEN NULL ELSE '' END, was_faked, rows_done, rows_total, NULL, "
    "CASE WHEN owner IS NULL THEN NULL ELSE '' END, heartbeat_at, run_status, tuned_chunk_size, "
    "tuned_pause_ms, rows_done_at_start, attempt_started_at, NULL "
    "FROM massmigration_record WHERE key = ?1";
const char* const kList =
    "SELECT " MASSMIGRATION_SQLITE_COLUMNS " FROM massmigration_record ORDER BY key";
const char* const kInsertIfAbsent =
    "INSERT INTO massmigration_record (key, app_label, name, attempt_uuid, initiated_at, "
    "is_applied, applied_at, has_error, last_error, was_faked, rows_done, rows_total, checkpoint, "
    "owner, run_status, rows_done_at_start, heartbeat_at, attempt_started_at) VALUES (?1, ?2, ?3, "
    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
    "" MASSMIGRATION_SQLITE_NOW_IF_LIVE ", " MASSMIGRATION_SQLITE_NOW_IF_LIVE
    ") ON CONFLICT(key) DO NOTHING";
const char* const kReplaceIfAttempt =
    "UPDATE massmigration_record SET app_label = ?2, name = ?3, attempt_uuid = ?4, "
    "initiated_at = ?5, is_applied = ?6, applied_at = ?7, "
    "has_error = CASE WHEN " MASSMIGRATION_SQLITE_FAILED_WHILE_CANCELLING
    " THEN 0 ELSE ?8 END, "
    "last_error = ?9, was_faked = ?10, rows_done = ?11, rows_total = ?12, checkpoint = ?13, "
    "owner = ?14, run_status = CASE WHEN ?6 = 0 AND ?8 = 0 AND ?20 = 'running' AND run_status IN "
    "('pausing', 'cancelling') THEN run_status WHEN " MASSMIGRATION_SQLITE_FAILED_WHILE_CANCELLING
    " THEN 'cancelled' ELSE ?15 END, rows_done_at_start = ?16, "
    "heartbeat_at = coalesce(" MASSMIGRATION_SQLITE_NOW_IF_LIVE
    ", heartbeat_at), "
    // A new attempt (a resume) starts now; the same attempt keeps its start.
    "attempt_started_at = CASE WHEN attempt_uuid <> ?4 THEN " MASSMIGRATION_SQLITE_NOW_IF_LIVE
    " ELSE attempt_started_at END "
    "WHERE key = ?1 AND attempt_uuid = ?17 AND is_applied = ?18 AND has_error = ?19 AND "
    "(run_status = ?20 OR ?20 = 'running' AND run_status IN ('pausing', 'cancelling'))";
const char* const kRemove = "DELETE FROM massmigration_record WHERE key = ?1";
const char* const kRemoveIf =
    "DELETE FROM massmigration_record WHERE key = ?1 AND attempt_uuid = ?2 AND is_applied = ?3 "
    "AND has_error = ?4 AND run_status = ?5";
const char* const kReadCheckpoint =
    "SELECT checkpoint, run_status, tuned_chunk_size, tuned_pause_ms, rows_done, rows_total "
    "FROM massmigration_record WHERE key = ?1 AND attempt_uuid = ?2 AND is_applied = 0 AND "
    "has_error = 0 AND "
    "" MASSMIGRATION_SQLITE_LIVE;
// Rows that arrived after the count raise the total with them: rows_done never exceeds it.
const char* const kAdvance =
    "UPDATE massmigration_record SET rows_done = rows_done + ?3, checkpoint = ?4, "
    "rows_total = CASE WHEN rows_total < rows_done + ?3 THEN rows_done + ?3 ELSE rows_total END, "
    "run_status = CASE run_status WHEN 'pausing' THEN 'paused' WHEN 'cancelling' THEN "
    "'cancelled' ELSE run_status END, heartbeat_at = " MASSMIGRATION_SQLITE_NOW
    " "
    "WHERE key = ?1 AND attempt_uuid = ?2 AND is_applied = 0 AND has_error = 0 AND "
    "" MASSMIGRATION_SQLITE_LIVE;
const char* const kHeartbeat =
    "UPDATE massmigration_record SET heartbeat_at = " MASSMIGRATION_SQLITE_NOW
    " "
    "WHERE key = ?1 AND attempt_uuid = ?2 AND is_applied = 0 AND has_error = 0 AND "
    "" MASSMIGRATION_SQLITE_LIVE;
const char* const kControlRun =
    "UPDATE massmigration_record SET run_status = ?4, "
    "tuned_chunk_size = coalesce(?5, tuned_chunk_size), "
    "tuned_pause_ms = coalesce(?6, tuned_pause_ms) "
    "WHERE key = ?1 AND attempt_uuid = ?2 AND is_applied = 0 AND has_error = 0 AND "
    "run_status = ?3";

const char* const kAppendEvent =
    "INSERT INTO massmigration_event (key, alias, attempt_uuid, action, actor, at, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, " MASSMIGRATION_SQLITE_NOW ", ?6)";
const char* const kEvents =
    "SELECT alias, attempt_uuid, action, actor, at, detail FROM massmigration_event "
    "WHERE key = ?1 ORDER BY id";

void bind_record(Statement& s, const MigrationRecord& r) {
  s.bind(1, r.key.str())
      .bind(2, r.app_label())
      .bind(3, r.name())
      .bind(4, r.attempt_uuid)
      .bind(5, format_timestamp(r.initiated_at))
      .bind(6, std::int64_t{r.is_applied});
  if (r.applied_at) {
    s.bind(7, format_timestamp(*r.applied_at));
  } else {
    s.bind(7, std::nullopt);
  }
  s.bind(8, std::int64_t{r.has_error}).bind(9, r.last_error).bind(10, std::int64_t{r.was_faked});
  s.bind(11, r.rows_done).bind(12, r.rows_total);
  if (r.checkpoint) {
    s.bind(13, *r.checkpoint);
  } else {
    s.bind(13, std::nullopt);
  }
  s.bind(14, r.owner).bind(15, stored_run_status(r)).bind(16, r.rows_done_at_start);
}

MigrationRecord read_record(const Statement& s, std::string_view alias) {
  // Views of the statement's own row, read before it moves on: a record read copies only
  // what the record keeps.
  std::array<Statement::Digits, record_columns::kCount> digits;
  auto text = [&](int column) { return s.text_view(column, digits[column]); };
  return read_stored_view(record_columns::view(text, text), alias);
}

void add_missing_columns(Connection& connection) {
  absl::flat_hash_set<std::string> present;
  {
    Statement columns = connection.statement("PRAGMA table_info(massmigration_record)");
    while (columns.step()) present.insert(columns.text(1));
  }
  for (const auto& [name, definition] : kAddedColumns) {
    if (present.contains(name)) continue;
    connection.exec(
        strings::cat("ALTER TABLE massmigration_record ADD COLUMN ", definition).c_str());
  }
}

void ensure_schema(Connection& connection, std::chrono::milliseconds busy_timeout) {
  // Setting WAL needs a moment of exclusive access, which a burst of first writers from
  // several processes may deny each other past the busy handler; retry until the timeout.
  const absl::Time deadline = absl::Now() + absl::FromChrono(busy_timeout);
  for (;;) {
    try {
      connection.exec("PRAGMA journal_mode=WAL");
      connection.exec(kCreateTable);
      connection.exec(kCreateEventTable);
      connection.exec(kCreateChunkTable);
      add_missing_columns(connection);
      return;
    } catch (const SqliteFailure& e) {
      if (!e.connection_is_sound() || absl::Now() >= deadline) throw;
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
}

void bind_expected(Statement& statement, std::string_view attempt_uuid, MigrationStatus status,
                   int first) {
  statement.bind(first, attempt_uuid)
      .bind(first + 1, std::int64_t{status == MigrationStatus::kApplied})
      .bind(first + 2, std::int64_t{status == MigrationStatus::kErrored})
      .bind(first + 3, stored_run_status(status));
}

}  // namespace massmigration::sqlite::internal
