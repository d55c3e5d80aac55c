// What a mapper run writes into its record outside the chunks: rows_total at the start,
// APPLIED at the end (only when the record counts every chunk this attempt committed), and
// ERRORED with the first failure, keeping the progress and checkpoint the workers left.
#include "massmigration/internal/cache_epoch.h"
#include "massmigration/log.h"
#include "records/audit.h"
#include "records/transitions.h"
#include "runners/mapper_run.h"
#include "runners/progress_internal.h"
#include "runners/record_cache.h"
#include "string_building.h"

namespace massmigration::internal {

bool MapperRun::count_total() {
  if (state_.record.rows_total) return true;
  return attempt([&] {
    std::unique_ptr<RunSession> session = state_.database->begin_session();
    std::vector<SqlRow> rows = session->query(count_sql(plan_.query), plan_.query.filter_params);
    MigrationRecord counted = state_.record;
    counted.rows_total = std::get<std::int64_t>(rows.at(0).at(0));
    if (!record_progress(*session, counted)) {
      stale();
      return false;
    }
    session->commit();
    state_.record = counted;
    return true;
  });
}

void MapperRun::finish() {
  attempt([&] {
    std::optional<MigrationRecord> current = state_.database->store().get(key_);
    if (!current || current->attempt_uuid != attempt_) {
      stale();
      return false;
    }
    // The last chunks' commits did not wait for the disk (see next_checkpoint): a database
    // that lost them since must not see the run marked APPLIED without their rows.
    const std::int64_t expected = state_.record.rows_done + rows_done_;
    if (current->rows_done != expected) {
      throw ChunkFailure(strings::cat(
          "the record counts ", current->rows_done, " rows done, not ", expected,
          ": chunks committed earlier were lost (did the database restart?); resume to redo "
          "them"));
    }
    MigrationRecord applied = *current;
    applied.is_applied = true;
    applied.applied_at = now_timestamp();
    if (!finish_record(state_.database->store(), applied)) {
      stale();
      return false;
    }
    record_cache().invalidate(alias_, key_);
    advance_cache_epoch();  // guards here that were just refused see it at once
    record_event(state_.database->store(), {.key = key_,
                                            .alias = alias_,
                                            .attempt_uuid = attempt_,
                                            .action = "finish",
                                            .actor = state_.record.owner,
                                            .detail = strings::cat(applied.rows_done, " rows")});
    report_progress({key_, alias_, applied.rows_done, applied.rows_total, rows_done_, true});
    return true;
  });
}

void MapperRun::record_failure(const std::string& error) {
  const MigrationProgress progress{
      key_,       alias_, state_.record.rows_done + rows_done_, state_.record.rows_total,
      rows_done_, true};
  try {
    // The record as the workers left it, so that its progress and checkpoint are kept.
    std::optional<MigrationRecord> current = state_.database->store().get(key_);
    if (current && current->attempt_uuid == attempt_) {
      state_.record = *current;
      mark_errored(state_, error, strings::cat("failed: ", error));
    }
  } catch (const std::exception& e) {
    log(LogLevel::kError,
        strings::cat("migration ", where_, " failed (", error,
                     ") and its record could not be read to mark it ERRORED: ", e.what()));
  }
  record_cache().invalidate(alias_, key_);
  report_progress(progress);
}

void MapperRun::record_stop() {
  const std::int64_t done = state_.record.rows_done + rows_done_;
  MigrationStatus status = asked_;
  try {
    if (stop_ == Stop::kLocal) {
      // Between chunks: nothing of this attempt is in flight, so the record is exact.
      status = stop_own_run(state_.database->store(), key_, alias_, attempt_,
                            "this process was asked to stop")
                   .value_or(MigrationStatus::kRunning);
    }
  } catch (const std::exception& e) {
    log(LogLevel::kError,
        strings::cat("migration ", where_, " stopped as asked, but its record could not say so: ",
                     e.what(), "; it shows STALLED after the lease"));
    status = MigrationStatus::kRunning;
  }
  record_cache().invalidate(alias_, key_);
  if (status == MigrationStatus::kRunning) {
    log(LogLevel::kWarning, strings::cat("migration ", where_, ": attempt ", attempt_,
                                         " stopped; its record no longer belongs to it"));
  } else {
    log(LogLevel::kInfo,
        strings::cat(
            "migration ", where_, " ", to_string(status), " after ", done, " rows",
            status == MigrationStatus::kPaused
                ? strings::cat("; resume ", key_.str(), " --database ", alias_, " continues it")
                : std::string()));
  }
  report_progress({key_, alias_, done, state_.record.rows_total, rows_done_, true});
}

}  // namespace massmigration::internal
