#include "pg_record_sql.h"

#include <array>
#include <string>
#include <string_view>

#include "massmigration/record_row.h"
#include "pg_chunk_sql.h"
#include "record_columns.h"
#include "string_building.h"

namespace massmigration::postgres::internal {
namespace {

// Run control's columns, in the table and in ALTERs of older tables alike.
#define MASSMIGRATION_PG_RUN_STATUS                                                         \
  "run_status TEXT NOT NULL DEFAULT 'running' CHECK (run_status IN ('running', 'pausing', " \
  "'paused', 'cancelling', 'cancelled') AND (run_status = 'running' OR NOT (is_applied OR " \
  "has_error)))"
#define MASSMIGRATION_PG_TUNED_CHUNK_SIZE "tuned_chunk_size BIGINT CHECK (tuned_chunk_size > 0)"
#define MASSMIGRATION_PG_TUNED_PAUSE_MS "tuned_pause_ms BIGINT CHECK (tuned_pause_ms >= 0)"
#define MASSMIGRATION_PG_ROWS_DONE_AT_START \
  "rows_done_at_start BIGINT NOT NULL DEFAULT 0 CHECK (rows_done_at_start >= 0)"

// The CHECKs refuse what reading refuses (read_stored_record); tables created before them are
// validated on read alone.
constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_record (
  key TEXT PRIMARY KEY,
  app_label TEXT NOT NULL,
  name TEXT NOT NULL,
  attempt_uuid TEXT NOT NULL CHECK (attempt_uuid <> ''),
  initiated_at TIMESTAMPTZ NOT NULL CHECK (isfinite(initiated_at)),
  is_applied BOOLEAN NOT NULL DEFAULT FALSE,
  applied_at TIMESTAMPTZ CHECK (isfinite(applied_at)),
  has_error BOOLEAN NOT NULL DEFAULT FALSE,
  last_error TEXT NOT NULL DEFAULT '',
  was_faked BOOLEAN NOT NULL DEFAULT FALSE,
  rows_done BIGINT NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
  rows_total BIGINT CHECK (rows_total >= 0),
  checkpoint TEXT,
  )sql" MASSMIGRATION_PG_ROWS_DONE_AT_START R"sql(,
  owner TEXT NOT NULL DEFAULT '',
  heartbeat_at TIMESTAMPTZ CHECK (isfinite(heartbeat_at)),
  )sql" MASSMIGRATION_PG_RUN_STATUS R"sql(,
  )sql" MASSMIGRATION_PG_TUNED_CHUNK_SIZE R"sql(,
  )sql" MASSMIGRATION_PG_TUNED_PAUSE_MS R"sql(,
  attempt_started_at TIMESTAMPTZ CHECK (isfinite(attempt_started_at)),
  CONSTRAINT key_format CHECK (key = app_label || ':' || name
    AND key ~ '^[a-z][a-z0-9_]*:[0-9]{1,5}_[a-z0-9_]+$'),
  CONSTRAINT not_applied_and_errored CHECK (NOT (is_applied AND has_error)),
  CONSTRAINT faked_only_when_applied CHECK (NOT was_faked OR is_applied),
  CONSTRAINT applied_at_when_applied CHECK ((applied_at IS NULL) = (NOT is_applied)),
  CONSTRAINT rows_done_within_total CHECK (rows_total IS NULL OR rows_done <= rows_total),
  CONSTRAINT attempt_within_rows_done CHECK (rows_done_at_start <= rows_done)
))sql";

// The audit trail: appended to, never changed.
constexpr const char* kCreateEventTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_event (
  id BIGSERIAL PRIMARY KEY,
  key TEXT NOT NULL,
  alias TEXT NOT NULL,
  attempt_uuid TEXT NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS massmigration_event_by_key ON massmigration_event (key, id))sql";

// An arbitrary constant: the advisory lock that serialises schema creation.
constexpr long long kSchemaLock = 7264530186;

// Every column as text, booleans as 0/1; times as the server writes a timestamptz in the
// store's sessions (DateStyle ISO, TimeZone UTC: see kSessionSettings), which read_record turns
// into the form of format_timestamp. to_char would do that on the server, at a cost a guard's
// cold check notices. In the order record_columns::view reads them.
#define MASSMIGRATION_PG_STORED_COLUMNS                                                         \
  "key, app_label, name, attempt_uuid, initiated_at, is_applied::int::text, applied_at, "       \
  "has_error::int::text, last_error, was_faked::int::text, rows_done::text, rows_total::text, " \
  "checkpoint, owner, heartbeat_at, run_status, tuned_chunk_size::text, tuned_pause_ms::text, " \
  "rows_done_at_start::text, attempt_started_at"
#define MASSMIGRATION_PG_COLUMNS MASSMIGRATION_PG_STORED_COLUMNS ", clock_timestamp()"

}  // namespace

