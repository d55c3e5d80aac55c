#include "pg_record_sql.h"

#include "string_building.h"

namespace massmigration::postgres::internal {
namespace {

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_record (
  key TEXT PRIMARY KEY,
  app_label TEXT NOT NULL,
  name TEXT NOT NULL,
  attempt_uuid TEXT NOT NULL,
  initiated_at TIMESTAMPTZ NOT NULL,
  is_applied BOOLEAN NOT NULL DEFAULT FALSE,
  applied_at TIMESTAMPTZ,
  has_error BOOLEAN NOT NULL DEFAULT FALSE,
  last_error TEXT NOT NULL DEFAULT '',
  was_faked BOOLEAN NOT NULL DEFAULT FALSE,
  rows_done BIGINT NOT NULL DEFAULT 0,
  rows_total BIGINT,
  checkpoint TEXT
))sql";

// An arbitrary constant: the advisory lock that serialises schema creation.
constexpr long long kSchemaLock = 7264530186;

#define MASSMIGRATION_PG_COLUMNS                                                    \
  "key, attempt_uuid, "                                                             \
  "to_char(initiated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), " \
  "is_applied, "                                                                    \
  "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "   \
  "has_error, last_error, was_faked, rows_done, rows_total, checkpoint"

#define MASSMIGRATION_PG_VALUES                                                      \
  "$1, $2, $3, $4, $5::timestamptz, $6::boolean, $7::timestamptz, $8::boolean, $9, " \
  "$10::boolean, $11::bigint, $12::bigint, $13"

Timestamp timestamp(const pqxx::field& field) {
  std::optional<Timestamp> t = parse_timestamp(field.c_str());
  if (!t) throw std::runtime_error(strings::cat("unreadable timestamp \"", field.c_str(), "\""));
  return *t;
}

}  // namespace

const char* const kIsApplied = "SELECT is_applied FROM massmigration_record WHERE key = $1";
const char* const kGet =
    "SELECT " MASSMIGRATION_PG_COLUMNS " FROM massmigration_record WHERE key = $1";
const char* const kList =
    "SELECT " MASSMIGRATION_PG_COLUMNS " FROM massmigration_record ORDER BY key";
const char* const kInsertIfAbsent =
    "INSERT INTO massmigration_record (key, app_label, name, attempt_uuid, initiated_at, "
    "is_applied, applied_at, has_error, last_error, was_faked, rows_done, rows_total, checkpoint) "
    "VALUES (" MASSMIGRATION_PG_VALUES ") ON CONFLICT (key) DO NOTHING";
const char* const kReplaceIf =
    "UPDATE massmigration_record SET app_label = $2, name = $3, attempt_uuid = $4, "
    "initiated_at = $5::timestamptz, is_applied = $6::boolean, applied_at = $7::timestamptz, "
    "has_error = $8::boolean, last_error = $9, was_faked = $10::boolean, rows_done = $11::bigint, "
    "rows_total = $12::bigint, checkpoint = $13 "
    "WHERE key = $1 AND attempt_uuid = $14 AND is_applied = $15::boolean "
    "AND has_error = $16::boolean";
const char* const kUpsert =
    "INSERT INTO massmigration_record (key, app_label, name, attempt_uuid, initiated_at, "
    "is_applied, applied_at, has_error, last_error, was_faked, rows_done, rows_total, checkpoint) "
    "VALUES (" MASSMIGRATION_PG_VALUES
    ") ON CONFLICT (key) DO UPDATE SET "
    "app_label = EXCLUDED.app_label, name = EXCLUDED.name, attempt_uuid = EXCLUDED.attempt_uuid, "
    "initiated_at = EXCLUDED.initiated_at, is_applied = EXCLUDED.is_applied, "
    "applied_at = EXCLUDED.applied_at, has_error = EXCLUDED.has_error, "
    "last_error = EXCLUDED.last_error, was_faked = EXCLUDED.was_faked, "
    "rows_done = EXCLUDED.rows_done, rows_total = EXCLUDED.rows_total, "
    "checkpoint = EXCLUDED.checkpoint";
const char* const kRemove = "DELETE FROM massmigration_record WHERE key = $1";

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

Params& Params::record(const MigrationRecord& r) {
  auto boolean = [](bool b) { return std::string(b ? "true" : "false"); };
  text(r.key.str()).text(r.app_label()).text(r.name()).text(r.attempt_uuid);
  text(format_timestamp(r.initiated_at)).text(boolean(r.is_applied));
  optional(r.applied_at ? std::optional<std::string>(format_timestamp(*r.applied_at))
                        : std::nullopt);
  text(boolean(r.has_error)).text(r.last_error).text(boolean(r.was_faked));
  text(std::to_string(r.rows_done));
  optional(r.rows_total ? std::optional<std::string>(std::to_string(*r.rows_total)) : std::nullopt);
  return optional(r.checkpoint);
}

Params& Params::expected(std::string_view attempt_uuid, MigrationStatus status) {
  text(std::string(attempt_uuid));
  text(status == MigrationStatus::kApplied ? "true" : "false");
  return text(status == MigrationStatus::kErrored ? "true" : "false");
}

const std::vector<const char*>& Params::pointers() {
  pointers_.clear();
  for (const std::optional<std::string>& v : values_) {
    pointers_.push_back(v ? v->c_str() : nullptr);
  }
  return pointers_;
}

MigrationRecord read_record(const pqxx::row& row) {
  MigrationRecord r{.key = MigrationKey(row[0].c_str())};
  r.attempt_uuid = row[1].c_str();
  r.initiated_at = timestamp(row[2]);
  r.is_applied = row[3].as<bool>();
  if (!row[4].is_null()) r.applied_at = timestamp(row[4]);
  r.has_error = row[5].as<bool>();
  r.last_error = row[6].c_str();
  r.was_faked = row[7].as<bool>();
  r.rows_done = row[8].as<std::int64_t>();
  if (!row[9].is_null()) r.rows_total = row[9].as<std::int64_t>();
  if (!row[10].is_null()) r.checkpoint = std::string(row[10].c_str());
  return r;
}

void ensure_schema(pqxx::connection_base& connection) {
  pqxx::work work(connection);
  work.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kSchemaLock) + ")");
  work.exec(kCreateTable);
  work.commit();
}

}  // namespace massmigration::postgres::internal
