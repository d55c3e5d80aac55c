#include "chunk_sql.h"

namespace massmigration::sqlite::internal {
namespace {

// The database's clock, and a lease's end by it, as record times are written.
#define MASSMIGRATION_SQLITE_CHUNK_NOW "(strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z')"
#define MASSMIGRATION_SQLITE_LEASE_END(ms) \
  "(strftime('%Y-%m-%dT%H:%M:%f', 'now', '+' || (" ms " / 1000.0) || ' seconds') || '000Z')"
// A chunk's failures count within one attempt of its run: resuming the run gives a failed
// chunk its tries afresh.
#define MASSMIGRATION_SQLITE_FAILURES_AFTER_ONE_MORE \
  "(CASE WHEN failed_attempt IS attempt THEN failures + 1 ELSE 1 END)"

constexpr const char* kDeleteChunks = "DELETE FROM massmigration_chunk WHERE key = ?1";
constexpr const char* kInsertChunk =
    "INSERT INTO massmigration_chunk (key, after_key, upto_key) VALUES (?1, ?2, ?3)";
// The first open chunk of a RUNNING record; SQLite has one writer at a time, so the session's
// write lock already keeps concurrent claims apart.
constexpr const char* kClaimChunk =
    "UPDATE massmigration_chunk SET claim = ?1, claimed_by = ?2, lease_until = "
    "" MASSMIGRATION_SQLITE_LEASE_END("?3") ", attempt = (SELECT attempt_uuid FROM "
    "massmigration_record r WHERE r.key = massmigration_chunk.key) "
    "WHERE id = (SELECT c.id FROM massmigration_chunk c "
    "JOIN massmigration_record r ON r.key = c.key WHERE c.done = 0 AND (c.lease_until IS NULL OR "
    "c.lease_until < " MASSMIGRATION_SQLITE_CHUNK_NOW ") AND r.is_applied = 0 AND r.has_error = 0 "
    "AND r.run_status = 'running' ORDER BY c.id LIMIT 1) "
    "RETURNING id, key, after_key, upto_key, "
    "CASE WHEN failed_attempt = attempt THEN failures ELSE 0 END, attempt";
constexpr const char* kCompleteChunk =
    "UPDATE massmigration_chunk SET done = 1, rows_done = ?3 "
    "WHERE id = ?1 AND claim = ?2 AND done = 0";
// A failed chunk waits half a second per failure before it is claimed again, so that the
// other chunks go first.
constexpr const char* kReleaseChunk =
    "UPDATE massmigration_chunk SET claim = NULL, lease_until = CASE WHEN ?3 IS NULL THEN NULL "
    "ELSE " MASSMIGRATION_SQLITE_LEASE_END(
        MASSMIGRATION_SQLITE_FAILURES_AFTER_ONE_MORE " * 500") " END, "
    "failures = CASE WHEN ?3 IS NULL THEN failures "
    "ELSE " MASSMIGRATION_SQLITE_FAILURES_AFTER_ONE_MORE " END, "
    "failed_attempt = CASE WHEN ?3 IS NULL THEN failed_attempt ELSE attempt END, "
    "last_error = coalesce(?3, last_error) "
    "WHERE id = ?1 AND claim = ?2 AND done = 0 RETURNING failures";
constexpr const char* kExtendClaim =
    "UPDATE massmigration_chunk SET lease_until = " MASSMIGRATION_SQLITE_LEASE_END(
        "?3") " WHERE id = ?1 AND claim = ?2 AND done = 0";
constexpr const char* kOtherUnfinishedChunks =
    "SELECT count(*) FROM massmigration_chunk WHERE done = 0 AND key = (SELECT key FROM "
    "massmigration_chunk WHERE id = ?1)";
constexpr const char* kUnfinishedChunks =
    "SELECT count(*) FROM massmigration_chunk WHERE key = ?1 AND done = 0";
constexpr const char* kCountChunks =
    "SELECT count(*), count(*) FILTER (WHERE done = 0), count(*) FILTER (WHERE done = 0 AND "
    "claim IS NOT NULL AND lease_until >= " MASSMIGRATION_SQLITE_CHUNK_NOW
    ") "
    "FROM massmigration_chunk WHERE key = ?1";

void bind_optional(Statement& statement, int index, const std::optional<std::string>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index, std::nullopt);
  }
}

}  // namespace