std::string record_time(std::string_view text) {
  if (text.size() < 22 || text[10] != ' ' || !text.ends_with("+00")) return std::string(text);
  const std::string_view fraction = text.substr(19, text.size() - 22);
  if (!fraction.empty() && (fraction[0] != '.' || fraction.size() > 7)) return std::string(text);
  std::string digits(fraction.empty() ? std::string_view() : fraction.substr(1));
  digits.resize(6, '0');
  std::string time(text.substr(0, 19));
  time[10] = 'T';
  return strings::cat(time, ".", digits, "Z");
}

namespace {

#define MASSMIGRATION_PG_VALUES                                                      \
  "$1, $2, $3, $4, $5::timestamptz, $6::boolean, $7::timestamptz, $8::boolean, $9, " \
  "$10::boolean, $11::bigint, $12::bigint, $13, $14, $15, $16::bigint"
// A run that is not done (neither applied nor failed) shows it is alive by writing, by the
// server's clock at the statement (not at the start of its transaction); a finished or failed
// one keeps the heartbeat it had.
#define MASSMIGRATION_PG_HEARTBEAT_IF_LIVE \
  "CASE WHEN NOT $6::boolean AND NOT $8::boolean THEN clock_timestamp() END"
// When an attempt starts: its statement's start, so that its first heartbeat is never before.
#define MASSMIGRATION_PG_STARTED_IF_LIVE \
  "CASE WHEN NOT $6::boolean AND NOT $8::boolean THEN statement_timestamp() END"
#define MASSMIGRATION_PG_LIVE "run_status IN ('running', 'pausing', 'cancelling')"
// A run that fails after it was asked to cancel ends CANCELLED, as asked, keeping its error:
// ERRORED would invite a resume of what the operator cancelled.
#define MASSMIGRATION_PG_FAILED_WHILE_CANCELLING \
  "$8::boolean AND $20 = 'running' AND run_status = 'cancelling'"

// Columns added since the table was first released, for tables created before them.
constexpr const char* kAddedColumns[][2] = {
    {"owner", "owner TEXT NOT NULL DEFAULT ''"},
    {"heartbeat_at", "heartbeat_at TIMESTAMPTZ CHECK (isfinite(heartbeat_at))"},
    {"run_status", MASSMIGRATION_PG_RUN_STATUS},
    {"tuned_chunk_size", MASSMIGRATION_PG_TUNED_CHUNK_SIZE},
    {"tuned_pause_ms", MASSMIGRATION_PG_TUNED_PAUSE_MS},
    {"rows_done_at_start", MASSMIGRATION_PG_ROWS_DONE_AT_START},
    {"attempt_started_at", "attempt_started_at TIMESTAMPTZ CHECK (isfinite(attempt_started_at))"},
};

}  // namespace

const char* const kGet =
    "SELECT " MASSMIGRATION_PG_COLUMNS " FROM massmigration_record WHERE key = $1";
const char* const kGetWithoutClock =
    "SELECT " MASSMIGRATION_PG_STORED_COLUMNS ", NULL FROM massmigration_record WHERE key = $1";
const char* const kList =
    "SELECT " MASSMIGRATION_PG_COLUMNS " FROM massmigration_record ORDER BY key";
