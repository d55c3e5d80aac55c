#include "record_sql.h"

#include "absl/time/clock.h"
#include "string_building.h"

namespace massmigration::sqlite::internal {
namespace {

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_record (
  key TEXT PRIMARY KEY NOT NULL,
  app_label TEXT NOT NULL,
  name TEXT NOT NULL,
  attempt_uuid TEXT NOT NULL,
  initiated_at TEXT NOT NULL,
  is_applied INTEGER NOT NULL DEFAULT 0,
  applied_at TEXT,
  has_error INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  was_faked INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  rows_total INTEGER,
  checkpoint TEXT
))sql";

Timestamp read_timestamp(const std::string& text, std::string_view column) {
  if (std::optional<Timestamp> t = parse_timestamp(text)) return *t;
  throw SqliteFailure(
      0, strings::cat("massmigration_record.", column, " holds \"", text, "\", not a timestamp"));
}

}  // namespace

const char* const kIsApplied = "SELECT is_applied FROM massmigration_record WHERE key = ?1";
const char* const kGet =
    "SELECT key, app_label, name, attempt_uuid, initiated_at, is_applied, applied_at, has_error, "
    "last_error, was_faked, rows_done, rows_total, checkpoint FROM massmigration_record "
    "WHERE key = ?1";
const char* const kList =
    "SELECT key, app_label, name, attempt_uuid, initiated_at, is_applied, applied_at, has_error, "
    "last_error, was_faked, rows_done, rows_total, checkpoint FROM massmigration_record "
    "ORDER BY key";
const char* const kInsertIfAbsent =
    "INSERT INTO massmigration_record (key, app_label, name, attempt_uuid, initiated_at, "
    "is_applied, applied_at, has_error, last_error, was_faked, rows_done, rows_total, checkpoint) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT(key) DO NOTHING";
const char* const kReplaceIfAttempt =
    "UPDATE massmigration_record SET app_label = ?2, name = ?3, attempt_uuid = ?4, "
    "initiated_at = ?5, is_applied = ?6, applied_at = ?7, has_error = ?8, last_error = ?9, "
    "was_faked = ?10, rows_done = ?11, rows_total = ?12, checkpoint = ?13 "
    "WHERE key = ?1 AND attempt_uuid = ?14 AND is_applied = ?15 AND has_error = ?16";
const char* const kUpsert =
    "INSERT INTO massmigration_record (key, app_label, name, attempt_uuid, initiated_at, "
    "is_applied, applied_at, has_error, last_error, was_faked, rows_done, rows_total, checkpoint) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT(key) DO UPDATE "
    "SET app_label = excluded.app_label, name = excluded.name, "
    "attempt_uuid = excluded.attempt_uuid, initiated_at = excluded.initiated_at, "
    "is_applied = excluded.is_applied, applied_at = excluded.applied_at, "
    "has_error = excluded.has_error, last_error = excluded.last_error, "
    "was_faked = excluded.was_faked, rows_done = excluded.rows_done, "
    "rows_total = excluded.rows_total, checkpoint = excluded.checkpoint";
const char* const kRemove = "DELETE FROM massmigration_record WHERE key = ?1";
const char* const kReadCheckpoint =
    "SELECT checkpoint FROM massmigration_record WHERE key = ?1 AND attempt_uuid = ?2 "
    "AND is_applied = 0 AND has_error = 0";
const char* const kAdvance =
    "UPDATE massmigration_record SET rows_done = rows_done + ?3, checkpoint = ?4 "
    "WHERE key = ?1 AND attempt_uuid = ?2 AND is_applied = 0 AND has_error = 0";

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
  s.bind(11, r.rows_done);
  if (r.rows_total) {
    s.bind(12, *r.rows_total);
  } else {
    s.bind(12, std::nullopt);
  }
  if (r.checkpoint) {
    s.bind(13, *r.checkpoint);
  } else {
    s.bind(13, std::nullopt);
  }
}

MigrationRecord read_record(const Statement& s) {
  MigrationRecord r{.key = MigrationKey(s.text(0))};
  r.attempt_uuid = s.text(3);
  r.initiated_at = read_timestamp(s.text(4), "initiated_at");
  r.is_applied = s.integer(5) != 0;
  if (auto applied_at = s.optional_text(6))
    r.applied_at = read_timestamp(*applied_at, "applied_at");
  r.has_error = s.integer(7) != 0;
  r.last_error = s.text(8);
  r.was_faked = s.integer(9) != 0;
  r.rows_done = s.integer(10);
  r.rows_total = s.optional_integer(11);
  r.checkpoint = s.optional_text(12);
  return r;
}

void ensure_schema(Connection& connection, std::chrono::milliseconds busy_timeout) {
  // Setting WAL needs a moment of exclusive access, which a burst of first writers from
  // several processes may deny each other past the busy handler; retry until the timeout.
  const absl::Time deadline = absl::Now() + absl::FromChrono(busy_timeout);
  for (;;) {
    try {
      connection.exec("PRAGMA journal_mode=WAL");
      connection.exec(kCreateTable);
      return;
    } catch (const SqliteFailure& e) {
      if (!e.connection_is_sound() || absl::Now() >= deadline) throw;
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
}

void bind_expected(Statement& statement, std::string_view attempt_uuid, MigrationStatus status) {
  statement.bind(14, attempt_uuid)
      .bind(15, std::int64_t{status == MigrationStatus::kApplied})
      .bind(16, std::int64_t{status == MigrationStatus::kErrored});
}

}  // namespace massmigration::sqlite::internal