const char* const kCreateChunkTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_chunk (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  after_key TEXT,
  upto_key TEXT,
  done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
  rows_done INTEGER NOT NULL DEFAULT 0,
  claim TEXT,
  claimed_by TEXT NOT NULL DEFAULT '',
  lease_until TEXT,
  attempt TEXT,
  failures INTEGER NOT NULL DEFAULT 0,
  failed_attempt TEXT,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS massmigration_chunk_open ON massmigration_chunk (done, id);
CREATE INDEX IF NOT EXISTS massmigration_chunk_by_key ON massmigration_chunk (key, done);
-- A record's chunks go with it: a run started afresh has only its own. (A trigger rather than
-- a foreign key, which SQLite enforces only on connections that ask for it.)
CREATE TRIGGER IF NOT EXISTS massmigration_chunks_of_deleted_record
AFTER DELETE ON massmigration_record BEGIN
  DELETE FROM massmigration_chunk WHERE key = old.key;
END)sql";

void replace_chunks(Connection& connection, const MigrationKey& key,
                    const std::vector<ChunkRange>& ranges) {
  {
    Statement remove = connection.statement(kDeleteChunks);
    remove.bind(1, key.str()).step();
  }
  for (const ChunkRange& range : ranges) {
    Statement insert = connection.statement(kInsertChunk);
    insert.bind(1, key.str());
    bind_optional(insert, 2, range.after);
    bind_optional(insert, 3, range.upto);
    insert.step();
  }
}

std::optional<ClaimedChunk> claim_chunk(Connection& connection, std::string_view worker,
                                        std::string_view claim, std::chrono::milliseconds lease) {
  Statement statement = connection.statement(kClaimChunk);
  statement.bind(1, claim).bind(2, worker).bind(3, static_cast<std::int64_t>(lease.count()));
  if (!statement.step()) return std::nullopt;
  ClaimedChunk claimed{
      .id = statement.integer(0),
      .key = MigrationKey(statement.text(1)),
      .attempt_uuid = statement.optional_text(5).value_or(""),
      .range = {.after = statement.optional_text(2), .upto = statement.optional_text(3)},
      .claim = std::string(claim),
      .failures = static_cast<int>(statement.integer(4))};
  while (statement.step()) {
  }
  return claimed;
}

std::optional<std::int64_t> complete_chunk(Connection& connection, std::int64_t id,
                                           std::string_view claim, std::int64_t rows) {
  Statement statement = connection.statement(kCompleteChunk);
  statement.bind(1, id).bind(2, claim).bind(3, rows).step();
  if (connection.changes() != 1) return std::nullopt;
  Statement others = connection.statement(kOtherUnfinishedChunks);
  others.bind(1, id);
  others.step();
  return others.integer(0);
}

std::optional<int> release_chunk(Connection& connection, std::int64_t id, std::string_view claim,
                                 const std::optional<std::string>& error) {
  Statement statement = connection.statement(kReleaseChunk);
  statement.bind(1, id).bind(2, claim);
  bind_optional(statement, 3, error);
  if (!statement.step()) return std::nullopt;
  const int failures = static_cast<int>(statement.integer(0));
  while (statement.step()) {
  }
  return failures;
}

bool extend_claim(Connection& connection, std::int64_t id, std::string_view claim,
                  std::chrono::milliseconds lease) {
  Statement statement = connection.statement(kExtendClaim);
  statement.bind(1, id).bind(2, claim).bind(3, static_cast<std::int64_t>(lease.count())).step();
  return connection.changes() == 1;
}

std::int64_t unfinished_chunks(Connection& connection, const MigrationKey& key) {
  Statement statement = connection.statement(kUnfinishedChunks);
  statement.bind(1, key.str());
  statement.step();
  return statement.integer(0);
}

ChunkCounts count_chunks(Connection& connection, const MigrationKey& key) {
  Statement statement = connection.statement(kCountChunks);
  statement.bind(1, key.str());
  statement.step();
  return {.total = statement.integer(0),
          .unfinished = statement.integer(1),
          .in_flight = statement.integer(2)};
}

}  // namespace massmigration::sqlite::internal