const char* const kInsertIfAbsent =
    "INSERT INTO massmigration_record (key, app_label, name, attempt_uuid, initiated_at, "
    "is_applied, applied_at, has_error, last_error, was_faked, rows_done, rows_total, checkpoint, "
    "owner, run_status, rows_done_at_start, heartbeat_at, attempt_started_at) VALUES "
    "(" MASSMIGRATION_PG_VALUES ", " MASSMIGRATION_PG_HEARTBEAT_IF_LIVE
    ", " MASSMIGRATION_PG_STARTED_IF_LIVE ") ON CONFLICT (key) DO NOTHING";
const char* const kReplaceIf =
    "UPDATE massmigration_record SET app_label = $2, name = $3, attempt_uuid = $4, "
    "initiated_at = $5::timestamptz, is_applied = $6::boolean, applied_at = $7::timestamptz, "
    "has_error = CASE WHEN " MASSMIGRATION_PG_FAILED_WHILE_CANCELLING
    " THEN false ELSE $8::boolean END, "
    "last_error = $9, was_faked = $10::boolean, rows_done = $11::bigint, "
    "rows_total = $12::bigint, checkpoint = $13, owner = $14, "
    "run_status = CASE WHEN NOT $6::boolean AND NOT $8::boolean AND $20 = 'running' AND "
    "run_status IN ('pausing', 'cancelling') THEN run_status WHEN "
    "" MASSMIGRATION_PG_FAILED_WHILE_CANCELLING
    " THEN 'cancelled' ELSE $15 END, "
    "rows_done_at_start = $16::bigint, "
    "heartbeat_at = coalesce(" MASSMIGRATION_PG_HEARTBEAT_IF_LIVE
    ", heartbeat_at), "
    // A new attempt (a resume) starts now; the same attempt keeps its start.
    "attempt_started_at = CASE WHEN attempt_uuid <> $4 THEN " MASSMIGRATION_PG_STARTED_IF_LIVE
    " ELSE attempt_started_at END "
    "WHERE key = $1 AND attempt_uuid = $17 AND is_applied = $18::boolean "
    "AND has_error = $19::boolean AND (run_status = $20 OR $20 = 'running' AND "
    "run_status IN ('pausing', 'cancelling'))";
const char* const kHeartbeat =
    "UPDATE massmigration_record SET heartbeat_at = clock_timestamp() "
    "WHERE key = $1 AND attempt_uuid = $2 AND NOT is_applied AND NOT has_error AND "
    "" MASSMIGRATION_PG_LIVE;
const char* const kControlRun =
    "UPDATE massmigration_record SET run_status = $4, "
    "tuned_chunk_size = coalesce($5::bigint, tuned_chunk_size), "
    "tuned_pause_ms = coalesce($6::bigint, tuned_pause_ms) "
    "WHERE key = $1 AND attempt_uuid = $2 AND NOT is_applied AND NOT has_error AND "
    "run_status = $3";
const char* const kReadCheckpoint =
    "SELECT checkpoint, run_status, tuned_chunk_size::text, tuned_pause_ms::text, rows_done, "
    "rows_total FROM massmigration_record WHERE key = $1 AND attempt_uuid = $2 AND NOT "
    "is_applied AND NOT has_error AND " MASSMIGRATION_PG_LIVE " FOR UPDATE";
const char* const kAdvance =
    "UPDATE massmigration_record SET rows_done = rows_done + $3::bigint, checkpoint = $4, "
    "rows_total = CASE WHEN rows_total < rows_done + $3::bigint THEN rows_done + $3::bigint "
    "ELSE rows_total END, run_status = CASE run_status WHEN 'pausing' THEN 'paused' "
    "WHEN 'cancelling' THEN 'cancelled' ELSE run_status END, heartbeat_at = clock_timestamp() "
    "WHERE key = $1 AND attempt_uuid = $2";
const char* const kRemove = "DELETE FROM massmigration_record WHERE key = $1";
const char* const kRemoveIf =
    "DELETE FROM massmigration_record WHERE key = $1 AND attempt_uuid = $2 "
    "AND is_applied = $3::boolean AND has_error = $4::boolean AND run_status = $5";

