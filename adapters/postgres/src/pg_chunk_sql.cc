#include "pg_chunk_sql.h"

namespace massmigration::postgres::internal {

#define MASSMIGRATION_PG_LEASE_END(ms) \
  "clock_timestamp() + " ms "::bigint * interval '1 millisecond'"
// A chunk's failures count within one attempt of its run: resuming the run gives a failed
// chunk its tries afresh.
#define MASSMIGRATION_PG_FAILURES_AFTER_ONE_MORE \
  "(CASE WHEN failed_attempt IS NOT DISTINCT FROM attempt THEN failures + 1 ELSE 1 END)"

const char* const kCreateChunkTable = R"sql(
CREATE TABLE IF NOT EXISTS massmigration_chunk (
  id BIGSERIAL PRIMARY KEY,
  -- A record's chunks go with it: a run started afresh has only its own.
  key TEXT NOT NULL REFERENCES massmigration_record (key) ON DELETE CASCADE,
  after_key TEXT,
  upto_key TEXT,
  done BOOLEAN NOT NULL DEFAULT FALSE,
  rows_done BIGINT NOT NULL DEFAULT 0,
  claim TEXT,
  claimed_by TEXT NOT NULL DEFAULT '',
  lease_until TIMESTAMPTZ,
  attempt TEXT,
  failures INTEGER NOT NULL DEFAULT 0,
  failed_attempt TEXT,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS massmigration_chunk_open ON massmigration_chunk (id) WHERE NOT done;
CREATE INDEX IF NOT EXISTS massmigration_chunk_by_key ON massmigration_chunk (key, done))sql";

const char* const kDeleteChunks = "DELETE FROM massmigration_chunk WHERE key = $1";
const char* const kInsertChunk =
    "INSERT INTO massmigration_chunk (key, after_key, upto_key) VALUES ($1, $2, $3)";
// The first open chunk, in order, that no live claim holds and whose run's record is RUNNING
// (read, not locked), as `next`, for the claim that follows: `condition` narrows it. SKIP
// LOCKED: concurrent claims pass over a chunk another claim is taking, instead of waiting for
// it and then finding it taken.
#define MASSMIGRATION_PG_NEXT_CLAIMABLE(condition)                                  \
  "next AS (SELECT c.id FROM massmigration_chunk c JOIN massmigration_record r ON " \
  "r.key = c.key WHERE NOT c.done AND (c.lease_until IS NULL OR c.lease_until < "   \
  "clock_timestamp()) AND NOT r.is_applied AND NOT r.has_error AND r.run_status = " \
  "'running' " condition " ORDER BY c.id LIMIT 1 FOR UPDATE OF c SKIP LOCKED)"
// Claims chunk `next`; returns what ClaimedChunk holds but the claim.
#define MASSMIGRATION_PG_CLAIM_NEXT(claim, worker, lease) \
  "UPDATE massmigration_chunk c SET claim = " claim ", claimed_by = " worker ", lease_until = " \
  "" MASSMIGRATION_PG_LEASE_END(lease) ", "                                                    \
  "attempt = (SELECT attempt_uuid FROM massmigration_record r WHERE r.key = c.key) "          \
  "FROM next WHERE c.id = next.id "                                                            \
  "RETURNING c.id, c.key, c.after_key, c.upto_key, "                                           \
  "CASE WHEN c.failed_attempt = c.attempt THEN c.failures ELSE 0 END AS failures, c.attempt"

const char* const kClaimChunk =
    "WITH " MASSMIGRATION_PG_NEXT_CLAIMABLE("") " " MASSMIGRATION_PG_CLAIM_NEXT("$1", "$2", "$3");
// The count sees the table as the statement found it, this chunk not yet done.
#define MASSMIGRATION_PG_COMPLETE                                                              \
  "completed AS (UPDATE massmigration_chunk SET done = TRUE, rows_done = $3::bigint "          \
  "WHERE id = $1::bigint AND claim = $2 AND NOT done RETURNING key), "                         \
  "others AS (SELECT (SELECT count(*) FROM massmigration_chunk c WHERE c.key = completed.key " \
  "AND NOT c.done AND c.id <> $1::bigint) AS open FROM completed)"
const char* const kCompleteChunk = "WITH " MASSMIGRATION_PG_COMPLETE " SELECT open FROM others";
// One statement, one round trip. The claim reads what `others` found, so the completion runs
// first.
const char* const kCompleteChunkClaimNext =
    "WITH " MASSMIGRATION_PG_COMPLETE ", " MASSMIGRATION_PG_NEXT_CLAIMABLE(
        "AND c.id <> $1::bigint AND EXISTS (SELECT 1 FROM others WHERE open > 0)") ", "
    "claimed AS (" MASSMIGRATION_PG_CLAIM_NEXT("$4", "$5", "$6") ") "
    "SELECT others.open, claimed.id, claimed.key, claimed.after_key, claimed.upto_key, "
    "claimed.failures, claimed.attempt FROM others LEFT JOIN claimed ON TRUE";
// A failed chunk waits half a second per failure before it is claimed again, so that the
// other chunks go first.
const char* const kReleaseChunk =
    "UPDATE massmigration_chunk SET claim = NULL, lease_until = CASE WHEN $3::text IS NULL "
    "THEN NULL ELSE " MASSMIGRATION_PG_LEASE_END(
        MASSMIGRATION_PG_FAILURES_AFTER_ONE_MORE " * 500") " END, "
    "failures = CASE WHEN $3::text IS NULL THEN failures "
    "ELSE " MASSMIGRATION_PG_FAILURES_AFTER_ONE_MORE " END, "
    "failed_attempt = CASE WHEN $3::text IS NULL THEN failed_attempt ELSE attempt END, "
    "last_error = coalesce($3::text, last_error) "
    "WHERE id = $1::bigint AND claim = $2 AND NOT done RETURNING failures";
const char* const kExtendClaim =
    "UPDATE massmigration_chunk SET lease_until = " MASSMIGRATION_PG_LEASE_END(
        "$3") " WHERE id = $1::bigint AND claim = $2 AND NOT done";
const char* const kUnfinishedChunks =
    "SELECT count(*) FROM massmigration_chunk WHERE key = $1 AND NOT done";
const char* const kCountChunks =
    "SELECT count(*), count(*) FILTER (WHERE NOT done), count(*) FILTER (WHERE NOT done AND "
    "claim IS NOT NULL AND lease_until >= clock_timestamp()) FROM massmigration_chunk "
    "WHERE key = $1";

}  // namespace massmigration::postgres::internal
