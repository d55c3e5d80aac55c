// The workers backend: runs queued in their database as chunks, claimed and run by worker
// processes on any number of machines. A chunk's changes, its done mark and the run's
// progress commit in one transaction that the claim fences (complete_chunk) and the attempt
// fences (advance_progress), so a chunk that two workers run takes effect once.
#include "runners/workers.h"

#include <exception>
#include <stdexcept>
#include <utility>

#include "exception_text.h"
#include "massmigration/errors.h"
#include "massmigration/internal/cache_epoch.h"
#include "massmigration/log.h"
#include "massmigration/registry.h"
#include "model/mapper_plan.h"
#include "process_counters.h"
#include "records/audit.h"
#include "records/transitions.h"
#include "runners/heartbeat.h"
#include "runners/local_stop.h"
#include "runners/mapper_checkpoint.h"
#include "runners/mapper_rows.h"
#include "runners/mapper_sql.h"
#include "runners/progress_internal.h"
#include "runners/record_cache.h"
#include "string_building.h"

namespace massmigration::internal {
namespace {

const MapperMigration& as_mapper(const Migration& migration) {
  return static_cast<const MapperMigration&>(migration);
}

struct MapperChunks {
  std::vector<ChunkRange> ranges;
  std::int64_t rows = 0;
};

// Ranges of plan.chunk_size rows, in key order; the last one open, for rows added later. The
// rows are counted as the split finds them, the full chunks' and the last one's, rather than
// all over again.
MapperChunks mapper_chunks(RunSession& session, const MapperPlan& plan) {
  const std::vector<SqlRow> bounds =
      session.query(chunk_bounds_sql(plan.query, plan.chunk_size), plan.query.filter_params);
  MapperChunks chunks;
  std::optional<std::string> after;
  for (const SqlRow& row : bounds) {
    std::string upto = sql_value_text(row.at(0));
    chunks.ranges.push_back({.after = after, .upto = upto});
    after = std::move(upto);
  }
  chunks.ranges.push_back({.after = after});
  // Fewer than a chunk's rows are left after the last bound; ORDER BY and LIMIT keep the count
  // to the key's index.
  const ChunkQuery last = range_query(plan, chunk_select(plan.query, {}), chunks.ranges.back());
  const std::vector<SqlRow> tail = session.query(
      strings::cat("SELECT count(*) FROM (", last.sql, " LIMIT ", plan.chunk_size, ") AS mm_tail"),
      last.params);
  chunks.rows = static_cast<std::int64_t>(bounds.size()) * plan.chunk_size +
                std::get<std::int64_t>(tail.at(0).at(0));
  return chunks;
}

// The chunk's work in `session`; returns the rows it processed. Throws what the work throws,
// a mapper row's failure naming the row.
std::int64_t run_work(const Migration& migration, const ClaimedChunk& chunk,
                      const std::string& alias, RunSession& session) {
  OperationContext ctx(chunk.key, alias, migration.backend_params(), session);
  if (migration.type() != MigrationType::kMapper) {
    const_cast<SimpleMigration&>(static_cast<const SimpleMigration&>(migration)).operation(ctx);
    ctx.wait_for_sent();
    return 0;
  }
  auto& mapper = const_cast<MapperMigration&>(as_mapper(migration));
  const MapperPlan plan = plan_mapper(mapper, alias, migration.backend_params());
  const ChunkQuery query =
      range_query(plan, chunk_select(plan.query, plan.query.columns), chunk.range);
  std::vector<MapperRow> rows =
      fetch_mapper_rows(session, query, plan.query.columns, plan.chunk_size);
  try {
    mapper.batch_operation(rows, ctx);
    ctx.wait_for_sent();
  } catch (const MapperRowError& e) {
    // A row that failed because the connection did is not the chunk's failure: then the
    // connection's failure is thrown instead. (A transaction a statement aborted refuses this
    // query too, for a reason of its own.)
    try {
      session.query("SELECT 1", {});
    } catch (const DatabaseError& probe) {
      if (probe.connection_lost()) throw;
    }
    throw row_failure(plan.query.primary_key, e);
  }
  return static_cast<std::int64_t>(rows.size());
}

// After a write to the record: guards of this process read it afresh, and the trail says it.
void record_run_event(AliasDatabase& database, const MigrationKey& key,
                      const std::string& attempt_uuid, const std::string& actor, std::string action,
                      std::string detail) {
  record_cache().invalidate(database.alias(), key);
  record_event(database.store(), {.key = key,
                                  .alias = database.alias(),
                                  .attempt_uuid = attempt_uuid,
                                  .action = std::move(action),
                                  .actor = actor,
                                  .detail = std::move(detail)});
}

// Recording a chunk done (and claiming the worker's next one with it) failed after its work
// succeeded, which rolled the work back: a failure of the database (thrown as `cause`), not of
// the chunk.
struct CompletionFailure : std::runtime_error {
  CompletionFailure(std::exception_ptr failure, bool lost)
      : std::runtime_error("recording a chunk done failed"),
        cause(std::move(failure)),
        connection_lost(lost) {}
  std::exception_ptr cause;
  bool connection_lost;
};

// Marks `chunk` done with `rows` rows in `session`, and claims the worker's next chunk with it
// when `next` is set; nullopt when the chunk's claim was lost.
std::optional<CompletedChunk> complete(RunSession& session, const ClaimedChunk& chunk,
                                       std::int64_t rows, const std::optional<NextClaim>& next) {
  try {
    if (next) return session.complete_and_claim_next(chunk.id, chunk.claim, rows, *next);
    const std::optional<std::int64_t> others_open =
        session.complete_chunk(chunk.id, chunk.claim, rows);
    if (!others_open) return std::nullopt;
    return CompletedChunk{.others_open = *others_open};
  } catch (const DatabaseError& e) {
    throw CompletionFailure(std::current_exception(), e.connection_lost());
  }
}

// How a claimed chunk ended.
enum class ChunkEnd {
  kCommitted,   // done, with the run's progress (and APPLIED after the last one)
  kClaimLost,   // its lease ran out and another worker claimed it: nothing committed
  kRunStopped,  // its run was paused, cancelled, replaced or deleted: nothing committed
};

// The run's last open chunk, done in `session` with `recorded` progress: commits it with the run
// APPLIED.
ChunkEnd apply_with_last_chunk(AliasDatabase& database, RunSession& session,
                               const ClaimedChunk& chunk, const RecordedChunk& recorded,
                               const std::string& worker, MigrationProgress progress) {
  // What another connection reads of the record row, locked by this transaction, is what it
  // held just before.
  std::optional<MigrationRecord> before = database.store().get(chunk.key);
  if (!before || before->attempt_uuid != chunk.attempt_uuid) return ChunkEnd::kRunStopped;
  MigrationRecord applied = *before;
  applied.rows_done = recorded.rows_done;
  applied.rows_total = recorded.rows_total;
  applied.is_applied = true;
  applied.applied_at = now_timestamp();
  if (!finish_record(session, applied)) return ChunkEnd::kRunStopped;
  // Guards trust APPLIED at once: it must not be lost to a crash.
  session.make_durable();
  session.commit();
  advance_cache_epoch();  // guards here that were just refused see it at once
  record_run_event(database, chunk.key, chunk.attempt_uuid, worker, "finish",
                   strings::cat(applied.rows_done, " rows"));
  progress.finished = true;
  report_progress(progress);
  return ChunkEnd::kCommitted;
}

// Runs the claimed chunk in one transaction and commits it with its done mark and the run's
// progress, and APPLIED when it was the run's last open chunk. While the run goes on, the same
// transaction claims the worker's next chunk into `next`, rather than one of its own.
ChunkEnd run_claimed(AliasDatabase& database, const Migration& migration, const ClaimedChunk& chunk,
                     const std::string& worker, std::chrono::milliseconds lease,
                     std::optional<ClaimedChunk>& next) {
  // While the work runs, its claim and its run's record show it alive, from sessions of their
  // own: the chunk's row is not locked before complete_chunk, so neither waits for the work.
  Heartbeat heartbeat(
      [&] {
        std::unique_ptr<RunSession> beat = database.begin_chunk_session();
        const bool held = beat->extend_claim(chunk.id, chunk.claim, lease);
        beat->commit();
        return held && database.store().heartbeat(chunk.key, chunk.attempt_uuid);
      },
      lease, strings::cat(chunk.key.str(), " on ", database.alias(), " (chunk ", chunk.id, ")"));
  // A chunk's commit need not wait for the disk: a crash of the server loses it with its done
  // mark and progress, and it is claimed again. The run's last one waits (make_durable).
  std::unique_ptr<RunSession> session = database.begin_chunk_session();
  // A worker stopped or cut off mid-chunk holds its rows' locks; its lease is the time it is
  // trusted with them.
  session->end_if_idle_for(lease);
  const std::int64_t rows = run_work(migration, chunk, database.alias(), *session);
  // Workers runs keep no checkpoint: their chunks say what is done. The record row is locked
  // by this transaction from here, so the chunks that other workers committed before are
  // all seen by what follows, and at most one worker sees no other chunk open.
  const std::optional<RecordedChunk> recorded = advance_progress(
      *session, chunk.key, chunk.attempt_uuid, rows,
      [](const std::optional<std::string>& current) { return current.value_or(""); });
  if (!recorded) return ChunkEnd::kRunStopped;
  const bool running = recorded->status == MigrationStatus::kRunning;
  std::optional<NextClaim> claim_next;
  if (running && !local_stop_requested()) {
    claim_next = NextClaim{.worker = worker, .claim = new_attempt_uuid(), .lease = lease};
  }
  std::optional<CompletedChunk> completed = complete(*session, chunk, rows, claim_next);
  if (!completed) return ChunkEnd::kClaimLost;  // rolls the progress back with the work
  MigrationProgress progress{.key = chunk.key,
                             .alias = database.alias(),
                             .rows_done = recorded->rows_done,
                             .rows_total = recorded->rows_total,
                             .rows_this_attempt = rows,
                             .finished = !running};
  if (!running) {
    session->commit();
    record_run_event(database, chunk.key, chunk.attempt_uuid, worker,
                     recorded->status == MigrationStatus::kPaused ? "paused" : "cancelled",
                     "after a chunk");
    report_progress(progress);
    return ChunkEnd::kCommitted;
  }
  if (completed->others_open > 0) {
    session->commit();
    next = std::move(completed->next);
    if (next) count_worker_claim();
    report_progress(progress);
    return ChunkEnd::kCommitted;
  }
  return apply_with_last_chunk(database, *session, chunk, *recorded, worker, progress);
}

// The chunk failed: it goes back to the queue with the failure counted, and the run is marked
// ERRORED with it at the kMaxChunkFailures-th.
void count_failure(AliasDatabase& database, const ClaimedChunk& chunk, const std::string& worker,
                   const std::string& error) {
  std::optional<int> failures;
  {
    std::unique_ptr<RunSession> session = database.begin_session();
    failures = session->release_chunk(chunk.id, chunk.claim, error);
    session->commit();
  }
  if (!failures || *failures < kMaxChunkFailures) return;
  std::optional<MigrationRecord> current = database.store().get(chunk.key);
  if (!current || current->attempt_uuid != chunk.attempt_uuid || !current->is_live()) return;
  MigrationRecord errored = *current;
  errored.has_error = true;
  errored.last_error = error;
  if (fail_record(database.store(), errored)) {
    record_run_event(database, chunk.key, chunk.attempt_uuid, worker, "fail",
                     strings::cat(error, " (its chunk failed ", *failures, " times)"));
  }
}

// Runs asked to pause or cancel stop when a chunk of theirs commits. One that no worker holds a
// chunk of has no such commit coming: it stops now. A worker whose claim has run out may
// still commit later; its commit then finds the run stopped and changes nothing.
void stop_runs_without_work_in_flight(AliasDatabase& database, const std::string& worker) {
  for (const MigrationRecord& record : database.store().list().records) {
    const MigrationStatus status = record.status();
    if (status != MigrationStatus::kPausing && status != MigrationStatus::kCancelling) continue;
    {
      std::unique_ptr<RunSession> session = database.begin_session();
      const ChunkCounts chunks = session->count_chunks(record.key);
      // A run without chunks is not queued: its own process stops it.
      if (chunks.total == 0 || chunks.in_flight > 0) continue;
    }
    record_cache().invalidate(database.alias(), record.key);
    stop_own_run(database.store(), record.key, database.alias(), record.attempt_uuid,
                 "no worker held a chunk of it", worker);
  }
}

}  // namespace

void WorkersBackend::submit(MigrationRun run) {
  run.abandon("the workers backend queues runs in their database; launching did not");
}

void enqueue_run(const Installation& installation, AliasDatabase& database,
                 const Migration& migration, MigrationRecord running, const std::string& actor) {
  if (migration.type() == MigrationType::kCustom) {
    throw BackendError(migration.key().str(), "workers",
                       "it runs simple and mapper migrations, not custom ones");
  }
  std::unique_ptr<RunSession> session = database.begin_session();
  std::vector<ChunkRange> ranges{ChunkRange{}};  // a simple migration: one chunk
  if (migration.type() == MigrationType::kMapper) {
    const MapperPlan plan =
        plan_mapper(as_mapper(migration), database.alias(), migration.backend_params());
    MapperChunks chunks = mapper_chunks(*session, plan);
    running.rows_total = chunks.rows;
    ranges = std::move(chunks.ranges);
  }
  if (!session->insert_record_if_absent(running)) {
    session.reset();
    std::optional<MigrationRecord> winner = database.store().get(running.key);
    throw MigrationAlreadyStarted(
        running.key.str(), database.alias(),
        winner ? state_hint(*winner, database.alias(), installation.config().run_lease) : "");
  }
  session->replace_chunks(running.key, ranges);
  session->commit();
  record_run_event(database, running.key, running.attempt_uuid,
                   actor.empty() ? running.owner : actor, "launch",
                   strings::cat("queued as ", ranges.size(), " chunks for workers"));
}

bool is_queued_run(AliasDatabase& database, const MigrationKey& key) {
  std::unique_ptr<RunSession> session = database.begin_session();
  return session->count_chunks(key).total > 0;
}

void requeue_resumed_run(AliasDatabase& database, const MigrationRecord& resumed) {
  std::unique_ptr<RunSession> session = database.begin_session();
  if (session->unfinished_chunks(resumed.key) > 0) return;
  MigrationRecord applied = resumed;
  applied.is_applied = true;
  applied.applied_at = now_timestamp();
  if (!finish_record(*session, applied)) return;  // stopped or replaced meanwhile
  session->commit();
  advance_cache_epoch();  // guards here that were just refused see it at once
  record_run_event(database, resumed.key, resumed.attempt_uuid, resumed.owner, "finish",
                   strings::cat(resumed.rows_done, " rows (every chunk was done)"));
}

void give_back(AliasDatabase& database, const ClaimedChunk& chunk) {
  std::unique_ptr<RunSession> session = database.begin_chunk_session();
  session->release_chunk(chunk.id, chunk.claim, std::nullopt);
  session->commit();
}

ChunkOutcome work_one_chunk(const Installation& installation, AliasDatabase& database,
                            const std::string& worker, std::optional<ClaimedChunk>& next) {
  std::optional<ClaimedChunk> chunk = std::exchange(next, std::nullopt);
  if (!chunk) {
    // Need not wait for the disk either: a claim lost to a crash leaves the chunk to another
    // claim, and this worker's commit of it then fails its fence.
    std::unique_ptr<RunSession> session = database.begin_chunk_session();
    chunk = session->claim_chunk(worker, new_attempt_uuid(), installation.config().run_lease);
    session->commit();
    if (chunk) count_worker_claim();
  }
  if (!chunk) {
    stop_runs_without_work_in_flight(database, worker);
    return ChunkOutcome::kNoneToClaim;
  }
  const Migration* migration = find_migration(chunk->key);
  std::optional<std::string> error;
  if (!migration) {
    error = strings::cat("migration ", chunk->key.str(),
                         " is not registered in this worker's "
                         "program");
  } else {
    try {
      const auto began = std::chrono::steady_clock::now();
      switch (run_claimed(database, *migration, *chunk, worker, installation.config().run_lease,
                          next)) {
        case ChunkEnd::kCommitted:
          count_chunk(std::chrono::steady_clock::now() - began);
          return ChunkOutcome::kCommitted;
        case ChunkEnd::kRunStopped:
          give_back(database, *chunk);
          return ChunkOutcome::kNotCommitted;
        case ChunkEnd::kClaimLost:
          return ChunkOutcome::kNotCommitted;
      }
    } catch (const ChunkFailure& e) {
      error = e.what();  // names the row and what it threw
    } catch (const CompletionFailure& e) {
      // No failure counted. Given back to be claimed again at once; with the connection lost,
      // by its lease.
      if (!e.connection_lost) give_back(database, *chunk);
      std::rethrow_exception(e.cause);
    } catch (const DatabaseError& e) {
      // A lost connection is not the chunk's failure: the worker tries again later, and the
      // chunk, its claim run out, is claimed again.
      if (e.connection_lost()) throw;
      error = describe_current_exception();
    } catch (...) {
      error = describe_current_exception();
    }
  }
  if (error) {
    log(LogLevel::kWarning, strings::cat("worker ", worker, ": a chunk of ", chunk->key.str(),
                                         " on ", database.alias(), " failed: ", *error));
    count_failure(database, *chunk, worker, *error);
  }
  return ChunkOutcome::kNotCommitted;
}

}  // namespace massmigration::internal