const char* const kAppendEvent =
    "INSERT INTO massmigration_event (key, alias, attempt_uuid, action, actor, detail) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
const char* const kEvents =
    "SELECT alias, attempt_uuid, action, actor, at, detail FROM massmigration_event "
    "WHERE key = $1 ORDER BY id";

Params& Params::text(std::string value) {
  values_.emplace_back(std::move(value));
  return *this;
}

Params& Params::null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

Params& Params::optional(const std::optional<std::string>& value) {
  values_.push_back(value);
  return *this;
}

Params& Params::number(std::optional<std::int64_t> value) {
  return optional(value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt);
}

Params& Params::record(const MigrationRecord& r) {
  auto boolean = [](bool b) { return std::string(b ? "true" : "false"); };
  text(r.key.str()).text(r.app_label()).text(r.name()).text(r.attempt_uuid);
  text(format_timestamp(r.initiated_at)).text(boolean(r.is_applied));
  optional(r.applied_at ? std::optional<std::string>(format_timestamp(*r.applied_at))
                        : std::nullopt);
  text(boolean(r.has_error)).text(r.last_error).text(boolean(r.was_faked));
  text(std::to_string(r.rows_done)).number(r.rows_total);
  optional(r.checkpoint).text(r.owner).text(std::string(stored_run_status(r)));
  return text(std::to_string(r.rows_done_at_start));
}

Params& Params::expected(std::string_view attempt_uuid, MigrationStatus status) {
  text(std::string(attempt_uuid));
  text(status == MigrationStatus::kApplied ? "true" : "false");
  text(status == MigrationStatus::kErrored ? "true" : "false");
  return text(std::string(stored_run_status(status)));
}

const std::vector<const char*>& Params::pointers() {
  pointers_.clear();
  for (const std::optional<std::string>& v : values_) {
    pointers_.push_back(v ? v->c_str() : nullptr);
  }
  return pointers_;
}

MigrationRecord read_record(const pqxx::row& row, std::string_view alias) {
  // Views of libpqxx's own result, except the times, rewritten here as records write them.
  std::array<std::string, 5> times;
  std::size_t times_used = 0;
  auto text = [&](int column) -> std::optional<std::string_view> {
    if (row[column].is_null()) return std::nullopt;
    return std::string_view(row[column].c_str(), row[column].size());
  };
  auto time = [&](int column) -> std::optional<std::string_view> {
    std::optional<std::string_view> stored = text(column);
    if (!stored) return std::nullopt;
    return times.at(times_used++) = record_time(*stored);
  };
  return read_stored_view(record_columns::view(text, time), alias);
}

void ensure_schema(pqxx::connection_base& connection) {
  pqxx::work work(connection);
  work.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kSchemaLock) + ")");
  // Only the tables that are missing: CREATE INDEX IF NOT EXISTS locks its table before it
  // finds the index there, and would wait for every transaction writing to it (a worker's
  // chunk, for as long as the chunk runs).
  const pqxx::row missing = work.exec1(
      "SELECT to_regclass(format('%I.massmigration_record', current_schema())) IS NULL, "
      "to_regclass(format('%I.massmigration_event', current_schema())) IS NULL, "
      "to_regclass(format('%I.massmigration_chunk', current_schema())) IS NULL");
  if (missing[0].as<bool>()) work.exec(kCreateTable);
  if (missing[1].as<bool>()) work.exec(kCreateEventTable);
  if (missing[2].as<bool>()) work.exec(kCreateChunkTable);
  // Only when a column is missing: ALTER TABLE locks the table even when it changes nothing.
  pqxx::result present = work.exec(
      "SELECT column_name FROM information_schema.columns "
      "WHERE table_name = 'massmigration_record' AND table_schema = current_schema()");
  for (const auto& [name, definition] : kAddedColumns) {
    bool found = false;
    for (const pqxx::row& row : present) found |= std::string_view(row[0].c_str()) == name;
    if (!found) work.exec(std::string("ALTER TABLE massmigration_record ADD COLUMN ") + definition);
  }
  work.commit();
}

}  // namespace massmigration::postgres::internal
